"""Releases side by side over HTTP: the real 2024-10-18 set and an older release made from it, one API.

The older release is written as HGNC names its archives, hgnc_complete_set_2024-07-01.txt: a slice of
the real set with some rows dropped and one symbol changed, loaded by the loader from its file name.
The API runs with RELEASES_KEPT=2, so that a third release drops the oldest one not live.
"""
from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from genes.releases import release_in_name
from tests.hgnc_reference import expected_records, read_tsv_rows
from tests.problem_details import assert_problem as problem_of
from tests.support import REPO_ROOT, ApiClient, ApiProcess, RedisServer, service_environment

JULY = "2024-07-01"
NOVEMBER = "2024-11-01"
JULY_ROWS = 3000  # of the real set's first rows, every tenth dropped
RENAMED = ("HGNC:5", "A1BG-JULY")  # the symbol A1BG had in the made-up July release
Records = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def api_process(redis_server: RedisServer, hgnc_data_path: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess(redis_server.host, redis_server.port, hgnc_data_path,
                         tmp_path_factory.mktemp("api") / "api.log", extra_env={"RELEASES_KEPT": "2"})
    try:
        yield process.wait_until_healthy()
    finally:
        process.stop()


@pytest.fixture(scope="module")
def october(hgnc_data_path: Path) -> str:
    """The release of the real set: its file name's date (or, for another HGNC_TEST_DATA, its newest date_modified)."""
    named = release_in_name(hgnc_data_path.name)
    if named is not None:
        return named.isoformat()
    return max(row["date_modified"] for row in read_tsv_rows(hgnc_data_path)[1] if row.get("date_modified"))


@pytest.fixture(scope="module")
def july_path(hgnc_data_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    header, rows = read_tsv_rows(hgnc_data_path)
    kept = [row for n, row in enumerate(rows[:JULY_ROWS]) if n % 10 != 9]
    for row in kept:
        if row["hgnc_id"] == RENAMED[0]:
            row["symbol"] = RENAMED[1]
    path = tmp_path_factory.mktemp("july") / f"hgnc_complete_set_{JULY}.txt"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, header, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    return path


@pytest.fixture(scope="module")
def july(july_path: Path) -> Records:
    return expected_records(july_path)


def run_load(redis_server: RedisServer, *args: str) -> dict[str, Any]:
    env = {**{name: value for name, value in service_environment().items() if not name.startswith(("REDIS_", "HGNC_"))},
           "REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "RELEASES_KEPT": "2"}
    result = subprocess.run([sys.executable, "-m", "entrypoints.load", *args], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def assert_problem(response: Any, status: int, kind: str | None = None) -> dict[str, Any]:
    problem = problem_of(response.status_code, response.headers, response.content, status)
    if kind is not None:
        assert problem["type"] == kind
    return problem


def held(api: ApiClient) -> list[tuple[str, int, bool]]:
    return [(r["release"], r["count"], r["live"]) for r in api.get("/releases").json()]


@pytest.fixture(scope="module")
def two_releases(api_process: ApiProcess, redis_server: RedisServer, july_path: Path, october: str,
                 reference: Records, july: Records) -> ApiClient:
    """October loaded from HGNC_SOURCE (POST /data), July by the loader from its file: side by side."""
    api = api_process.client
    loaded = api.post("/data", timeout=120)
    assert loaded.status_code == 201, loaded.text
    assert (loaded.json()["release"], loaded.json()["live"], loaded.json()["count"]) == (october, True, len(reference))
    summary = run_load(redis_server, str(july_path))
    assert (summary["release"], summary["live"], summary["count"]) == (JULY, False, len(july))
    return api


def test_two_releases_are_held_side_by_side_the_newest_live(two_releases: ApiClient, october: str,
                                                            reference: Records, july: Records,
                                                            hgnc_data_path: Path, july_path: Path) -> None:
    listed = two_releases.get("/releases").json()
    assert [(r["release"], r["count"], r["live"], r["source"]) for r in listed] == [
        (october, len(reference), True, str(hgnc_data_path)), (JULY, len(july), False, str(july_path))]
    assert two_releases.get("/info").json()["release"] == october
    assert two_releases.get("/info", params={"release": JULY}).json()["count"] == len(july)


def test_every_gene_route_reads_the_release_asked_for(two_releases: ApiClient, reference: Records,
                                                      july: Records) -> None:
    api = two_releases
    asked = {"release": JULY}
    assert api.get("/genes", params=asked).json() == list(july)
    assert api.get("/genes").json() == list(reference)
    hgnc_id, symbol = RENAMED
    assert api.get(f"/genes/{hgnc_id}", params=asked).json() == july[hgnc_id]
    assert api.get(f"/genes/{hgnc_id}").json()["symbol"] == "A1BG"
    assert api.get("/genes", params={"symbol": symbol, **asked}).json() == [hgnc_id]
    assert api.get("/genes", params={"symbol": symbol}).json() == []
    dropped = next(i for i in list(reference)[:JULY_ROWS] if i not in july)
    assert api.get(f"/genes/{dropped}", params=asked).status_code == 404
    assert api.get(f"/genes/{dropped}").status_code == 200
    matched = api.post("/genes/query", params=asked, json={"q": [symbol, "A1BG"], "fields": ["symbol"]}).json()
    assert matched == [{"query": symbol, "hgnc_id": hgnc_id, "symbol": symbol}, {"query": "A1BG", "notfound": True}]
    assert api.get("/data", params=asked, timeout=60).json() == list(july.values())
    ndjson = api.get("/data", params=asked, headers={"Accept": "application/x-ndjson"}).text.splitlines()
    assert [json.loads(line) for line in ndjson] == list(july.values())
    tsv = api.get("/data", params=asked, headers={"Accept": "text/tab-separated-values"}).text.splitlines()
    assert len(tsv) == len(july) + 1 and tsv[1].split("\t")[:2] == [hgnc_id, symbol]
    rows = api.post("/genes/check", params=asked, json=[symbol, "A1BG"]).json()
    assert [(row["input"], row["match_type"]) for row in rows] == [(symbol, "Approved symbol"), ("A1BG", "Unmatched")]
    fetched = api.get(f"/rest/fetch/symbol/{symbol}", params=asked, headers={"Accept": "application/json"}).json()
    assert [doc["hgnc_id"] for doc in fetched["response"]["docs"]] == [hgnc_id]
    assert api.get(f"/rest/fetch/symbol/{symbol}", headers={"Accept": "application/json"}).json()["response"][
        "numFound"] == 0
    info = api.get("/rest/info", params=asked, headers={"Accept": "application/json"}).json()
    assert info["numDoc"] == len(july)


def test_each_release_is_cached_under_its_own_etag(two_releases: ApiClient) -> None:
    live, older = two_releases.get("/genes/HGNC:5"), two_releases.get("/genes/HGNC:5", params={"release": JULY})
    assert live.headers["ETag"] != older.headers["ETag"]
    again = two_releases.get("/genes/HGNC:5", params={"release": JULY}, headers={"If-None-Match": older.headers["ETag"]})
    assert again.status_code == 304
    assert two_releases.get("/genes/HGNC:5", headers={"If-None-Match": older.headers["ETag"]}).status_code == 200


def test_a_release_not_held_or_malformed_is_a_400(two_releases: ApiClient, october: str) -> None:
    unknown = assert_problem(two_releases.get("/genes", params={"release": "2024-08-01"}), 400,
                             "/problems/unknown-release")
    assert unknown["held"] == [october, JULY]
    assert_problem(two_releases.get("/genes/HGNC:5", params={"release": "July"}), 400)
    assert_problem(two_releases.get("/rest/search/A1BG", params={"release": "2024-8-1"}), 400)


def test_put_live_chooses_the_release_the_routes_answer(two_releases: ApiClient, october: str,
                                                       reference: Records, july: Records) -> None:
    chosen = two_releases.put("/releases/live", json={"release": JULY})
    assert chosen.status_code == 200, chosen.text
    assert [(r["release"], r["live"]) for r in chosen.json()] == [(october, False), (JULY, True)]
    assert two_releases.get("/genes").json() == list(july)
    assert two_releases.get("/info").json()["release"] == JULY
    assert_problem(two_releases.put("/releases/live", json={"release": "2024-08-01"}), 400, "/problems/unknown-release")
    assert two_releases.put("/releases/live", json={"release": None}).status_code == 200
    assert two_releases.get("/genes").json() == list(reference)


def test_loading_a_held_release_again_replaces_it(two_releases: ApiClient, redis_server: RedisServer, october: str,
                                                 reference: Records, july_path: Path, tmp_path: Path) -> None:
    header, *rows = july_path.read_text(encoding="utf-8").splitlines()
    again = tmp_path / "july-again.txt"  # no date in the name: --release says which it is
    again.write_text("\n".join([header, *rows[:10]]) + "\n", encoding="utf-8")
    assert run_load(redis_server, str(again), "--release", JULY)["count"] == 10
    assert held(two_releases) == [(october, len(reference), True), (JULY, 10, False)]
    assert len(two_releases.get("/genes", params={"release": JULY}).json()) == 10


def test_beyond_releases_kept_the_oldest_not_live_goes(two_releases: ApiClient, october: str,
                                                      reference: Records, july_path: Path) -> None:
    header, *rows = july_path.read_text(encoding="utf-8").splitlines()
    loaded = two_releases.post("/data", params={"release": NOVEMBER}, data="\n".join([header, *rows[:5]]) + "\n")
    assert loaded.status_code == 201, loaded.text
    assert held(two_releases) == [(NOVEMBER, 5, True), (october, len(reference), False)]
    assert_problem(two_releases.get("/genes", params={"release": JULY}), 400, "/problems/unknown-release")
    assert two_releases.delete("/data", params={"release": NOVEMBER}).json() == {"deleted": True}
    assert held(two_releases) == [(october, len(reference), True)]
    assert two_releases.get("/genes", params={"limit": 3}).json() == list(reference)[:3]

