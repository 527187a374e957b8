"""Which Redis errors the adapters' client turns into the domain's errors: outages, refused credentials."""
from __future__ import annotations

import pytest
import redis
from redis.connection import HiredisRespSerializer

from adapters.redis_client import DirectHiredisPacker, StoreRedis, outage_as_store_unavailable
from genes.errors import StoreAccessDenied, StoreUnavailable


@pytest.mark.parametrize("outage", [
    redis.ConnectionError("Error 111 connecting to redis:6379. Connection refused."),
    redis.TimeoutError("Timeout reading from socket"),
    redis.BusyLoadingError("Redis is loading the dataset in memory"),
])
def test_an_outage_becomes_store_unavailable_caused_by_it(outage: redis.RedisError) -> None:
    with pytest.raises(StoreUnavailable) as raised:
        with outage_as_store_unavailable():
            raise outage

    assert raised.value.__cause__ is outage


@pytest.mark.parametrize(("refusal", "reason"), [
    (redis.AuthenticationError("invalid username-password pair or user is disabled."), "authentication failed"),
    (redis.exceptions.AuthorizationError("the user may not do this"), "authentication failed"),
    (redis.exceptions.NoPermissionError("this user has no permissions to run the 'get' command"),
     "permission denied: this user has no permissions to run the 'get' command"),
])
def test_refused_credentials_or_permissions_become_store_access_denied_not_an_outage(
        refusal: redis.RedisError, reason: str) -> None:
    with pytest.raises(StoreAccessDenied) as raised:
        with outage_as_store_unavailable():
            raise refusal

    assert raised.value.__cause__ is refusal
    assert str(raised.value).startswith(reason)


def test_other_redis_errors_pass_through_unchanged() -> None:
    readonly = redis.ResponseError("READONLY You can't write against a read only replica.")
    with pytest.raises(redis.ResponseError) as raised:
        with outage_as_store_unavailable():
            raise readonly

    assert raised.value is readonly


PACKED_COMMANDS = {
    "a str command": ("HSET", "genes:1:records", "HGNC:5", b'{"symbol":"A1BG"}'),
    "a bytes command": (b"GET", b"key"),
    "a command of two words": ("SCRIPT LOAD", "return 1"),
    "two words as bytes": (b"CLIENT SETNAME", "api"),
    "numbers": ("EXPIRE", "key", 600, 1.5),
    "non-ASCII text": ("SET", "clé", "α-1-B glycoprotein"),
    "a bytearray": ("SET", "key", bytearray(b"value")),
    "a memoryview": ("SET", "key", memoryview(b"value")),
}


@pytest.mark.parametrize("command", PACKED_COMMANDS.values(), ids=PACKED_COMMANDS.keys())
def test_the_direct_packer_sends_what_redis_pys_own_hiredis_packer_sends(command: tuple[object, ...]) -> None:
    assert b"".join(DirectHiredisPacker().pack(*command)) == b"".join(HiredisRespSerializer().pack(*command))


def test_the_direct_packer_refuses_what_redis_py_refuses() -> None:
    with pytest.raises(redis.DataError):
        DirectHiredisPacker().pack("SET", "key", None)


def test_the_store_clients_connections_pack_with_the_direct_packer() -> None:
    connection = StoreRedis(host="127.0.0.1", port=1).connection_pool.make_connection()
    assert isinstance(connection._command_packer, DirectHiredisPacker)
