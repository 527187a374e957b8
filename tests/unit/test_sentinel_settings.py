"""REDIS_SENTINELS and its companions: read, checked, and given to the clients; without them nothing changes."""
from __future__ import annotations

import socket

import pytest
from redis.sentinel import SentinelConnectionPool

from entrypoints.containers import build_container
from entrypoints.settings import ConfigurationError, RedisSettings, Settings

SENTINELS = {"REDIS_SENTINELS": "sentinel-0:26379, sentinel-1:26380,[::1]:26381", "REDIS_SENTINEL_MASTER": "genes"}


def test_the_sentinels_are_read_as_addresses_and_replace_host_and_port() -> None:
    redis = Settings.from_environment({**SENTINELS, "REDIS_PASSWORD": "pw", "REDIS_SENTINEL_PASSWORD": "spw"}).redis()
    assert redis.sentinels == (("sentinel-0", 26379), ("sentinel-1", 26380), ("::1", 26381))
    assert (redis.sentinel_master, redis.sentinel_password) == ("genes", "spw")
    assert redis.connection_options() == {"username": None, "password": "pw"}
    assert str(redis) == ("redis://the primary 'genes' of the sentinels sentinel-0:26379,sentinel-1:26380,::1:26381, "
                          "with a password, 1 replica(s) confirming each submit")
    assert "spw" not in repr(redis)


def test_a_replica_confirms_each_write_by_default_with_sentinels_none_without_and_the_variable_decides() -> None:
    assert Settings.from_environment(SENTINELS).redis().min_replicas_acked == 1
    assert Settings.from_environment({}).redis().min_replicas_acked == 0
    assert Settings.from_environment({**SENTINELS, "REDIS_MIN_REPLICAS_ACKED": "0"}).redis().min_replicas_acked == 0
    assert Settings.from_environment({"REDIS_MIN_REPLICAS_ACKED": "2"}).redis().min_replicas_acked == 2


@pytest.mark.parametrize(("environ", "message"), [
    ({"REDIS_SENTINELS": "sentinel-0:26379"}, "without REDIS_SENTINEL_MASTER"),
    ({"REDIS_SENTINEL_MASTER": "genes"}, "without REDIS_SENTINELS"),
    ({**SENTINELS, "REDIS_SENTINELS": "sentinel-0"}, "each sentinel must be host:port, not 'sentinel-0'"),
    ({**SENTINELS, "REDIS_SENTINELS": "sentinel-0:0"}, "not 'sentinel-0:0'"),
    ({"REDIS_MIN_REPLICAS_ACKED": "-1"}, "REDIS_MIN_REPLICAS_ACKED='-1'"),
])
def test_a_wrong_sentinel_setting_is_one_line_naming_it(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Settings.from_environment(environ)


def test_with_sentinels_every_client_asks_them_for_the_primary_and_keeps_its_database() -> None:
    container = build_container(Settings.from_environment({**SENTINELS, "REDIS_PASSWORD": "pw"}))
    clients = [container.genes_redis(), container.queue_redis(), container.jobs_redis(), container.results_redis()]
    pools = [client.connection_pool for client in clients]
    assert all(isinstance(pool, SentinelConnectionPool) and pool.service_name == "genes" for pool in pools)
    assert [pool.connection_kwargs["db"] for pool in pools] == [0, 1, 2, 3]
    assert {pool.connection_kwargs["password"] for pool in pools} == {"pw"}
    assert len({id(pool.sentinel_manager) for pool in pools}) == 1  # one set of sentinel connections a process
    assert container.replica_acks().required == 1
    # A vanished primary (no reset) is given up on within seconds, not after socket_timeout.
    assert {pool.connection_kwargs["socket_keepalive_options"][socket.TCP_USER_TIMEOUT] for pool in pools} == {6000}


def test_without_sentinels_the_clients_are_as_before() -> None:
    container = build_container(Settings.from_environment({"REDIS_HOST": "cache"}))
    assert not isinstance(container.genes_redis().connection_pool, SentinelConnectionPool)
    assert not isinstance(container.genes_redis().connection_pool.connection_kwargs.get("socket_keepalive_options"), dict)
    assert container.replica_acks().required == 0
    assert RedisSettings.from_variables(host="cache").connection_options()["host"] == "cache"
