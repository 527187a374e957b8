"""The release routes in the app on fakeredis: POST /data?release=, GET /releases, PUT /releases/live, DELETE."""
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import FIXTURES

SAMPLE_TSV = (FIXTURES / "hgnc_sample.tsv").read_bytes()
FEWER_TSV = b"\n".join(SAMPLE_TSV.split(b"\n")[:4]) + b"\n"  # the header and three genes


def problem_of(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def held(client: FlaskClient) -> list[tuple[str, int, bool]]:
    return [(r["release"], r["count"], r["live"]) for r in client.get("/releases").get_json()]


@pytest.fixture
def two_releases(client: FlaskClient) -> FlaskClient:
    assert client.post("/data?release=2024-10-18", data=SAMPLE_TSV).status_code == 201
    assert client.post("/data?release=2024-07-01", data=FEWER_TSV).status_code == 201
    return client


def test_a_load_names_its_release_and_whether_it_is_live(client: FlaskClient) -> None:
    summary = client.post("/data?release=2024-10-18", data=SAMPLE_TSV).get_json()
    assert (summary["release"], summary["live"]) == ("2024-10-18", True)
    older = client.post("/data?release=2024-07-01", data=FEWER_TSV).get_json()
    assert (older["release"], older["live"], older["count"]) == ("2024-07-01", False, 3)


def test_an_upload_without_a_release_is_dated_by_its_newest_date_modified(client: FlaskClient) -> None:
    summary = client.post("/data", data=SAMPLE_TSV).get_json()
    newest = max(line.split(b"\t")[17].decode() for line in SAMPLE_TSV.splitlines()[1:])
    assert summary["release"] == newest


def test_releases_are_listed_newest_first_with_their_counts_and_sources(two_releases: FlaskClient) -> None:
    listed = two_releases.get("/releases").get_json()
    assert [(r["release"], r["count"], r["live"], r["source"]) for r in listed] == [
        ("2024-10-18", len(SAMPLE_TSV.splitlines()) - 1, True, "request body"), ("2024-07-01", 3, False, "request body")]
    assert all(r["loaded_at"] for r in listed)


def test_put_live_chooses_the_live_release_and_null_goes_back_to_the_newest(two_releases: FlaskClient) -> None:
    answer = two_releases.put("/releases/live", json={"release": "2024-07-01"})
    assert answer.status_code == 200
    assert [(r["release"], r["live"]) for r in answer.get_json()] == [("2024-10-18", False), ("2024-07-01", True)]
    assert len(two_releases.get("/genes").get_json()) == 3
    assert two_releases.put("/releases/live", json={"release": None}).status_code == 200
    assert held(two_releases)[0][2] is True


def test_put_live_of_a_release_not_held_is_a_400_naming_the_held_ones(two_releases: FlaskClient) -> None:
    problem = problem_of(two_releases.put("/releases/live", json={"release": "2024-08-01"}), 400)
    assert problem["type"] == "/problems/unknown-release"
    assert problem["held"] == ["2024-10-18", "2024-07-01"]
    assert "2024-10-18, 2024-07-01" in problem["detail"]


@pytest.mark.parametrize("body", [{"release": "2024-13-01"}, {"release": "20241018"}, {"release": 20241018}, {}])
def test_put_live_of_no_release_date_is_a_400(two_releases: FlaskClient, body: dict[str, Any]) -> None:
    problem_of(two_releases.put("/releases/live", json=body), 400)


@pytest.mark.parametrize("release", ["2024-10", "yesterday", "2024-02-30", ""])
def test_a_malformed_release_is_a_400_and_loads_nothing(client: FlaskClient, release: str) -> None:
    problem = problem_of(client.post(f"/data?release={release}", data=SAMPLE_TSV), 400)
    assert "release" in problem["errors"]
    assert client.get("/releases").get_json() == []


def test_an_upload_whose_release_cannot_be_told_is_a_400_that_says_how(client: FlaskClient) -> None:
    undated = b"hgnc_id\tsymbol\tlocus_group\nHGNC:5\tA1BG\tprotein-coding gene\n"
    problem = problem_of(client.post("/data", data=undated), 400)
    assert problem["type"] == "/problems/invalid-release" and "?release=" in problem["detail"]
    assert client.get("/releases").get_json() == []


def test_delete_with_a_release_deletes_that_one_alone(two_releases: FlaskClient) -> None:
    assert two_releases.delete("/data?release=2024-10-18").get_json() == {"deleted": True}
    assert held(two_releases) == [("2024-07-01", 3, True)]
    assert two_releases.delete("/data?release=2024-10-18").get_json() == {"deleted": False}
    assert two_releases.delete("/data").get_json() == {"deleted": True}
    assert held(two_releases) == []


# -- reads of a release: ?release= ----------------------------------------------------------------

FEWER_IDS = [line.split(b"\t")[0].decode() for line in FEWER_TSV.splitlines()[1:]]
SAMPLE_IDS = [line.split(b"\t")[0].decode() for line in SAMPLE_TSV.splitlines()[1:]]


def test_every_gene_route_reads_the_release_asked_for(two_releases: FlaskClient) -> None:
    client = two_releases
    assert client.get("/genes").get_json() == SAMPLE_IDS
    assert client.get("/genes?release=2024-07-01").get_json() == FEWER_IDS
    assert client.get("/genes?release=2024-10-18").get_json() == SAMPLE_IDS
    last = SAMPLE_IDS[-1]
    assert client.get(f"/genes/{last}").status_code == 200
    assert client.get(f"/genes/{last}?release=2024-07-01").status_code == 404
    assert client.get(f"/genes/{FEWER_IDS[0]}?release=2024-07-01&fields=symbol").get_json()["hgnc_id"] == FEWER_IDS[0]
    found = client.post("/genes/query?release=2024-07-01", json={"q": [last, FEWER_IDS[0]]}).get_json()
    assert [answer.get("hgnc_id") for answer in found] == [None, FEWER_IDS[0]]
    assert len(client.get("/data?release=2024-07-01").get_json()) == 3
    assert len(client.get("/data?release=2024-07-01", headers={"Accept": "text/tab-separated-values"})
               .get_data(as_text=True).splitlines()) == 4
    assert client.get("/info?release=2024-07-01").get_json()["count"] == 3
    assert client.get("/info?release=2024-07-01").get_json()["release"] == "2024-07-01"
    assert client.get("/info").get_json()["release"] == "2024-10-18"
    last_symbol = SAMPLE_TSV.splitlines()[-1].split(b"\t")[1].decode()
    rows = client.post("/genes/check?release=2024-07-01", json=["A1BG", last_symbol]).get_json()
    assert [row["match_type"] for row in rows] == ["Approved symbol", "Unmatched"]
    rows = client.post("/genes/check", json=["A1BG", last_symbol]).get_json()
    assert [row["match_type"] for row in rows] == ["Approved symbol", "Approved symbol"]
    rest = client.get("/rest/info?release=2024-07-01", headers={"Accept": "application/json"}).get_json()
    assert rest["numDoc"] == 3
    fetched = client.get(f"/rest/fetch/hgnc_id/{last}?release=2024-07-01", headers={"Accept": "application/json"})
    assert fetched.get_json()["response"]["numFound"] == 0


@pytest.mark.parametrize("route", ["/genes", "/genes/HGNC:5", "/data", "/info", "/rest/info", "/rest/search/A1BG"])
def test_a_release_not_held_is_a_400_naming_the_held_ones(two_releases: FlaskClient, route: str) -> None:
    problem = problem_of(two_releases.get(f"{route}?release=2024-08-01"), 400)
    assert problem["type"] == "/problems/unknown-release" and problem["held"] == ["2024-10-18", "2024-07-01"]


@pytest.mark.parametrize("route", ["/genes", "/genes/HGNC:5", "/data", "/info", "/rest/info"])
def test_a_malformed_release_asked_for_is_a_400(two_releases: FlaskClient, route: str) -> None:
    problem_of(two_releases.get(f"{route}?release=2024-8-1"), 400)


def test_each_release_has_its_own_etag(two_releases: FlaskClient) -> None:
    live = two_releases.get("/genes")
    older = two_releases.get("/genes?release=2024-07-01")
    assert live.headers["ETag"] != older.headers["ETag"]
    again = two_releases.get("/genes?release=2024-07-01", headers={"If-None-Match": older.headers["ETag"]})
    assert again.status_code == 304
    assert two_releases.get("/genes", headers={"If-None-Match": older.headers["ETag"]}).status_code == 200
