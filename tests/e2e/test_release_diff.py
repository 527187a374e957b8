"""Two real HGNC releases side by side and the release-diff job between them, end to end.

`from`: HGNC's custom download of July 2024 (tests/data/README.md); `to`: the complete set of
2024-10-18. The expected changes are computed here from the two files with the csv and gzip
modules alone, from the issue's description of the changes, not by the code under test.
"""
from __future__ import annotations

import csv
import gzip
import io
import struct
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import RedisEndpoint
from tests.hgnc_reference import CUSTOM_DOWNLOAD_FIELDS
from tests.problem_details import assert_problem
from tests.support import ApiClient, wait_for_job

CUSTOM_DOWNLOAD = Path(__file__).resolve().parents[1] / "data" / "hgnc_custom_download_2024-07-23.tsv.gz"
JULY, OCTOBER = "2024-07-23", "2024-10-18"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# -- the oracle: the changes straight from the two files ---------------------------------------

# The complete set's list fields ("|"-joined); the custom download joins its own with ", ".
LIST_FIELDS = {"alias_symbol", "alias_name", "prev_symbol", "prev_name", "gene_group", "gene_group_id", "ena",
               "refseq_accession", "ccds_id", "uniprot_ids", "pubmed_id", "mgd_id", "rgd_id", "lsdb", "omim_id",
               "enzyme_id", "mane_select"}
# Every field naming the gene in another database, as the issue lists them.
XREF_FIELDS = {"entrez_id", "ensembl_gene_id", "vega_id", "ucsc_id", "ena", "refseq_accession", "ccds_id",
               "uniprot_ids", "mgd_id", "rgd_id", "omim_id", "mane_select", "rna_central_id", "enzyme_id", "cosmic",
               "mirbase", "lncipedia", "orphanet", "agr"}

Genes = dict[str, dict[str, list[str]]]  # id -> field -> its values as text (a scalar: one)


def july_genes() -> Genes:
    with gzip.open(CUSTOM_DOWNLOAD, "rt", encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file, delimiter="\t") if row["Status"] == "Approved"]
    return {row["HGNC ID"]: {CUSTOM_DOWNLOAD_FIELDS[column]: text.split(", ") if CUSTOM_DOWNLOAD_FIELDS[column] in LIST_FIELDS
                             else [text] for column, text in row.items() if text} for row in rows}


def october_genes(path: Path) -> Genes:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    return {row["hgnc_id"]: {field: text.split("|") if field in LIST_FIELDS else [text]
                             for field, text in row.items() if text} for row in rows}


def number(hgnc_id: str) -> int:
    return int(hgnc_id.split(":")[1])


def expected_changes(old: Genes, new: Genes) -> dict[str, Any]:
    def symbol(genes: Genes, hgnc_id: str) -> str:
        return genes[hgnc_id]["symbol"][0]

    def one(genes: Genes, hgnc_id: str, field: str) -> str | None:
        return genes[hgnc_id][field][0] if field in genes[hgnc_id] else None

    old_fields = {field for gene in old.values() for field in gene}
    new_fields = {field for gene in new.values() for field in gene}
    both_hold = old_fields & new_fields
    gone = sorted(old.keys() - new.keys(), key=number)
    kept = sorted(old.keys() & new.keys(), key=number)
    had_symbol = {}
    for hgnc_id in sorted(new, key=number):
        for previous in new[hgnc_id].get("prev_symbol", []):
            had_symbol.setdefault(previous, []).append(hgnc_id)
    changes: dict[str, Any] = {
        "added": [{"hgnc_id": i, "symbol": symbol(new, i)} for i in sorted(new.keys() - old.keys(), key=number)],
        "merged": [{"hgnc_id": i, "symbol": symbol(old, i),
                    "into": [{"hgnc_id": j, "symbol": symbol(new, j)} for j in had_symbol[symbol(old, i)]]}
                   for i in gone if symbol(old, i) in had_symbol],
        "withdrawn": [{"hgnc_id": i, "symbol": symbol(old, i)} for i in gone if symbol(old, i) not in had_symbol],
        "renamed": [{"hgnc_id": i, "from": symbol(old, i), "to": symbol(new, i)}
                    for i in kept if symbol(old, i) != symbol(new, i)],
    }
    for field in ("name", "locus_type", "location"):
        changes[f"{field}_changed"] = [
            {"hgnc_id": i, "symbol": symbol(new, i), "from": one(old, i, field), "to": one(new, i, field)}
            for i in kept if field in both_hold and one(old, i, field) != one(new, i, field)]
    added, removed = [], []
    for i in kept:
        for field in sorted(XREF_FIELDS & both_hold):
            was, now = set(old[i].get(field, [])), set(new[i].get(field, []))
            added += [{"hgnc_id": i, "symbol": symbol(new, i), "field": field, "value": v} for v in sorted(now - was)]
            removed += [{"hgnc_id": i, "symbol": symbol(new, i), "field": field, "value": v} for v in sorted(was - now)]
    changes["xrefs_added"], changes["xrefs_removed"] = added, removed
    return changes


