"""The HotQueue job queue (db 1) on fakeredis: JSON on the wire, never pickle; ids handed over in order;
the lease that keeps a worker's taken ids, and gives back those of a dead worker."""
from __future__ import annotations

import json
import pickle
import time
from pathlib import Path
from typing import Any

import fakeredis
import pytest
import redis

from adapters.hotqueue_job_queue import (
    HotQueueJobConsumer, HotQueueJobQueue, Lease, dead_letter_key, heartbeat_key, inflight_key,
)
from genes.errors import StoreUnavailable
from tests.support import eventually

JOB_ID = "6f1c2a9e-0d4b-4f7e-9c1a-3b5d7e9f1a2c"


class Exploit:
    """A pickle that, if ever unpickled, would run code: here it only writes a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled: remote code execution"))


@pytest.fixture
def queue(queue_redis: fakeredis.FakeRedis) -> HotQueueJobQueue:
    return HotQueueJobQueue(queue_redis)


@pytest.fixture
def consumer(queue_redis: fakeredis.FakeRedis) -> HotQueueJobConsumer:
    return HotQueueJobConsumer(queue_redis, worker_id="worker-1", lease_seconds=30)


def test_a_queued_id_is_stored_as_json_never_as_a_pickle(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    queue.put(JOB_ID)

    [raw] = queue_redis.lrange(consumer.key, 0, -1)

    assert raw == json.dumps(JOB_ID).encode()
    assert json.loads(raw) == JOB_ID
    assert not raw.startswith(b"\x80")  # every pickle protocol >= 2 starts with PROTO 0x80


def test_a_taken_id_is_json_in_the_workers_in_flight_list_until_acknowledged(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    queue.put(JOB_ID)

    taken = consumer.get()

    assert taken == JOB_ID
    assert queue_redis.lrange(inflight_key(consumer.key, "worker-1"), 0, -1) == [json.dumps(JOB_ID).encode()]
    consumer.ack(taken)
    assert queue_redis.llen(inflight_key(consumer.key, "worker-1")) == 0
    assert queue_redis.llen(consumer.key) == 0


def test_hotqueues_worker_loop_hands_over_the_ids_in_the_order_they_were_queued(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    ids = [f"job-{n}" for n in range(5)]
    for job_id in ids:
        queue.put(job_id)
    handed: list[str] = []

    @consumer.worker(block=False)
    def take_all(job_id: str) -> None:
        handed.append(job_id)
        consumer.ack(job_id)

    take_all()  # returns with the queue empty: the next take got None

    assert handed == ids
    assert queue_redis.llen(queue.key) == 0


def test_a_take_answers_none_after_its_timeout_with_nothing_queued(consumer: HotQueueJobConsumer) -> None:
    assert consumer.get(timeout=1) is None


def test_once_a_stop_is_asked_a_take_answers_none_and_takes_nothing(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    queue.put(JOB_ID)
    consumer.stopping.set()

    assert consumer.get(timeout=5) is None
    assert queue_redis.lrange(consumer.key, 0, -1) == [json.dumps(JOB_ID).encode()]


def test_an_id_left_in_flight_by_a_lost_answer_is_given_back_and_taken_first(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    queue.put("job-2")
    queue_redis.rpush(inflight_key(consumer.key, "worker-1"), json.dumps("job-1"))

    first = consumer.get(block=False)
    consumer.ack(first)

    assert [first, consumer.get(block=False)] == ["job-1", "job-2"]


def test_a_pickle_pushed_onto_the_queue_is_never_unpickled(
        consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    queue_redis.rpush(consumer.key, pickle.dumps(Exploit(marker)))

    assert consumer.get(block=False) is None
    assert not marker.exists()


def test_messages_that_are_not_job_ids_are_set_aside_and_the_take_goes_on(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    malformed = [b"\x80\x04not json", b"null", b"42", b'""', b'["a list"]']
    queue_redis.rpush(consumer.key, *malformed)
    queue.put(JOB_ID)

    assert consumer.get(block=False) == JOB_ID
    assert queue_redis.lrange(dead_letter_key(consumer.key), 0, -1) == malformed
    assert queue_redis.lrange(inflight_key(consumer.key, "worker-1"), 0, -1) == [json.dumps(JOB_ID).encode()]


# -- the lease --------------------------------------------------------------------------------


def test_a_lease_beats_four_times_a_lease_and_its_key_outlives_three_missed_beats(
        queue_redis: fakeredis.FakeRedis) -> None:
    lease = Lease(queue_redis, "hotqueue:jobs", "worker-1", seconds=30)

    lease.renew()

    assert (lease.beat_interval, lease.key_lifetime) == (7.5, 22.5)
    assert 22_000 < queue_redis.pttl(heartbeat_key("hotqueue:jobs", "worker-1")) <= 22_500


def test_a_held_lease_stays_alive_well_past_its_keys_lifetime(queue_redis: fakeredis.FakeRedis) -> None:
    lease = Lease(queue_redis, "hotqueue:jobs", "worker-1", seconds=0.2)
    key = heartbeat_key("hotqueue:jobs", "worker-1")

    with lease:
        lease.renew()
        time.sleep(4 * lease.key_lifetime)
        assert queue_redis.exists(key)


def test_an_ended_lease_gives_back_the_ids_in_flight_in_order_and_drops_its_key(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    for job_id in ("job-1", "job-2", "job-3"):
        queue.put(job_id)
    with consumer.lease:
        consumer.lease.renew()
        consumer.get(), consumer.get()

    assert queue_redis.lrange(consumer.key, 0, -1) == [json.dumps(f"job-{n}").encode() for n in (1, 2, 3)]
    assert queue_redis.keys("*") == [consumer.key.encode()]


def test_a_beat_gives_back_the_ids_of_a_worker_whose_lease_ran_out_and_leaves_a_live_ones(
        queue_redis: fakeredis.FakeRedis) -> None:
    queue_key = "hotqueue:jobs"
    Lease(queue_redis, queue_key, "alive", seconds=30).renew()
    queue_redis.rpush(inflight_key(queue_key, "alive"), json.dumps("job-alive"))
    queue_redis.rpush(inflight_key(queue_key, "dead"), json.dumps("job-1"), json.dumps("job-2"))

    with Lease(queue_redis, queue_key, "sweeper", seconds=0.04):
        eventually(lambda: queue_redis.llen(queue_key) == 2, 5, "two ids queued")

    assert queue_redis.lrange(queue_key, 0, -1) == [json.dumps("job-1").encode(), json.dumps("job-2").encode()]
    assert queue_redis.lrange(inflight_key(queue_key, "alive"), 0, -1) == [json.dumps("job-alive").encode()]


class FailingFirstBeats(fakeredis.FakeRedis):
    """A Redis that refuses the first two renewals (a lease renews in one transaction): with an outage,
    then with READONLY (not an outage)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.beats = 0

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction, shard_hint)
        execute = pipe.execute

        def beat(raise_on_error: bool = True) -> Any:
            self.beats += 1
            if self.beats == 1:
                raise StoreUnavailable("the data store is unavailable; retry shortly")
            if self.beats == 2:
                raise redis.ResponseError("READONLY You can't write against a read only replica.")
            return execute(raise_on_error)

        pipe.execute = beat
        return pipe


def test_the_lease_outlives_any_redis_error_in_a_beat() -> None:
    client = FailingFirstBeats(server=fakeredis.FakeServer())

    with Lease(client, "hotqueue:jobs", "worker-1", seconds=0.04):
        eventually(lambda: client.beats >= 4, 5, "four beats")

    assert client.beats >= 4, "the lease stopped beating after an error"
