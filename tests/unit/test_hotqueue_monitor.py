"""The queue as an operator sees it, on fakeredis: counts from one call, and the live workers from their leases."""
from __future__ import annotations

import os
import socket
import time
from typing import Any

import fakeredis
import pytest

from adapters.hotqueue_job_queue import HotQueueJobConsumer, HotQueueJobQueue, heartbeat_key, workers_key
from adapters.hotqueue_monitor import HotQueueMonitor
from genes.monitoring import QueueCounts

LEASE_SECONDS = 0.2  # the key lives 0.15 s after a beat


@pytest.fixture
def monitor(queue_redis: fakeredis.FakeRedis) -> HotQueueMonitor:
    return HotQueueMonitor(queue_redis)


def consumer(client: fakeredis.FakeRedis, worker_id: str, lease_seconds: float = LEASE_SECONDS) -> HotQueueJobConsumer:
    worker = HotQueueJobConsumer(client, worker_id, lease_seconds)
    worker.lease.renew()  # as the worker's loop does before its first take
    return worker


def queue(client: fakeredis.FakeRedis, *job_ids: str) -> None:
    for job_id in job_ids:
        HotQueueJobQueue(client).put(job_id)


class CountingCalls:
    """Counts the commands a client sends, pipelines and scripts included (one EVALSHA is one)."""

    def __init__(self, client: fakeredis.FakeRedis, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = client.connection_pool.get_connection

        def counted(*args: Any, **kwargs: Any) -> Any:
            connection = original(*args, **kwargs)
            send = connection.send_packed_command
            if not getattr(send, "counted", False):
                def counting(command: Any, *a: Any, **k: Any) -> Any:
                    self.calls += 1
                    return send(command, *a, **k)
                counting.counted = True  # type: ignore[attr-defined]
                monkeypatch.setattr(connection, "send_packed_command", counting)
            return connection

        monkeypatch.setattr(client.connection_pool, "get_connection", counted)


def test_counts_are_queued_in_flight_set_aside_and_live_workers(
        queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor) -> None:
    busy, idle = consumer(queue_redis, "host-1-aaa"), consumer(queue_redis, "host-2-bbb")
    queue_redis.rpush(busy.key, b"not json")  # a message that is no job id: set aside by the first take
    queue(queue_redis, "J-1", "J-2", "J-3")

    assert busy.get(block=False) == "J-1"

    assert monitor.counts() == QueueCounts(queued=2, in_flight=1, dead_letters=1, workers=2)
    assert idle.get(block=False) == "J-2"
    idle.ack("J-2")
    assert monitor.counts() == QueueCounts(queued=1, in_flight=1, dead_letters=1, workers=2)


def test_a_malformed_message_is_counted_as_a_dead_letter_once_set_aside(
        queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor) -> None:
    worker = consumer(queue_redis, "host-1-aaa")
    queue_redis.rpush(worker.key, b"not json")
    queue(queue_redis, "J-1")

    assert worker.get(block=False) == "J-1"

    assert monitor.counts() == QueueCounts(queued=0, in_flight=1, dead_letters=1, workers=1)


def test_counting_takes_the_same_one_call_for_ten_workers_and_ten_thousand_ids(
        queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor, monkeypatch: pytest.MonkeyPatch) -> None:
    monitor.counts()  # the script is loaded once
    calls = CountingCalls(queue_redis, monkeypatch)
    monitor.counts()
    few = calls.calls

    for n in range(10):
        consumer(queue_redis, f"host-{n}-x", lease_seconds=30).get(block=False)
    queue(queue_redis, *(f"J-{n}" for n in range(10_000)))
    calls.calls = 0
    counts = monitor.counts()

    assert counts == QueueCounts(queued=10_000, in_flight=0, dead_letters=0, workers=10)
    assert calls.calls == few == 1


def test_each_live_worker_is_listed_with_who_it_is_its_current_job_and_jobs_done(
        queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor) -> None:
    first, second = consumer(queue_redis, "host-1-aaa"), consumer(queue_redis, "host-2-bbb")
    queue(queue_redis, "J-1", "J-2", "J-3")
    assert first.get(block=False) == "J-1"
    first.ack("J-1")
    assert first.get(block=False) == "J-2"

    listed = {worker.id: worker for worker in monitor.workers()}

    assert set(listed) == {"host-1-aaa", "host-2-bbb"}
    assert (listed["host-1-aaa"].current_job, listed["host-1-aaa"].jobs_done) == ("J-2", 1)
    assert (listed["host-2-bbb"].current_job, listed["host-2-bbb"].jobs_done) == (None, 0)
    for worker in listed.values():
        assert (worker.host, worker.pid) == (socket.gethostname(), os.getpid())
        assert worker.started_at <= worker.last_seen
        assert worker.started_at.tzinfo is not None


def test_a_clean_stop_leaves_the_list_and_the_count_at_once(
        queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor) -> None:
    staying, leaving = consumer(queue_redis, "host-1-aaa"), consumer(queue_redis, "host-2-bbb")
    queue(queue_redis, "J-1")
    with leaving.lease:
        assert leaving.get(block=False) == "J-1"
        assert monitor.counts().in_flight == 1

    assert [worker.id for worker in monitor.workers()] == ["host-1-aaa"]
    assert monitor.counts() == QueueCounts(queued=1, in_flight=0, dead_letters=0, workers=1)
    assert not queue_redis.sismember(workers_key(staying.key), "host-2-bbb")


def test_a_dead_workers_entry_expires_with_its_lease_and_its_ids_count_in_flight_until_recovered(
        queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor) -> None:
    survivor, dead = consumer(queue_redis, "host-1-aaa"), consumer(queue_redis, "host-2-bbb")
    queue(queue_redis, "J-1")
    assert dead.get(block=False) == "J-1"

    time.sleep(LEASE_SECONDS)  # the dead worker never beats again; the survivor beats now:
    survivor.lease.renew()

    assert [worker.id for worker in monitor.workers()] == ["host-1-aaa"]
    assert monitor.worker("host-2-bbb") is None and monitor.worker("host-1-aaa") is not None
    assert monitor.counts() == QueueCounts(queued=0, in_flight=1, dead_letters=0, workers=1)

    survivor.lease._recover_from_dead_workers()  # what the survivor's next beat does

    assert monitor.counts() == QueueCounts(queued=1, in_flight=0, dead_letters=0, workers=1)
    assert queue_redis.smembers(workers_key(survivor.key)) == {b"host-1-aaa"}


def test_an_expired_worker_that_comes_back_is_listed_whole_again(
        queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor) -> None:
    frozen = consumer(queue_redis, "host-1-aaa")
    queue(queue_redis, "J-1")
    assert frozen.get(block=False) == "J-1"
    time.sleep(LEASE_SECONDS)
    assert monitor.workers() == []

    frozen.ack("J-1")  # thawed, it finishes its job

    [worker] = monitor.workers()
    assert (worker.id, worker.jobs_done, worker.current_job, worker.pid) == ("host-1-aaa", 1, None, os.getpid())
    assert queue_redis.pttl(heartbeat_key(frozen.key, "host-1-aaa")) > 0


def test_no_worker_no_list(monitor: HotQueueMonitor) -> None:
    assert monitor.workers() == []
    assert monitor.counts() == QueueCounts(queued=0, in_flight=0, dead_letters=0, workers=0)


def test_current_job_is_read_as_the_id_it_is(queue_redis: fakeredis.FakeRedis, monitor: HotQueueMonitor) -> None:
    worker = consumer(queue_redis, "host-1-aaa")
    queue(queue_redis, "J with spaces and \"quotes\"")
    worker.get(block=False)

    assert monitor.workers()[0].current_job == "J with spaces and \"quotes\""