def expected_rows(changes: dict[str, Any]) -> Iterator[list[str]]:
    """One row a change, kind after kind: change, hgnc_id, symbol, field, from, to."""
    for kind in ("added", "withdrawn"):
        yield from ([kind, c["hgnc_id"], c["symbol"], "", "", ""] for c in changes[kind])
    for c in changes["merged"]:
        yield ["merged", c["hgnc_id"], c["symbol"], "", "",
               ", ".join(f"{gene['hgnc_id']} {gene['symbol']}" for gene in c["into"])]
    yield from (["renamed", c["hgnc_id"], c["to"], "symbol", c["from"], c["to"]] for c in changes["renamed"])
    for field in ("name", "locus_type", "location"):
        yield from ([f"{field}_changed", c["hgnc_id"], c["symbol"], field, c["from"] or "", c["to"] or ""]
                    for c in changes[f"{field}_changed"])
    yield from (["xrefs_added", c["hgnc_id"], c["symbol"], c["field"], "", c["value"]] for c in changes["xrefs_added"])
    yield from (["xrefs_removed", c["hgnc_id"], c["symbol"], c["field"], c["value"], ""]
                for c in changes["xrefs_removed"])


@pytest.fixture(scope="module")
def expected(hgnc_data_path: Path) -> dict[str, Any]:
    return expected_changes(july_genes(), october_genes(hgnc_data_path))


# -- the service: the shared API with both releases loaded, real workers -----------------------


@pytest.fixture(scope="module")
def two_releases(api_process: Any, real_redis: RedisEndpoint) -> Iterator[ApiClient]:
    """The shared API holding July's custom download and the complete set (live: the newest); July is
    forgotten afterwards, so that other modules meet the one release they expect."""
    api = api_process.client
    loaded = api.post("/data", params={"release": JULY}, data=CUSTOM_DOWNLOAD.read_bytes(),
                      headers={"Content-Type": "application/gzip"})
    assert loaded.status_code == 201, loaded.text
    if not any(release["release"] == OCTOBER for release in api.get("/releases").json()):
        assert api.post("/data").status_code == 201
    yield api
    assert api.delete("/data", params={"release": JULY}).status_code == 200


pytestmark = pytest.mark.usefixtures("no_jobs_yet")


