"""The mirror of HGNC's REST service under /rest/, over HTTP on the full set and HGNC's withdrawn rows:
every expected answer computed from the data files with the csv module; a published client run against it."""
from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

import hgnc_queries
import hgnc_queries.conversion
import hgnc_queries.queries
import pytest

from tests.support import ApiClient
from tests.hgnc_reference import read_tsv_rows

Reference = dict[str, dict[str, Any]]
JSON = {"Accept": "application/json"}
DATES = ("date_approved_reserved", "date_symbol_changed", "date_name_changed", "date_modified")
# The fields HGNC's /info lists as searchable, written out here from HGNC's documentation of them.
SEARCHED = ("hgnc_id", "symbol", "name", "status", "alias_symbol", "prev_symbol", "entrez_id", "ensembl_gene_id",
            "uniprot_ids", "refseq_accession", "locus_type", "location")


def hgnc_doc(record: dict[str, Any]) -> dict[str, Any]:
    """A record as HGNC's REST service gives it: dates as Solr's `2004-02-24T00:00:00Z`."""
    return {name: f"{value}T00:00:00Z" if name in DATES else value for name, value in record.items()}


def withdrawn_doc(row: dict[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"hgnc_id": row["HGNC ID"], "symbol": row["Approved symbol"], "status": row["Status"]}
    if row["Approved name"]:
        doc["name"] = row["Approved name"]
    replaced = list(dict.fromkeys(re.findall(r"\[(HGNC:\d+)\]", row["Approved name"])))
    if replaced:
        doc["replaced_by"] = replaced
    return doc


def symbols_matching(pattern: str, reference: Reference, withdrawn: list[dict[str, str]]) -> set[str]:
    """The ids whose approved (or withdrawn) symbol matches a pattern of * and ?, in any case."""
    regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower()))
    found = {r["hgnc_id"] for r in reference.values() if regex.fullmatch(r["symbol"].lower())}
    return found | {row["HGNC ID"] for row in withdrawn if regex.fullmatch(row["Approved symbol"].lower())}


def search_ids(api: ApiClient, path: str) -> list[str]:
    response = api.get(f"/rest/search/{path}", headers=JSON)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["responseHeader"]["status"] == 0 and body["response"]["start"] == 0
    assert body["response"]["numFound"] == len(body["response"]["docs"])
    scores = [doc["score"] for doc in body["response"]["docs"]]
    assert scores == sorted(scores, reverse=True) and body["response"]["maxScore"] == max(scores, default=0.0)
    return [doc["hgnc_id"] for doc in body["response"]["docs"]]


def test_info_in_both_formats(checked_api: ApiClient, hgnc_data_path: Any, withdrawn: list[dict[str, str]]) -> None:
    header, rows = read_tsv_rows(hgnc_data_path)
    newest = max(row["date_modified"] for row in rows)
    body = checked_api.get("/rest/info", headers=JSON).json()
    assert body["responseHeader"]["status"] == 0
    assert body["numDoc"] == len(rows) + len(withdrawn) == 43882 + 5176
    assert body["lastModified"] == f"{newest}T00:00:00Z"
    assert set(SEARCHED) <= set(body["searchableFields"])
    assert {name for name in header if any(row[name] for row in rows)} <= set(body["storedFields"])
    xml = checked_api.get("/rest/info")
    assert xml.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "response"
    assert root.find("lst[@name='responseHeader']/int[@name='status']").text == "0"  # type: ignore[union-attr]
    assert root.find("int[@name='numDoc']").text == str(body["numDoc"])  # type: ignore[union-attr]
    assert root.find("date[@name='lastModified']").text == body["lastModified"]  # type: ignore[union-attr]
    assert [e.text for e in root.findall("arr[@name='storedFields']/str")] == body["storedFields"]


