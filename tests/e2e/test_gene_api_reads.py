"""Every read route of the real API over HTTP, the full HGNC set loaded from HGNC_SOURCE."""
from __future__ import annotations

import http.client
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from requests.structures import CaseInsensitiveDict

from tests.e2e.conftest import load_from_source
from tests.problem_details import assert_problem
from tests.support import ApiClient

Reference = dict[str, dict[str, Any]]
HGNC_RECORDS = 43_882  # the release in tests/data; the tests count it again from the file


def problem_of(response: Any, status: int) -> dict[str, Any]:
    return assert_problem(response.status_code, response.headers, response.content, status)


def test_loading_from_hgnc_source_loads_every_record_of_the_file(api: ApiClient, hgnc_data_path: Path, reference: Reference) -> None:
    summary = load_from_source(api)
    assert summary["count"] == len(reference) == HGNC_RECORDS
    assert summary["source"] == str(hgnc_data_path)
    assert summary["seconds"] > 0


def test_genes_lists_every_id_in_file_order(loaded_api: ApiClient, reference: Reference) -> None:
    response = loaded_api.get("/genes")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    ids = response.json()
    assert ids[:2] == ["HGNC:5", "HGNC:37133"]
    assert ids == list(reference)
    assert len(set(ids)) == HGNC_RECORDS


def test_a1bg_is_served_exactly_as_its_row_reads(loaded_api: ApiClient, reference: Reference) -> None:
    response = loaded_api.get("/genes/HGNC:5")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    a1bg = response.json()
    assert a1bg == reference["HGNC:5"]
    assert a1bg["symbol"] == "A1BG" and a1bg["name"] == "alpha-1-B glycoprotein"
    assert list(a1bg) == list(reference["HGNC:5"])  # HGNC's field order


def test_a_sample_of_genes_is_served_exactly_as_their_rows_read(loaded_api: ApiClient, reference: Reference) -> None:
    chosen = ["HGNC:37133", "HGNC:7", "HGNC:57", "HGNC:1100", "HGNC:7475", "HGNC:15766", "HGNC:23336",
              "HGNC:58067", "HGNC:22", "HGNC:8", "HGNC:18783", list(reference)[-1]]
    chosen += random.Random(5).sample(list(reference), 250)
    for hgnc_id in chosen:
        response = loaded_api.get(f"/genes/{hgnc_id}")
        assert response.status_code == 200, hgnc_id
        assert response.json() == reference[hgnc_id], hgnc_id


def test_each_locus_group_lists_as_many_genes_as_the_file_holds_in_file_order(loaded_api: ApiClient, reference: Reference) -> None:
    counts = Counter(record["locus_group"] for record in reference.values())
    assert sorted(counts) == ["non-coding RNA", "other", "protein-coding gene", "pseudogene"]
    total = 0
    for group, count in counts.items():
        ids = loaded_api.get("/genes", params={"locus_group": group}).json()
        assert len(ids) == count, group
        assert ids == [i for i, r in reference.items() if r["locus_group"] == group]
        total += len(ids)
    assert total == HGNC_RECORDS


def test_limit_and_offset_page_through_the_ids(loaded_api: ApiClient, reference: Reference) -> None:
    ids = list(reference)
    assert loaded_api.get("/genes", params={"limit": 10}).json() == ids[:10]
    assert loaded_api.get("/genes", params={"offset": 20_000, "limit": 25}).json() == ids[20_000:20_025]
    assert loaded_api.get("/genes", params={"offset": HGNC_RECORDS - 3, "limit": 10}).json() == ids[-3:]
    assert loaded_api.get("/genes", params={"offset": HGNC_RECORDS}).json() == []
    assert loaded_api.get("/genes", params={"offset": 40_000}).json() == ids[40_000:]
    pseudogenes = [i for i, r in reference.items() if r["locus_group"] == "pseudogene"]
    assert loaded_api.get("/genes", params={"locus_group": "pseudogene", "offset": 100, "limit": 50}
                          ).json() == pseudogenes[100:150]


def test_getting_data_streams_every_record_equal_to_the_file(loaded_api: ApiClient, reference: Reference) -> None:
    response = loaded_api.get("/data", stream=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Content-Length" not in response.headers  # streamed, not built whole
    body = b"".join(response.iter_content(chunk_size=1 << 20))
    records = json.loads(body)
    assert len(records) == HGNC_RECORDS
    assert [r["hgnc_id"] for r in records] == list(reference)
    assert records == list(reference.values())
    assert list(records[0]) == list(reference["HGNC:5"])


def test_health_is_ok_and_help_lists_every_route(loaded_api: ApiClient) -> None:
    assert loaded_api.get("/health").status_code == 200
    assert loaded_api.get("/health").json() == {"status": "ok"}
    routes = {(r["method"], r["route"]) for r in loaded_api.get("/help").json()}
    assert {("POST", "/data"), ("GET", "/data"), ("DELETE", "/data"), ("GET", "/genes"),
            ("GET", "/genes/{hgnc_id}"), ("GET", "/health"), ("GET", "/help")} <= routes


# -- errors over HTTP -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["BRCA1", "HGNC:0", "hgnc:5", "HGNC:5x", "HGNC:5/x"])
def test_a_text_that_is_not_an_hgnc_id_is_a_400(loaded_api: ApiClient, text: str) -> None:
    problem_of(loaded_api.get(f"/genes/{text}"), 400)


def test_an_unknown_id_is_a_404(loaded_api: ApiClient) -> None:
    problem_of(loaded_api.get("/genes/HGNC:999999"), 404)


def test_an_unknown_route_is_a_404(loaded_api: ApiClient) -> None:
    problem_of(loaded_api.get("/no/such/route"), 404)


def test_a_wrong_method_is_a_405_with_an_allow_header(loaded_api: ApiClient) -> None:
    response = loaded_api.request("PUT", "/data", data=b"x")
    problem_of(response, 405)
    assert {"GET", "POST", "DELETE"} <= {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize("query", [{"colour": "blue"}, {"limit": "0"}, {"limit": "many"}, {"offset": "-1"},
                                   {"locus_group": "gene"}, {"offset": "99999999999999999999"}])
def test_a_bad_query_is_a_400(loaded_api: ApiClient, query: dict[str, str]) -> None:
    problem_of(loaded_api.get("/genes", params=query), 400)


def test_an_upload_declaring_more_than_the_limit_is_a_413_before_it_is_sent(loaded_api: ApiClient) -> None:
    url = urlparse(loaded_api.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.putrequest("POST", "/data")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(512 * 1024 * 1024))
        connection.endheaders(b"\x1f\x8b")
        response = connection.getresponse()
        problem_of(_Answer(response.status, CaseInsensitiveDict(response.getheaders()), response.read()), 413)
    finally:
        connection.close()
    assert loaded_api.get("/genes", params={"limit": 1}).json() == ["HGNC:5"]


class _Answer:
    def __init__(self, status_code: int, headers: CaseInsensitiveDict[str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content