def submit(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/jobs", json=body)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


def test_the_diff_job_s_every_change_list_equals_the_one_computed_from_the_two_files(
        two_releases: ApiClient, start_worker: Any, expected: dict[str, Any]) -> None:
    api = two_releases
    worker = start_worker()
    job = submit(api, {"kind": "release_diff", "from": JULY, "to": OCTOBER})
    assert (job["kind"], job["from"], job["to"], job["status"]) == ("release_diff", JULY, OCTOBER, "submitted")

    assert wait_for_job(api, job["id"], watching=[worker])["status"] == "complete"
    results = api.get(f"/results/{job['id']}")
    assert results.status_code == 200 and results.headers["Content-Type"] == "application/json"
    answer = results.json()

    assert (answer["kind"], answer["from"], answer["to"]) == ("release_diff", JULY, OCTOBER)
    for kind, changes in expected.items():
        assert answer[kind] == changes, kind
        assert answer["counts"][kind] == len(changes), kind
    # The figures, for sanity: 25 ids gone (24 merged, F7R withdrawn), 70 added, 27 renamed.
    assert (answer["counts"]["merged"], answer["withdrawn"], answer["counts"]["added"], answer["counts"]["renamed"]) \
        == (24, [{"hgnc_id": "HGNC:3545", "symbol": "F7R"}], 70, 27)
    assert "location" in answer["fields_not_compared"]

    tsv = api.get(f"/results/{job['id']}", headers={"Accept": "text/tab-separated-values"})
    assert tsv.status_code == 200 and tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    header, *rows = csv.reader(io.StringIO(tsv.text, newline=""), delimiter="\t")
    assert header == ["change", "hgnc_id", "symbol", "field", "from", "to"]
    assert sorted(rows) == sorted(expected_rows(expected))
    assert len(rows) == sum(answer["counts"].values())

    plot = api.get(f"/results/{job['id']}/plot")
    assert plot.status_code == 200 and plot.headers["Content-Type"] == "image/png"
    assert plot.content.startswith(PNG_MAGIC) and struct.unpack(">II", plot.content[16:24]) == (1000, 500)
    assert len(plot.content) > 5_000  # text, ticks and bars: no blank

    again = submit(api, {"kind": "release_diff", "from": JULY, "to": OCTOBER})
    assert wait_for_job(api, again["id"], watching=[worker])["reused"] is True  # the same two sets: shared


def test_an_analysis_reads_the_release_it_asks_for_else_the_live_one(two_releases: ApiClient, start_worker: Any,
                                                                     hgnc_data_path: Path) -> None:
    api = two_releases
    worker = start_worker()
    whole_range = {"start_date": "1900-01-01", "end_date": "2100-12-31"}
    pinned, live = submit(api, {**whole_range, "release": JULY}), submit(api, whole_range)
    assert (pinned["kind"], pinned["release"], live["release"]) == ("analysis", JULY, OCTOBER)

    for job in (pinned, live):
        assert wait_for_job(api, job["id"], watching=[worker])["status"] == "complete"
    july, october = (api.get(f"/results/{job['id']}").json() for job in (pinned, live))

    with gzip.open(hgnc_data_path, "rt", encoding="utf-8", newline="") as file:
        approved = sum(1 for row in csv.DictReader(file, delimiter="\t") if row["date_approved_reserved"])
    assert october["total"] == approved
    assert july["total"] == 0  # the custom download holds no approval dates: no gene is counted
    assert july["total"] != october["total"]


@pytest.mark.parametrize(("body", "named"), [
    ({"kind": "release_diff", "from": "2020-01-01", "to": OCTOBER}, ["2020-01-01", JULY, OCTOBER]),
    ({"kind": "release_diff", "from": "2020-01-01", "to": "2020-02-01"}, ["2020-01-01", "2020-02-01", OCTOBER]),
    ({"start_date": "2000-01-01", "end_date": "2001-01-01", "release": "2020-01-01"}, ["2020-01-01", JULY]),
])
def test_a_release_not_held_is_a_400_naming_it_and_the_held_ones(
        two_releases: ApiClient, body: dict[str, Any], named: list[str]) -> None:
    response = two_releases.post("/jobs", json=body)
    problem = assert_problem(response.status_code, response.headers, response.content, 400)
    assert all(release in problem["detail"] for release in named), problem["detail"]
    assert two_releases.get("/jobs").json() == []


@pytest.mark.parametrize(("body", "wrong"), [
    ({"kind": "release_diff", "from": OCTOBER, "to": OCTOBER}, "to"),
    ({"kind": "release_diff", "from": OCTOBER, "to": JULY}, "to"),
    ({"kind": "release_diff", "from": JULY, "to": OCTOBER, "start_date": "2000-01-01"}, "start_date"),
    ({"kind": "release_diff", "from": JULY}, "to"),
    ({"kind": "differences", "from": JULY, "to": OCTOBER}, "kind"),
])
def test_equal_reversed_or_ill_formed_releases_are_a_400_naming_the_field(
        two_releases: ApiClient, body: dict[str, Any], wrong: str) -> None:
    response = two_releases.post("/jobs", json=body)
    problem = assert_problem(response.status_code, response.headers, response.content, 400)
    assert list(problem["errors"]) == [wrong], problem
