"""Fixtures of the reliability tests: one restartable Redis with the HGNC set, and real workers."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import StartProcess
from tests.e2e.reliability.deployment import Store, Workers
from tests.support import ApiProcess, RedisServer


@pytest.fixture(scope="package")
def store(redis_binary: str, hgnc_data_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A redis-server of its own (tests stop and restart it), append-only, the full HGNC set loaded once."""
    server = RedisServer(redis_binary, tmp_path_factory.mktemp("reliability-redis"), appendonly=True).start()
    store = Store(server, hgnc_data_path)
    try:
        store.load_genes()
        yield store
    finally:
        store.close()
        server.stop()


@pytest.fixture
def jobs_store(store: Store) -> Store:
    """The store, running, with no job, queued id or result left by an earlier test."""
    if not store.running:
        store.start()
    store.forget_jobs()
    return store


@pytest.fixture
def workers(jobs_store: Store, start_process: StartProcess) -> Iterator[Workers]:
    workers = Workers(jobs_store, start_process)
    yield workers
    workers.stop_all()


@pytest.fixture(scope="package")
def store_api(store: Store, hgnc_data_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    """The real API on the store, started once: it outlives Redis restarts, as a deployed one does."""
    api = ApiProcess(store.server.host, store.server.port, hgnc_data_path, tmp_path_factory.mktemp("api") / "api.log")
    try:
        yield api.wait_until_healthy()
    finally:
        api.stop()


@pytest.fixture
def api_process(store_api: ApiProcess, jobs_store: Store) -> ApiProcess:
    """The API (`api` talks to it), on a running store with no jobs."""
    return store_api
