"""An upgrade as users make it: the API served as in production, started on a Redis holding the full set as the
first release stored it. Before serving, it loads the set again from its own records, for the lookups."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
import requests

from adapters.hgnc_source import HgncFileSource
from adapters.redis_gene_repository import RedisGeneRepository
from tests.conftest import StartProcess
from tests.first_release import store_as_the_first_release
from tests.processes import SERVER_COMMAND, RedisServer, free_port

SOURCE = "https://storage.googleapis.com/public-download-files/hgnc/tsv/tsv/hgnc_complete_set.txt"


def test_the_api_upgrades_a_set_stored_by_the_first_release_before_it_serves(
        redis_server: RedisServer, start_process: StartProcess, hgnc_data_path: Path,
        reference: dict[str, dict[str, Any]]) -> None:
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    client.flushdb()
    RedisGeneRepository(client).replace_all(HgncFileSource(hgnc_data_path).read(), SOURCE)
    store_as_the_first_release(client)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_process(
        SERVER_COMMAND,
        env={"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "PORT": str(port),
             "HGNC_SOURCE": str(hgnc_data_path), "WEB_CONCURRENCY": "1", "LOG_LEVEL": "INFO"},
        name="server", ready=lambda: requests.get(f"{url}/health", timeout=1).status_code == 200)

    coding = [i for i, record in reference.items() if record["locus_group"] == "protein-coding gene"]
    answer = requests.get(f"{url}/genes", params={"locus_group": "protein-coding gene"}, timeout=30)
    assert answer.json() == coding
    assert requests.get(f"{url}/genes", params={"entrez_id": "672"}, timeout=10).json() == ["HGNC:1100"]
    assert requests.get(f"{url}/genes", params={"uniprot_ids": "p38398"}, timeout=10).json() == ["HGNC:1100"]
    info = requests.get(f"{url}/info", timeout=10).json()
    assert info["count"] == len(reference) and info["source"] == SOURCE
    assert info["last_modified"] == max(record.get("date_modified", "") for record in reference.values())
    assert requests.get(f"{url}/data", timeout=120).json() == list(reference.values())
    log = process.log_path.read_text()
    assert f"loaded again from its own records, with the indexes this version reads: {len(reference)} genes" in log