def test_fetch_gives_whole_records_in_both_formats(checked_api: ApiClient, reference: Reference,
                                                   withdrawn: list[dict[str, str]]) -> None:
    chooser = random.Random(7)
    for record in chooser.sample(list(reference.values()), 25):
        body = checked_api.get(f"/rest/fetch/symbol/{record['symbol'].lower()}", headers=JSON).json()
        same = [hgnc_doc(r) for r in reference.values() if r["symbol"].lower() == record["symbol"].lower()]
        same += [withdrawn_doc(row) for row in withdrawn if row["Approved symbol"].lower() == record["symbol"].lower()]
        assert body["response"] == {"numFound": len(same), "start": 0, "docs": same}
        by_id = checked_api.get(f"/rest/fetch/hgnc_id/{record['hgnc_id']}", headers=JSON).json()
        assert by_id["response"]["docs"] == [hgnc_doc(record)]
    record = next(r for r in reference.values() if len(r.get("alias_symbol", [])) > 1 and "pubmed_id" in r)
    root = ElementTree.fromstring(checked_api.get(f"/rest/fetch/hgnc_id/{record['hgnc_id']}").content)
    result = root.find("result[@name='response']")
    assert result is not None and result.get("numFound") == "1" and result.get("start") == "0"
    doc = result.find("doc")
    assert doc is not None
    assert doc.find("str[@name='symbol']").text == record["symbol"]  # type: ignore[union-attr]
    assert [e.text for e in doc.findall("arr[@name='alias_symbol']/str")] == record["alias_symbol"]
    assert [int(e.text or "") for e in doc.findall("arr[@name='pubmed_id']/int")] == record["pubmed_id"]
    assert doc.find("date[@name='date_modified']").text == f"{record['date_modified']}T00:00:00Z"  # type: ignore[union-attr]


def test_fetch_finds_a_withdrawn_entry_with_its_status(checked_api: ApiClient, withdrawn: list[dict[str, str]]) -> None:
    for row in (withdrawn[0], next(row for row in withdrawn if row["Status"] == "Symbol Withdrawn")):
        body = checked_api.get(f"/rest/fetch/hgnc_id/{row['HGNC ID']}", headers=JSON).json()
        assert body["response"]["docs"] == [withdrawn_doc(row)]
    entry_withdrawn = [row["HGNC ID"] for row in withdrawn if row["Status"] == "Entry Withdrawn"]
    body = checked_api.get("/rest/fetch/status/Entry+Withdrawn", headers=JSON).json()
    assert [doc["hgnc_id"] for doc in body["response"]["docs"]] == sorted(entry_withdrawn, key=lambda i: int(i[5:]))


def test_search_ranks_an_exact_approved_symbol_first(checked_api: ApiClient, reference: Reference) -> None:
    for symbol in ("BRAF", "TP53", "CD4", "A1BG"):
        expected = next(r["hgnc_id"] for r in reference.values() if r["symbol"] == symbol)
        for path in (symbol, f"symbol/{symbol}", f"symbol:{symbol.lower()}"):
            assert search_ids(checked_api, path)[0] == expected
    alias = next(r for r in reference.values() if r["symbol"] == "BRAF")["alias_symbol"][0]
    holders = {r["hgnc_id"] for r in reference.values() if alias in r.get("alias_symbol", []) + r.get("prev_symbol", [])}
    assert holders and holders <= set(search_ids(checked_api, alias))


@pytest.mark.parametrize("pattern", ["ZNF*", "BRCA?", "*ORF1*", "HLA-D?B*", "C1?ORF5*"])
def test_search_wildcards(checked_api: ApiClient, pattern: str, reference: Reference,
                          withdrawn: list[dict[str, str]]) -> None:
    # `?` would begin the URL's query string: a client sends it as %3F, to HGNC as to us.
    path = f"symbol/{pattern.replace('?', '%3F')}"
    assert set(search_ids(checked_api, path)) == symbols_matching(pattern, reference, withdrawn)


