"""One real API for the fuzz, on a redis-server of its own, with ADMIN_TOKEN set and the sample set loaded."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.conftest import FIXTURES
from tests.e2e.fuzz.contract import ADMIN_TOKEN, WatchedApi
from tests.support import ApiClient, ApiProcess, RedisServer

SAMPLE_SET = FIXTURES / "hgnc_sample.tsv"


@pytest.hookimpl(tryfirst=True)  # before tests/conftest.py's check that no two tests share an id
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each operation's fuzz test gets an id of its own, as its name has: schemathesis gives them all the
    function's id, and a parallel run (pytest-xdist), which sends tests to its processes by id, ran one."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label is not None and not item.nodeid.endswith("]"):
            item._id = item.id.with_params(label)  # no public setter


@pytest.fixture(scope="package")
def watched_api(redis_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WatchedApi]:
    """Started once (hypothesis runs each test many times); its own Redis: the fuzz meets no other test's data."""
    directory = tmp_path_factory.mktemp("fuzz")
    redis_server = RedisServer(redis_binary, directory / "redis").start()
    api = None
    try:
        api = ApiProcess(redis_server.host, redis_server.port, SAMPLE_SET, directory / "api.log",
                         extra_env={"ADMIN_TOKEN": ADMIN_TOKEN})
        api.wait_until_healthy()
        loaded = api.client.post("/data", timeout=30,  # no body: from HGNC_SOURCE, the sample set
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert loaded.status_code == 201, loaded.text
        # A GET that meets a keep-alive connection the server closed after a fuzzed request is sent
        # again, as a real client's would be; each is noted in `resent` (seen once in ~1,300 cases).
        watching = ApiClient(api.url, resend_dropped=True)
        yield WatchedApi(watching, {"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port)})
    finally:
        if api is not None:
            api.stop()
        redis_server.stop()
