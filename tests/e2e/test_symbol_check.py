"""The multi-symbol checker and the withdrawn entries over HTTP, on the full set and HGNC's 5,176 withdrawn
rows; every expected answer computed from the data files with the csv module."""
from __future__ import annotations

import csv
import io
import random
import re
from typing import Any

from tests.support import ApiClient
from tests.problem_details import assert_problem as assert_problem_of

Reference = dict[str, dict[str, Any]]


_NAMED: dict[tuple[int, str], dict[str, list[dict[str, Any]]]] = {}


def _named(reference: Reference, field: str) -> dict[str, list[dict[str, Any]]]:
    """The records by each lower-case name of `field`, in file order."""
    key = (id(reference), field)
    if key not in _NAMED:
        named: dict[str, list[dict[str, Any]]] = {}
        for record in reference.values():
            names = record.get(field, [])
            for name in dict.fromkeys(n.lower() for n in ([names] if isinstance(names, str) else names)):
                named.setdefault(name, []).append(record)
        _NAMED[key] = named
    return _NAMED[key]


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    return assert_problem_of(response.status_code, response.headers, response.content, status)


def expected_rows(text: str, reference: Reference, withdrawn: list[dict[str, str]],
                  case_sensitive: bool = False) -> list[dict[str, Any]]:
    """The checker's answer to one input, from the files: approved, previous, alias (each in file order), withdrawn."""
    def same(name: str) -> bool:
        return name == text if case_sensitive else name.lower() == text.lower()

    rows: list[dict[str, Any]] = []
    for match_type, field in (("Approved symbol", "symbol"), ("Previous symbol", "prev_symbol"),
                              ("Alias symbol", "alias_symbol")):
        for record in _named(reference, field).get(text.lower(), []):
            if any(row["hgnc_id"] == record["hgnc_id"] for row in rows):
                continue
            names = record.get(field, [])
            if any(same(name) for name in ([names] if isinstance(names, str) else names)):
                rows.append({"input": text, "match_type": match_type, "approved_symbol": record["symbol"],
                             "approved_name": record.get("name"), "hgnc_id": record["hgnc_id"],
                             "location": record.get("location"), "replaced_by": []})
    for row in withdrawn:
        if same(row["Approved symbol"]):
            ids = list(dict.fromkeys(re.findall(r"\[(HGNC:\d+)\]", row["Approved name"])))
            rows.append({"input": text, "match_type": "Entry withdrawn", "approved_symbol": None,
                         "approved_name": row["Approved name"] or None, "hgnc_id": row["HGNC ID"], "location": None,
                         "replaced_by": [{"hgnc_id": i, "symbol": reference[i]["symbol"] if i in reference else None}
                                         for i in ids]})
    return rows or [{"input": text, "match_type": "Unmatched", "approved_symbol": None, "approved_name": None,
                     "hgnc_id": None, "location": None, "replaced_by": []}]


def test_withdrawn_entries_change_nothing_the_approved_routes_count_or_list(
        checked_api: ApiClient, reference: Reference, withdrawn: list[dict[str, str]]) -> None:
    assert checked_api.get("/info").json()["count"] == 43882
    ids = checked_api.get("/genes").json()
    assert len(ids) == 43882 and "HGNC:6" not in ids
    current = {n.lower() for field in ("symbol", "prev_symbol", "alias_symbol") for n in _named(reference, field)}
    only_withdrawn = next(row["Approved symbol"] for row in withdrawn if row["Approved symbol"].lower() not in current)
    assert checked_api.get("/genes", params={"symbol": only_withdrawn}).json() == []


