"""The gene routes through Flask's test client, the container's Redis overridden with fakeredis."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adapters import hgnc_format
from entrypoints import gene_views
from entrypoints.api import create_app
from entrypoints.containers import Container
from tests.conftest import override_redis_with_closed_port, release
from tests.hgnc_reference import expected_records
from tests.problem_details import assert_problem
from tests.support import closed_port

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE_TSV = FIXTURES / "hgnc_sample.tsv"
SAMPLE_JSON = FIXTURES / "hgnc_sample.json"
SAMPLE = expected_records(SAMPLE_TSV)
SAMPLE_IDS = list(SAMPLE)


def problem_of(response: TestResponse, status: int) -> dict[str, Any]:
    return assert_problem(response.status_code, response.headers, response.get_data(), status)


@pytest.fixture
def loaded(client: FlaskClient, container: Container) -> FlaskClient:
    """A client of an app whose HGNC_SOURCE is the sample, already loaded."""
    container.config.hgnc_source.from_value(str(SAMPLE_TSV))
    response = client.post("/data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return client


# -- the routes ------------------------------------------------------------------------------


def test_posting_data_loads_hgnc_source_and_sums_it_up(client: FlaskClient, container: Container) -> None:
    container.config.hgnc_source.from_value(str(SAMPLE_TSV))
    response = client.post("/data")
    assert response.status_code == 201
    summary = response.get_json()
    assert summary["count"] == 13
    assert summary["source"] == str(SAMPLE_TSV)
    assert isinstance(summary["seconds"], (int, float)) and summary["seconds"] >= 0


UPLOADS = {
    "tsv": SAMPLE_TSV.read_bytes(),
    "tsv.gz": gzip.compress(SAMPLE_TSV.read_bytes()),
    "json": SAMPLE_JSON.read_bytes(),
    "json.gz": gzip.compress(SAMPLE_JSON.read_bytes()),
}
CONTENT_TYPES = ["application/octet-stream", "application/x-www-form-urlencoded", "application/json",
                 "text/plain", "multipart/form-data; boundary=x", None]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("form", UPLOADS)
def test_an_uploaded_body_is_recognised_by_content_whatever_its_content_type(
        client: FlaskClient, form: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/data", data=UPLOADS[form], headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["count"] == 13
    assert response.get_json()["source"] == "request body"
    assert client.get("/genes").get_json() == SAMPLE_IDS
    assert client.get("/genes/HGNC:57").get_json() == SAMPLE["HGNC:57"]


def test_genes_lists_every_id_in_load_order(loaded: FlaskClient) -> None:
    response = loaded.get("/genes")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == SAMPLE_IDS


def test_genes_pages_with_limit_and_offset(loaded: FlaskClient) -> None:
    assert loaded.get("/genes?limit=3").get_json() == SAMPLE_IDS[:3]
    assert loaded.get("/genes?offset=4&limit=2").get_json() == SAMPLE_IDS[4:6]
    assert loaded.get("/genes?offset=11").get_json() == SAMPLE_IDS[11:]
    assert loaded.get("/genes?offset=13").get_json() == []
    assert loaded.get("/genes?offset=999999999").get_json() == []


@pytest.mark.parametrize(("symbol", "ids"), [
    ("brca1", ["HGNC:1100"]),
    ("BRCA1", ["HGNC:1100"]),
    ("Rnf53", ["HGNC:1100"]),          # an alias
    ("ncrna00181", ["HGNC:37133"]),    # a previous symbol
    ("amn", ["HGNC:14604", "HGNC:61"]),  # AMN's own symbol, then ABCD1's alias
    ("nosuchgene", []),
])
def test_genes_finds_by_symbol_previous_symbol_or_alias_in_any_case(loaded: FlaskClient, symbol: str, ids: list[str]) -> None:
    assert loaded.get("/genes", query_string={"symbol": symbol}).get_json() == ids


def test_genes_filters_by_locus_group_and_combines_with_the_other_criteria(loaded: FlaskClient) -> None:
    for group in ("protein-coding gene", "non-coding RNA", "pseudogene", "other"):
        expected = [i for i, r in SAMPLE.items() if r["locus_group"] == group]
        assert loaded.get("/genes", query_string={"locus_group": group}).get_json() == expected
    assert loaded.get("/genes", query_string={"locus_group": "pseudogene"}).get_json() == ["HGNC:8"]
    assert loaded.get("/genes", query_string={"locus_group": "protein-coding gene", "offset": 1, "limit": 2}
                      ).get_json() == ["HGNC:7", "HGNC:23336"]
    assert loaded.get("/genes", query_string={"symbol": "amn", "locus_group": "protein-coding gene"}
                      ).get_json() == ["HGNC:14604", "HGNC:61"]
    assert loaded.get("/genes", query_string={"symbol": "brca1", "locus_group": "pseudogene"}).get_json() == []


def test_a_gene_is_its_whole_record_in_hgnc_field_order(loaded: FlaskClient) -> None:
    response = loaded.get("/genes/HGNC:5")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == SAMPLE["HGNC:5"]
    assert list(json.loads(response.get_data())) == list(SAMPLE["HGNC:5"])


def test_getting_data_streams_every_record_as_one_json_list(loaded: FlaskClient) -> None:
    response = loaded.get("/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.is_streamed
    assert json.loads(response.get_data()) == list(SAMPLE.values())


def test_with_nothing_loaded_the_lists_are_empty_and_a_gene_is_not_found(client: FlaskClient) -> None:
    assert client.get("/genes").get_json() == []
    assert json.loads(client.get("/data").get_data()) == []
    problem_of(client.get("/genes/HGNC:5"), 404)


def test_deleting_data_forgets_every_gene_once(loaded: FlaskClient) -> None:
    response = loaded.delete("/data")
    assert response.status_code == 200
    assert response.get_json() == {"deleted": True}
    assert loaded.get("/genes").get_json() == []
    problem_of(loaded.get("/genes/HGNC:5"), 404)
    assert loaded.delete("/data").get_json() == {"deleted": False}


def test_health_is_ok_while_redis_answers(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_alive_and_ready_while_redis_answers(client: FlaskClient) -> None:
    assert client.get("/health/live").get_json() == {"status": "alive"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "redis": "up", "genes": "not held"}  # fakeredis: no watch


def test_with_redis_down_and_nothing_held_alive_but_not_ready(client_without_redis: FlaskClient) -> None:
    assert client_without_redis.get("/health/live").status_code == 200
    problem = problem_of(client_without_redis.get("/health/ready"), 503)
    assert (problem["redis"], problem["genes"]) == ("down", "not held")


def test_help_describes_every_gene_route_in_one_line(client: FlaskClient) -> None:
    response = client.get("/help")
    assert response.status_code == 200
    routes = {(r["method"], r["route"]): r["description"] for r in response.get_json()}
    for route in [("POST", "/data"), ("GET", "/data"), ("DELETE", "/data"), ("GET", "/genes"),
                  ("GET", "/genes/{hgnc_id}"), ("GET", "/health"), ("GET", "/help")]:
        assert route in routes
        assert routes[route] and "\n" not in routes[route]


# -- the errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["BRCA1", "HGNC:", "HGNC:0", "hgnc:5", "HGNC:5x", "HGNC:5/extra", "5",
                                  "HGNC:12345678901", "%00", "HGNC:5%20", "x" * 3900])  # under MAX_URI_BYTES
def test_a_text_that_is_not_an_hgnc_id_is_a_400(loaded: FlaskClient, text: str) -> None:
    problem = problem_of(loaded.get(f"/genes/{text}"), 400)
    assert problem["type"].endswith("invalid-gene-id")


def test_an_unknown_id_is_a_404_naming_it(loaded: FlaskClient) -> None:
    problem = problem_of(loaded.get("/genes/HGNC:424242"), 404)
    assert "HGNC:424242" in problem["detail"]


@pytest.mark.parametrize("path", ["/nowhere", "/genes/", "/gene/HGNC:5", "/data/HGNC:5", "/GENES"])
def test_an_unknown_route_is_a_404(client: FlaskClient, path: str) -> None:
    problem_of(client.get(path), 404)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PUT", "/data", {"GET", "POST", "DELETE"}),
    ("PATCH", "/data", {"GET", "POST", "DELETE"}),
    ("POST", "/genes", {"GET"}),
    ("DELETE", "/genes", {"GET"}),
    ("DELETE", "/genes/HGNC:5", {"GET"}),
    ("POST", "/health", {"GET"}),
    ("POST", "/help", {"GET"}),
])
def test_a_wrong_method_is_a_405_with_an_allow_header(client: FlaskClient, method: str, path: str, allowed: set[str]) -> None:
    response = client.open(path, method=method)
    problem_of(response, 405)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_an_upload_over_the_size_limit_is_a_413(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gene_views, "MAX_UPLOAD_BYTES", 1024)
    problem_of(client.post("/data", data=b"x" * 4096), 413)


def test_a_gzip_bomb_upload_is_a_413_and_the_loaded_set_stays(loaded: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hgnc_format, "MAX_DECOMPRESSED_BYTES", 64 * 1024)
    bomb = gzip.compress(b"hgnc_id\tsymbol\n" + b"\t" * (8 * 1024 * 1024))
    problem_of(loaded.post("/data", data=bomb), 413)
    assert loaded.get("/genes").get_json() == SAMPLE_IDS


@pytest.mark.parametrize("query", [
    {"foo": "1"}, {"symbols": "brca1"}, {"limit": "0"}, {"limit": "-1"}, {"limit": "ten"}, {"limit": "1.5"},
    {"limit": "50001"}, {"limit": ""}, {"offset": "-1"}, {"offset": "x"}, {"symbol": ""}, {"symbol": "x" * 65},
    {"locus_group": "gene"}, {"locus_group": "PSEUDOGENE"},
    {"fields": ",".join(["symbol"] * 300)},  # known names, but longer than the documented maxLength
    {"fields": "symbol, name"},  # the documented pattern has no spaces
])
def test_a_bad_query_is_a_400_naming_the_field(loaded: FlaskClient, query: dict[str, str]) -> None:
    problem = problem_of(loaded.get("/genes", query_string=query), 400)
    assert set(query) <= set(problem["errors"])


@pytest.mark.parametrize("offset", ["99999999999999999999", "9223372036854775807"])
def test_an_absurd_offset_is_no_server_error(loaded: FlaskClient, offset: str) -> None:
    response = loaded.get("/genes", query_string={"offset": offset, "limit": "50000"})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        problem_of(response, 400)
    else:
        assert response.get_json() == []


MALFORMED_UPLOADS = {
    "garbage bytes": b"\x00\x9f\x92\x96\xff\xfe binary junk",
    "prose": b"Dear HGNC, please find the gene list attached.\n",
    "a truncated gzip": gzip.compress(SAMPLE_TSV.read_bytes())[:1000],
    "malformed json": b'{"response": {"docs": [{"hgnc_id": ',
    "json without docs": b'{"response": {"numFound": 0}}',
    "json whose response is a list": b'{"response": []}',
    "a json list of numbers": b"[1, 2]",
    "json nested beyond reason": b"[" * 100_000 + b"]" * 100_000,
    "an empty docs list": b'{"response": {"docs": []}}',
    "a tsv header alone": b"hgnc_id\tsymbol\n",
    "a tsv row with a column missing": b"hgnc_id\tsymbol\tname\nHGNC:5\tA1BG\n",
    "a tsv record without hgnc_id": b"hgnc_id\tsymbol\n\tA1BG\n",
    "a duplicated hgnc_id": SAMPLE_TSV.read_bytes() + SAMPLE_TSV.read_bytes().splitlines(keepends=True)[1],
    "a json alias that is a number": b'{"response": {"docs": [{"hgnc_id": "HGNC:5", "symbol": "A1BG", "alias_symbol": [1]}]}}',
    "a json location that is a number": b'{"response": {"docs": [{"hgnc_id": "HGNC:5", "symbol": "A1BG", "location": 19}]}}',
}


@pytest.mark.parametrize("body", MALFORMED_UPLOADS.values(), ids=MALFORMED_UPLOADS.keys())
def test_a_malformed_upload_is_a_400_and_the_loaded_set_stays(loaded: FlaskClient, body: bytes) -> None:
    problem = problem_of(loaded.post("/data", data=body), 400)
    assert problem["type"].endswith("invalid-gene-source")
    assert loaded.get("/genes").get_json() == SAMPLE_IDS
    assert loaded.get("/genes/HGNC:5").get_json() == SAMPLE["HGNC:5"]


def test_a_missing_source_file_is_a_502_and_the_loaded_set_stays(loaded: FlaskClient, container: Container, tmp_path: Path) -> None:
    container.config.hgnc_source.from_value(str(tmp_path / "gone" / "hgnc_complete_set.json"))
    problem = problem_of(loaded.post("/data"), 502)
    assert problem["type"].endswith("gene-source-unavailable")
    assert loaded.get("/genes").get_json() == SAMPLE_IDS


def test_an_unreachable_source_url_is_a_502_and_the_loaded_set_stays(loaded: FlaskClient, container: Container) -> None:
    container.config.hgnc_source.from_value(f"http://127.0.0.1:{closed_port()}/hgnc_complete_set.json")
    problem = problem_of(loaded.post("/data"), 502)
    assert problem["type"].endswith("gene-source-unavailable")
    assert loaded.get("/genes").get_json() == SAMPLE_IDS


# -- Redis down ------------------------------------------------------------------------------


@pytest.fixture
def client_without_redis() -> Iterator[FlaskClient]:
    """An app whose Redis clients point at a closed port on this machine.

    The clients are overridden to fail at once: the production ones retry with backoff for
    seconds first (the e2e outage test goes through those).
    """
    container = Container()
    override_redis_with_closed_port(container, closed_port())
    container.config.hgnc_source.from_value(str(SAMPLE_TSV))
    yield create_app(container).test_client()
    release(container)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/health", None),
    ("GET", "/genes", None),
    ("GET", "/genes?symbol=brca1", None),
    ("GET", "/genes?locus_group=pseudogene", None),
    ("GET", "/genes/HGNC:5", None),
    ("GET", "/data", None),
    ("DELETE", "/data", None),
    ("POST", "/data", None),
    ("POST", "/data", SAMPLE_TSV.read_bytes()),
])
def test_with_redis_down_every_gene_route_is_a_503_to_retry(
        client_without_redis: FlaskClient, method: str, path: str, body: bytes | None) -> None:
    response = client_without_redis.open(path, method=method, data=body)
    problem_of(response, 503)
    assert response.headers["Retry-After"].isdigit()


def test_with_redis_down_a_bad_id_is_still_a_400(client_without_redis: FlaskClient) -> None:
    problem_of(client_without_redis.get("/genes/BRCA1"), 400)


# -- lookups, batches, /info, ETags (the full set over HTTP: tests/e2e/test_gene_lookups.py) ---


def test_with_nothing_loaded_info_says_so_lookups_find_nothing_and_there_is_no_etag(client: FlaskClient) -> None:
    info = client.get("/info")
    assert info.get_json()["count"] == 0 and info.get_json()["loaded_at"] is None and "ETag" not in info.headers
    assert client.get("/genes?entrez_id=1").get_json() == []
    assert client.post("/genes/query", json={"q": ["A1BG", "HGNC:5"]}).get_json() == [
        {"query": "A1BG", "notfound": True}, {"query": "HGNC:5", "notfound": True}]


def test_a_batch_query_asking_for_an_unknown_field_is_a_400_naming_it(loaded: FlaskClient) -> None:
    problem = problem_of(loaded.post("/genes/query", json={"q": ["A1BG"], "fields": ["symbol", "colour"]}), 400)
    assert problem["errors"]["fields"] == loaded.get("/genes/HGNC:5?fields=symbol,colour").get_json()["errors"]["fields"]
    assert "'colour'" in problem["errors"]["fields"][0] and "'symbol'" not in problem["errors"]["fields"][0]


def test_the_sample_is_found_by_its_cross_references(loaded: FlaskClient) -> None:
    assert loaded.get("/genes?entrez_id=1").get_json() == ["HGNC:5"]
    assert loaded.get("/genes?mgd_id=mgi:2152878&location=19q13").get_json() == ["HGNC:5"]
    assert loaded.get("/genes", query_string={"location": "19q13.43", "fields": "symbol"}).get_json() == [
        {"hgnc_id": "HGNC:5", "symbol": "A1BG"}, {"hgnc_id": "HGNC:37133", "symbol": "A1BG-AS1"}]


def test_an_etag_names_the_loaded_set_and_a_new_load_changes_it(loaded: FlaskClient) -> None:
    tag = loaded.get("/genes/HGNC:5").headers["ETag"]
    assert tag.startswith('W/"')
    assert loaded.get("/genes/HGNC:5", headers={"If-None-Match": tag}).status_code == 304
    assert loaded.post("/data").status_code == 201
    assert loaded.get("/genes/HGNC:5", headers={"If-None-Match": tag}).status_code == 200


def test_the_sample_exported_as_tsv_loads_back_to_the_same_records(loaded: FlaskClient) -> None:
    exported = loaded.get("/data", headers={"Accept": "text/tab-separated-values"}).get_data()
    assert loaded.post("/data", data=exported).status_code == 201
    assert json.loads(loaded.get("/data").get_data()) == list(SAMPLE.values())


def test_a_gzipped_export_decompresses_to_the_plain_one(loaded: FlaskClient) -> None:
    zipped = loaded.get("/data", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == loaded.get("/data").get_data()
