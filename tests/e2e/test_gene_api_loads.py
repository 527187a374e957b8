"""Loading over HTTP: uploads of the full set in every form, malformed uploads, deleting the data."""
from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.conftest import RedisEndpoint
from tests.problem_details import assert_problem
from tests.support import ApiClient

Reference = dict[str, dict[str, Any]]
HGNC_RECORDS = 43_882


def persistent_keys(real_redis: RedisEndpoint) -> set[bytes]:
    """The gene database's keys that do not expire: the live set, nothing left over."""
    client: redis.Redis = real_redis.client(0)
    try:
        return {key for key in client.keys("*") if client.ttl(key) == -1}
    finally:
        client.close()


def assert_full_set_served(api: ApiClient, reference: Reference) -> None:
    assert api.get("/genes").json() == list(reference)
    for hgnc_id in ["HGNC:5", "HGNC:57", "HGNC:1100", *random.Random(3).sample(list(reference), 40)]:
        assert api.get(f"/genes/{hgnc_id}").json() == reference[hgnc_id]


@pytest.fixture(scope="module")
def plain_tsv(hgnc_data_path: Path) -> bytes:
    return gzip.decompress(hgnc_data_path.read_bytes())


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/gzip"])
def test_uploading_the_gzipped_file_loads_every_record(
        loaded_api: ApiClient, hgnc_data_path: Path, reference: Reference, content_type: str) -> None:
    # curl --data-binary @file sends application/x-www-form-urlencoded: the content decides, not the type
    response = loaded_api.post("/data", data=hgnc_data_path.read_bytes(), headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text
    assert response.json()["count"] == HGNC_RECORDS
    assert response.json()["source"] == "request body"
    assert_full_set_served(loaded_api, reference)


def test_uploading_the_plain_tsv_loads_every_record(loaded_api: ApiClient, plain_tsv: bytes, reference: Reference) -> None:
    response = loaded_api.post("/data", data=plain_tsv, headers={"Content-Type": "text/tab-separated-values"})
    assert response.status_code == 201, response.text
    assert response.json()["count"] == HGNC_RECORDS
    assert_full_set_served(loaded_api, reference)


def test_the_full_set_as_official_json_gives_records_identical_to_the_tsv(loaded_api: ApiClient, reference: Reference) -> None:
    docs = [{**record, "_version_": 1_800_000_000_000_000_000 + n, "uuid": f"uuid-{n}"}
            for n, record in enumerate(reference.values())]
    document = {"responseHeader": {"status": 0}, "response": {"numFound": len(docs), "start": 0, "docs": docs}}
    body = gzip.compress(json.dumps(document).encode(), compresslevel=1)
    response = loaded_api.post("/data", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["count"] == HGNC_RECORDS
    assert json.loads(loaded_api.get("/data").content) == list(reference.values())


def _truncated(content: bytes) -> bytes:
    return content[: len(content) // 2]


def _row_cut_short(plain: bytes, line: int) -> bytes:
    lines = plain.split(b"\n")
    lines[line] = lines[line].rsplit(b"\t", 3)[0]
    return b"\n".join(lines)


def _with_duplicate(plain: bytes) -> bytes:
    first_record = plain.split(b"\n")[1]
    return plain.rstrip(b"\n") + b"\n" + first_record + b"\n"


@pytest.mark.parametrize("malformation", ["garbage", "truncated gzip", "row cut short midway",
                                          "duplicate at the end", "json without docs"])
def test_a_malformed_upload_is_a_400_and_leaves_the_loaded_set_and_no_debris(
        loaded_api: ApiClient, real_redis: RedisEndpoint, hgnc_data_path: Path, plain_tsv: bytes,
        reference: Reference, malformation: str) -> None:
    body = {
        "garbage": bytes(random.Random(1).randrange(256) for _ in range(100_000)),
        "truncated gzip": _truncated(hgnc_data_path.read_bytes()),
        "row cut short midway": _row_cut_short(plain_tsv, 30_000),  # 29,999 genes read first
        "duplicate at the end": _with_duplicate(plain_tsv),  # every gene written, then refused
        "json without docs": b'{"response": {"numFound": 43882}}',
    }[malformation]
    keys_before = persistent_keys(real_redis)
    a1bg_before = loaded_api.get("/genes/HGNC:5").json()

    response = loaded_api.post("/data", data=body)

    assert_problem(response.status_code, response.headers, response.content, 400)
    assert persistent_keys(real_redis) == keys_before
    assert loaded_api.get("/genes/HGNC:5").json() == a1bg_before == reference["HGNC:5"]
    assert loaded_api.get("/genes").json() == list(reference)


def test_deleting_the_data_forgets_every_gene_and_a_reload_brings_them_back(
        loaded_api: ApiClient, real_redis: RedisEndpoint, reference: Reference) -> None:
    response = loaded_api.delete("/data")
    assert response.status_code == 200
    assert response.json() == {"deleted": True}
    assert persistent_keys(real_redis) == set()
    assert loaded_api.get("/genes").json() == []
    assert loaded_api.get("/data").json() == []
    assert loaded_api.get("/genes", params={"symbol": "brca1"}).json() == []
    assert_problem(*_parts(loaded_api.get("/genes/HGNC:5")), 404)
    assert loaded_api.delete("/data").json() == {"deleted": False}

    assert loaded_api.post("/data").status_code == 201
    assert loaded_api.get("/genes/HGNC:5").json() == reference["HGNC:5"]


def _parts(response: Any) -> tuple[int, Any, bytes]:
    return response.status_code, response.headers, response.content