def test_a_withdrawn_id_is_gone_and_names_its_replacement(checked_api: ApiClient, withdrawn: list[dict[str, str]]) -> None:
    row = next(row for row in withdrawn if row["HGNC ID"] == "HGNC:6")
    assert "[HGNC:12469]" in row["Approved name"]
    response = checked_api.get("/genes/HGNC:6")
    assert_problem(response, 410)
    assert response.json()["replaced_by"] == ["HGNC:12469"]
    entry_withdrawn = next(row for row in withdrawn if row["Status"] == "Entry Withdrawn")
    gone = checked_api.get(f"/genes/{entry_withdrawn['HGNC ID']}")
    assert_problem(gone, 410)
    assert gone.json()["replaced_by"] == []
    assert_problem(checked_api.get("/genes/HGNC:999999999"), 404)


def test_the_checker_answers_a_mixed_list_in_input_order_as_the_files_say(
        checked_api: ApiClient, reference: Reference, withdrawn: list[dict[str, str]]) -> None:
    chooser = random.Random(20)
    records = list(reference.values())
    approved = [r["symbol"] for r in chooser.sample(records, 60)]
    previous = [r["prev_symbol"][0] for r in chooser.sample([r for r in records if "prev_symbol" in r], 60)]
    aliases = [r["alias_symbol"][-1] for r in chooser.sample([r for r in records if "alias_symbol" in r], 60)]
    gone = [row["Approved symbol"] for row in chooser.sample(withdrawn, 60)]
    literal = [".*", "A1B[G", "A1BG\\", "BRAF|TP53", "(CD4)", "+", "a1bg", "Tp53"]
    inputs = approved + previous + aliases + gone + literal
    chooser.shuffle(inputs)
    response = checked_api.post("/genes/check", json=inputs)
    assert response.status_code == 200, response.text
    expected = [row for text in inputs for row in expected_rows(text, reference, withdrawn)]
    assert response.json() == expected
    kinds = {row["match_type"] for row in expected}
    assert kinds == {"Approved symbol", "Previous symbol", "Alias symbol", "Entry withdrawn", "Unmatched"}


def test_pasted_text_case_sensitivity_and_the_tsv(checked_api: ApiClient, reference: Reference,
                                                  withdrawn: list[dict[str, str]]) -> None:
    pasted = "a1bg, TP53\tbrca1\n\nA1S9T  .*\r\nHLA-DRB1"
    inputs = ["a1bg", "TP53", "brca1", "A1S9T", ".*", "HLA-DRB1"]
    loose = checked_api.post("/genes/check", data=pasted, headers={"Content-Type": "text/plain"})
    assert loose.json() == [row for text in inputs for row in expected_rows(text, reference, withdrawn)]
    strict = checked_api.post("/genes/check", json={"symbols": pasted, "case_sensitive": True})
    assert strict.json() == [row for text in inputs for row in expected_rows(text, reference, withdrawn, True)]
    assert strict.json()[0]["match_type"] == "Unmatched"
    tsv = checked_api.post("/genes/check", data=pasted, params={"case_sensitive": "true"},
                           headers={"Content-Type": "text/plain", "Accept": "text/tab-separated-values"})
    assert tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    table = list(csv.reader(io.StringIO(tsv.text, newline=""), delimiter="\t"))
    assert table[0] == ["Input", "Match type", "Approved symbol", "Approved name", "HGNC ID", "Location", "Replaced by"]
    assert [row[:2] for row in table[1:]] == [[row["input"], row["match_type"]] for row in strict.json()]


def test_bad_checker_input_is_a_clear_4xx(checked_api: ApiClient) -> None:
    assert_problem(checked_api.post("/genes/check", json={"symbols": [1, 2]}), 400)
    assert_problem(checked_api.post("/genes/check", json={"symbols": ["A"], "other": 1}), 400)
    assert_problem(checked_api.post("/genes/check", data=b"\xff\xfe", headers={"Content-Type": "text/plain"}), 400)
    assert_problem(checked_api.post("/genes/check", json=["A1BG"] * 100_001), 413)
    assert_problem(checked_api.post("/data/withdrawn", data=b"hgnc_id\tsymbol\nHGNC:5\tA1BG\n"), 400)
