"""Jobs over the full HGNC set, end to end: submitted to the real API, run by real workers, results checked.

The expected counts are computed here from the data file with the csv module, not by the code under test.
"""
from __future__ import annotations

import re
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.hgnc_reference import read_tsv_rows
from tests.problem_details import assert_problem
from tests.support import ApiClient, wait_for_job, wait_for_jobs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Leading chromosome of an HGNC location: 1-22, X or Y, not followed by another digit ("1" is not "10").
LEADING_CHROMOSOME = re.compile(r"(2[0-2]|1[0-9]|[1-9]|X|Y)(?![0-9])")


# -- the oracle: counts straight from the data file --------------------------------------------


def chromosome(location: str) -> str:
    if location == "mitochondria":
        return "MT"
    match = LEADING_CHROMOSOME.match(location)
    return match.group(1) if match else "unknown"


@pytest.fixture(scope="module")
def hgnc_rows(hgnc_data_path: Path) -> list[dict[str, str]]:
    _, rows = read_tsv_rows(hgnc_data_path)
    assert len(rows) > 40_000, f"{hgnc_data_path} holds only {len(rows)} genes: not the full set"
    return rows


def expected_counts(rows: list[dict[str, str]], start: str, end: str, locus_group: str | None) -> dict[str, Any]:
    chosen = [
        row for row in rows
        if row["date_approved_reserved"] and start <= row["date_approved_reserved"] <= end
        and (locus_group is None or row["locus_group"] == locus_group)
    ]
    return {
        "total": len(chosen),
        "by_year": dict(Counter(row["date_approved_reserved"][:4] for row in chosen)),
        "by_locus_group": dict(Counter(row["locus_group"] for row in chosen)),
        "by_locus_type": dict(Counter(row["locus_type"] for row in chosen)),
        "by_chromosome": dict(Counter(chromosome(row["location"]) for row in chosen)),
    }


# -- the service under test: the shared API process (tests/e2e/conftest.py), real workers ---------


pytestmark = pytest.mark.usefixtures("no_jobs_yet")  # tests/e2e/conftest.py, as is start_worker


def submit(api: ApiClient, start: str, end: str, locus_group: str | None = None) -> str:
    body = {"start_date": start, "end_date": end, **({"locus_group": locus_group} if locus_group else {})}
    response = api.post("/jobs", json=body)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/jobs/{response.json()['id']}"
    return response.json()["id"]


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_MAGIC) and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


# -- the tests ---------------------------------------------------------------------------------

JOBS = [  # (start, end, locus_group): each bounded range has genes on its first and on its last day
    ("1900-01-01", "2100-12-31", None),
    ("2001-03-28", "2004-05-27", "protein-coding gene"),
    ("1986-01-01", "1989-06-30", None),
    ("2008-08-29", "2011-05-02", "non-coding RNA"),
    ("2009-03-06", "2013-05-01", "pseudogene"),
    ("1989-06-30", "2000-05-15", "other"),
    ("1700-01-01", "1800-12-31", None),  # no gene approved then
]


def test_jobs_over_the_full_data_set_match_counts_computed_from_the_file(
        loaded_api, start_worker, hgnc_rows: list[dict[str, str]]) -> None:
    api = loaded_api
    assert len(api.get("/genes").json()) == len(hgnc_rows)
    worker = start_worker()

    ids = [submit(api, *parameters) for parameters in JOBS]
    finished = wait_for_jobs(api, ids, watching=[worker])

    for job_id, (start, end, locus_group) in zip(ids, JOBS):
        job = finished[job_id]
        assert job["status"] == "complete", job
        assert job["attempts"] == 1
        assert job["submitted_at"] <= job["started_at"] <= job["finished_at"]
        results = api.get(f"/results/{job_id}").json()
        expected = expected_counts(hgnc_rows, start, end, locus_group)
        scope = f"{start}..{end} {locus_group or 'all'}"
        assert (results["start_date"], results["end_date"], results["locus_group"]) == (start, end, locus_group)
        for name, counts in expected.items():
            assert results[name] == counts, f"{name} of {scope}"
        plot = api.get(f"/results/{job_id}/plot")
        assert plot.status_code == 200 and plot.headers["Content-Type"] == "image/png", scope
        width, height = png_size(plot.content)
        assert width >= 800 and height >= 400, (scope, width, height)
        assert len(plot.content) > 8_000, (scope, len(plot.content))  # text, ticks and bars: no blank

    whole = api.get(f"/results/{ids[0]}").json()
    assert whole["total"] == sum(1 for row in hgnc_rows if row["date_approved_reserved"])
    assert list(whole["by_chromosome"])[:3] == ["1", "2", "3"]
    assert list(whole["by_chromosome"])[-3:] == ["Y", "MT", "unknown"]
    empty = api.get(f"/results/{ids[-1]}").json()
    assert (empty["total"], empty["by_year"]) == (0, {})
    assert api.get("/jobs", params={"status": "complete"}).json() == ids


def test_a_job_without_gene_data_fails_with_the_reason_and_the_worker_completes_the_next(
        api, start_worker) -> None:
    assert api.delete("/data").status_code == 200
    worker = start_worker()

    doomed = submit(api, "2000-01-01", "2005-12-31")
    failed = wait_for_job(api, doomed, watching=[worker])

    assert failed["status"] == "failed" and failed["error"] == "no gene data is loaded: POST /data first"
    response = api.get(f"/results/{doomed}")
    problem = assert_problem(response.status_code, response.headers, response.content, 409)
    assert problem["job_status"] == "failed"
    assert "no gene data is loaded" in problem["detail"]
    assert api.get("/jobs", params={"status": "failed"}).json() == [doomed]

    assert api.post("/data").status_code == 201
    later = submit(api, "2000-01-01", "2005-12-31")
    assert wait_for_job(api, later, watching=[worker])["status"] == "complete"
    assert api.get(f"/results/{later}").status_code == 200
    assert worker.is_running()


JOBS_PER_WORKER = 15


def test_two_workers_at_once_complete_every_job_exactly_once(loaded_api, start_worker) -> None:
    api = loaded_api
    workers = [start_worker(), start_worker()]

    ids = [submit(api, f"{1990 + n % 30}-01-01", f"{1990 + n % 30}-12-31") for n in range(2 * JOBS_PER_WORKER)]
    finished = wait_for_jobs(api, ids, watching=workers)

    assert {job["status"] for job in finished.values()} == {"complete"}
    assert {job["attempts"] for job in finished.values()} == {1}
    for job_id in ids:
        assert api.get(f"/results/{job_id}").status_code == 200
    completed_by = [re.findall(r"job (\S+) ended complete", w.log_path.read_text()) for w in workers]
    assert sorted(completed_by[0] + completed_by[1]) == sorted(ids), "each job is run once, by one worker"
    assert all(completed_by), f"both workers take jobs: {[len(c) for c in completed_by]}"
