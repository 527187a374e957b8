"""The adapters' client against real Redis servers: an outage is StoreUnavailable, in every form of call;
refused credentials are StoreAccessDenied."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from adapters.redis_client import StoreRedis
from genes.errors import StoreAccessDenied, StoreUnavailable
from tests.conftest import RedisEndpoint
from tests.support import RedisServer, closed_port


def store_client(port: int, **options: object) -> StoreRedis:
    return StoreRedis(host="127.0.0.1", port=port, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0), **options)


@pytest.fixture
def unreachable() -> StoreRedis:
    return store_client(closed_port())


def test_a_command_to_an_unreachable_redis_raises_store_unavailable(unreachable: StoreRedis) -> None:
    with pytest.raises(StoreUnavailable) as raised:
        unreachable.get("anything")
    assert isinstance(raised.value.__cause__, redis.ConnectionError)


def test_a_pipeline_to_an_unreachable_redis_raises_store_unavailable(unreachable: StoreRedis) -> None:
    pipe = unreachable.pipeline(transaction=False)
    pipe.set("a", 1)
    with pytest.raises(StoreUnavailable):
        pipe.execute()


def test_a_watched_transaction_on_an_unreachable_redis_raises_store_unavailable(unreachable: StoreRedis) -> None:
    with pytest.raises(StoreUnavailable):
        unreachable.transaction(lambda pipe: pipe.get("a"), "a")


def test_the_client_works_as_redis_py_does_when_redis_answers(real_redis: RedisEndpoint) -> None:
    client = store_client(real_redis.port, db=9)
    client.delete("issue9:counter")

    def increment(pipe: redis.client.Pipeline) -> None:
        count = int(pipe.get("issue9:counter") or 0)  # run at once: the key is watched
        pipe.multi()
        pipe.set("issue9:counter", count + 1)

    assert client.transaction(increment, "issue9:counter") == [True]
    assert client.pipeline().get("issue9:counter").delete("issue9:counter").execute() == [b"1", 1]


@pytest.fixture
def guarded_redis(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of its own that asks for a password, with one user allowed nothing but PING."""
    server = RedisServer(redis_binary, tmp_path / "redis").start()
    admin = redis.Redis(host=server.host, port=server.port)
    admin.acl_setuser("pinger", enabled=True, passwords=["+pinger-secret"], commands=["+ping"], keys=["*"])
    admin.config_set("requirepass", "right-secret")
    admin.close()
    yield server
    server.stop()


def test_wrong_credentials_are_not_an_outage(guarded_redis: RedisServer) -> None:
    with pytest.raises(StoreAccessDenied, match="authentication failed"):
        store_client(guarded_redis.port, password="wrong-secret").ping()
    with pytest.raises(StoreAccessDenied, match="authentication failed"):
        store_client(guarded_redis.port).get("anything")  # no password at all


def test_a_command_the_user_may_not_run_is_not_an_outage(guarded_redis: RedisServer) -> None:
    pinger = store_client(guarded_redis.port, username="pinger", password="pinger-secret")

    assert pinger.ping()
    with pytest.raises(StoreAccessDenied, match="permission denied: .*'get'"):
        pinger.get("anything")
