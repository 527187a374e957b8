"""The HotQueue job queue (db 1) on fakeredis: JSON on the wire, never pickle; ids handed over in order."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import fakeredis
import pytest

from adapters.hotqueue_job_queue import HotQueueJobConsumer, HotQueueJobQueue, dead_letter_key, inflight_key

JOB_ID = "6f1c2a9e-0d4b-4f7e-9c1a-3b5d7e9f1a2c"


class Exploit:
    """A pickle that, if ever unpickled, would run code: here it only writes a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled: remote code execution"))


@pytest.fixture
def queue_redis() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(server=fakeredis.FakeServer(), db=1)


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


def test_a_taken_id_is_json_in_the_workers_in_flight_list_until_its_job_ends(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    queue.put(JOB_ID)
    in_flight_while_running: list[list[bytes]] = []

    consumer.work(lambda job_id: in_flight_while_running.append(
        queue_redis.lrange(inflight_key(consumer.key, "worker-1"), 0, -1)), idle_timeout=0.05)

    assert in_flight_while_running == [[json.dumps(JOB_ID).encode()]]
    assert queue_redis.llen(inflight_key(consumer.key, "worker-1")) == 0
    assert len(queue) == 0


def test_ids_are_handed_over_in_the_order_they_were_queued(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer) -> None:
    ids = [f"job-{n}" for n in range(5)]
    for job_id in ids:
        queue.put(job_id)
    assert len(queue) == 5

    handed: list[str] = []
    consumer.work(handed.append, idle_timeout=0.05)

    assert handed == ids
    assert len(queue) == 0


def test_work_returns_once_the_queue_stays_empty_for_the_idle_timeout(consumer: HotQueueJobConsumer) -> None:
    handed: list[str] = []

    consumer.work(handed.append, idle_timeout=0.05)

    assert handed == []


def test_a_pickle_pushed_onto_the_queue_is_never_unpickled(
        consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    queue_redis.rpush(consumer.key, pickle.dumps(Exploit(marker)))
    handed: list[object] = []

    consumer.work(handed.append, idle_timeout=0.05)

    assert not marker.exists()
    assert handed == []


def test_messages_that_are_not_job_ids_are_set_aside_and_the_worker_goes_on(
        queue: HotQueueJobQueue, consumer: HotQueueJobConsumer, queue_redis: fakeredis.FakeRedis) -> None:
    malformed = [b"\x80\x04not json", b"null", b"42", b'""', b'["a list"]']
    queue_redis.rpush(consumer.key, *malformed)
    queue.put(JOB_ID)
    handed: list[object] = []

    consumer.work(handed.append, idle_timeout=0.05)

    assert handed == [JOB_ID]
    assert queue_redis.lrange(dead_letter_key(consumer.key), 0, -1) == malformed
    assert queue_redis.llen(inflight_key(consumer.key, "worker-1")) == 0