def test_search_operators_parentheses_and_phrases(checked_api: ApiClient, reference: Reference,
                                                  withdrawn: list[dict[str, str]]) -> None:
    approved_znf = {i for i in symbols_matching("ZNF*", reference, []) }
    withdrawn_znf = symbols_matching("ZNF*", {}, withdrawn)
    assert set(search_ids(checked_api, "symbol:ZNF*+AND+status:Approved")) == approved_znf
    assert set(search_ids(checked_api, "symbol:ZNF*%20AND%20NOT%20status:Approved")) == withdrawn_znf
    pair = {r["hgnc_id"] for r in reference.values() if r["symbol"] in ("BRAF", "TP53")}
    assert set(search_ids(checked_api, "symbol:BRAF+OR+symbol:TP53")) == pair
    assert set(search_ids(checked_api, "(symbol:BRAF+OR+symbol:TP53)+AND+status:Approved")) == pair
    assert set(search_ids(checked_api, "symbol:(BRAF OR TP53) AND NOT symbol:TP53")) == pair - {"HGNC:11998"}
    named = {r["hgnc_id"] for r in reference.values() if r.get("name") == "tumor protein p53"}
    phrase = set(search_ids(checked_api, 'name:"tumor protein p53"'))
    assert named and named <= phrase
    assert all("tumor protein p53" in reference[i]["name"] for i in phrase)
    locus = {r["hgnc_id"] for r in reference.values() if r.get("locus_type") == "T cell receptor gene"}
    assert set(search_ids(checked_api, 'locus_type:"T cell receptor gene"')) == locus


def test_malformed_queries_are_a_clear_400(checked_api: ApiClient) -> None:
    for path in ("symbol:(BRAF", 'name:"tumor', "BRAF+AND", "nonsense_field:BRAF", "nonsense_field/BRAF"):
        response = checked_api.get(f"/rest/search/{path}", headers=JSON)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert checked_api.get("/rest/fetch/nonsense_field/BRAF").status_code == 400


@pytest.fixture
def client_on_mirror(checked_api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """hgnc-queries (PyPI), unchanged but for its base URL, which its modules hold as `URL`."""
    base = f"{checked_api.url}/rest"
    for module in (hgnc_queries, hgnc_queries.queries, hgnc_queries.conversion, hgnc_queries.api):
        monkeypatch.setattr(module, "URL", base)


def test_a_published_hgnc_client_works_against_the_mirror(client_on_mirror: None, reference: Reference,
                                                          withdrawn: list[dict[str, str]]) -> None:
    braf = next(r for r in reference.values() if r["symbol"] == "BRAF")
    assert hgnc_queries.get_id("BRAF") == braf["hgnc_id"]
    assert hgnc_queries.get_alias("BRAF", verbose=False) == braf["alias_symbol"]
    assert hgnc_queries.get_symbol_from_id(braf["hgnc_id"].partition(":")[2]) == "BRAF"
    holders: dict[str, int] = {}
    for record in reference.values():
        for name in record.get("prev_symbol", []):
            holders[name.upper()] = holders.get(name.upper(), 0) + 1
    renamed = next(r for r in reference.values() if r["symbol"] == "TMEM268")  # C9orf91 once
    assert hgnc_queries.get_prev_symbol("TMEM268", verbose=False) == renamed["prev_symbol"]
    assert holders[renamed["prev_symbol"][0].upper()] == 1
    assert hgnc_queries.get_new_symbol(renamed["prev_symbol"][0], verbose=False) == "TMEM268"
    starting = sorted([r["symbol"] for r in reference.values() if r["symbol"].startswith("BRCA")]
                      + [row["Approved symbol"] for row in withdrawn if row["Approved symbol"].startswith("BRCA")])
    assert sorted(hgnc_queries.get_gene_starting_with("BRCA", verbose=False)) == starting
    assert hgnc_queries.convert_ensembl2refseq(braf["ensembl_gene_id"], verbose=False) == braf["refseq_accession"]
    refseq = braf["refseq_accession"][0]
    assert hgnc_queries.convert_refseq2ensembl(refseq, verbose=False) == braf["ensembl_gene_id"]
