"""The real API process on the session's real Redis, with the full HGNC set as its HGNC_SOURCE."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from hotqueue import key_for_name

from adapters.hotqueue_job_queue import QUEUE_NAME, heartbeat_key
from entrypoints.containers import JOBS_DB, QUEUE_DB, RESULTS_DB
from tests.conftest import RedisEndpoint, StartProcess
from tests.hgnc_reference import CUSTOM_DOWNLOAD, expected_records, withdrawn_rows
from tests.support import ApiClient, ApiProcess, RedisServer, ServiceProcess


@pytest.fixture(scope="session")
def reference(hgnc_data_path: Path) -> dict[str, dict[str, Any]]:
    """Every record of the real file by id, in file order, read independently with the csv module."""
    return expected_records(hgnc_data_path)


@pytest.fixture(scope="session")
def api_process(real_redis: RedisEndpoint, hgnc_data_path: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    """`python -m entrypoints.api` on a free port, on the session's Redis; its database 0 is emptied first.

    A module or package that needs an API of its own (its own Redis, settings, data) overrides this
    fixture; `api` then talks to that one.

    Emptied with FLUSHDB ASYNC: the keys are gone at once, and Redis frees the loaded sets (hundreds of MB)
    on a thread of its own instead of blocking every other client of this shared server meanwhile.
    """
    real_redis.client(0).flushdb(asynchronous=True)
    process = ApiProcess(real_redis.host, real_redis.port, hgnc_data_path,
                         tmp_path_factory.mktemp("api") / "api.log")
    try:
        yield process.wait_until_healthy()
    finally:
        process.stop()
        real_redis.client(0).flushdb(asynchronous=True)


@pytest.fixture
def api(api_process: ApiProcess) -> ApiClient:
    """The client of `api_process`, the API under test: `api.get("/genes")`."""
    return api_process.client


@pytest.fixture(scope="module")
def redis_server(redis_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of the test module's own: its keys and settings are no other test's business."""
    server = RedisServer(redis_binary, tmp_path_factory.mktemp("module-redis")).start()
    yield server
    server.stop()


def load_from_source(api: ApiClient) -> dict[str, Any]:
    response = api.post("/data")
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def loaded_api(api: ApiClient) -> ApiClient:
    """The API with the full set loaded (loaded again only if a test deleted it)."""
    if not api.get("/genes", params={"limit": 1}).json():
        load_from_source(api)
    return api


# HGNC's custom download of July 2024: POST /data/withdrawn takes its withdrawn rows.
WITHDRAWN_PATH = CUSTOM_DOWNLOAD


@pytest.fixture(scope="session")
def withdrawn() -> list[dict[str, str]]:
    """HGNC's withdrawn rows (tests/data/README.md), read with the csv module."""
    return withdrawn_rows()


@pytest.fixture
def checked_api(loaded_api: ApiClient) -> ApiClient:
    """The full set and HGNC's withdrawn rows loaded."""
    response = loaded_api.post("/data/withdrawn", data=WITHDRAWN_PATH.read_bytes())
    assert response.status_code == 201, response.text
    assert response.json()["count"] == 5176
    return loaded_api


# -- jobs: an empty queue, real workers --------------------------------------------------------


@pytest.fixture
def no_jobs_yet(real_redis: RedisEndpoint) -> None:
    """An empty queue and no jobs or results (the gene data is the API fixture's)."""
    for db in (QUEUE_DB, JOBS_DB, RESULTS_DB):
        real_redis.client(db).flushdb()


@pytest.fixture
def start_worker(real_redis: RedisEndpoint, start_process: StartProcess) -> Iterator[Callable[[], ServiceProcess]]:
    """Start `python -m entrypoints.worker` on the session's Redis; ready once its heartbeat is there."""
    queue = real_redis.client(QUEUE_DB)
    beats = heartbeat_key(key_for_name(QUEUE_NAME), "*")
    started: list[ServiceProcess] = []

    def start(module: str = "entrypoints.worker") -> ServiceProcess:
        expected = len(started) + 1
        worker = start_process(
            ["python", "-m", module],
            env={"REDIS_HOST": real_redis.host, "REDIS_PORT": str(real_redis.port), "LOG_LEVEL": "INFO"},
            ready=lambda: len(queue.keys(beats)) >= expected,
            name=f"worker {expected}",
        )
        started.append(worker)
        return worker

    yield start
    queue.close()
