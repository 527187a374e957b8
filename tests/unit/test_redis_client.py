"""Which Redis errors the adapters' client turns into the domain's StoreUnavailable: outages only."""
from __future__ import annotations

import pytest
import redis

from adapters.redis_client import outage_as_store_unavailable
from genes.errors import StoreUnavailable


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


@pytest.mark.parametrize("misconfiguration", [
    redis.AuthenticationError("invalid username-password pair or user is disabled."),
    redis.exceptions.AuthorizationError("the user may not do this"),
    redis.exceptions.NoPermissionError("this user has no permissions to run the 'get' command"),
    redis.ResponseError("READONLY You can't write against a read only replica."),
])
def test_wrong_credentials_and_other_redis_errors_pass_through_unchanged(misconfiguration: redis.RedisError) -> None:
    with pytest.raises(type(misconfiguration)) as raised:
        with outage_as_store_unavailable():
            raise misconfiguration

    assert raised.value is misconfiguration
