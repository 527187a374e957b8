"""What a worker says of the job it runs (its lease, GET /workers, --check) and how it queues a timed-out job again."""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import fakeredis
import pytest
import redis

from adapters.hotqueue_job_queue import HotQueueJobConsumer, HotQueueJobQueue, heartbeat_key, inflight_key
from adapters.hotqueue_monitor import HotQueueMonitor
from entrypoints.containers import Container
from entrypoints.settings import ConfigurationError, Settings
from entrypoints.worker import WEDGED_AFTER_SECONDS, check
from genes.errors import StoreUnavailable
from genes.monitoring import WorkerInfo

WORKER = "host-1-aaa"


def consumer(client: fakeredis.FakeRedis, timeout: float | None = 0.5) -> HotQueueJobConsumer:
    taking = HotQueueJobConsumer(client, WORKER, lease_seconds=30, job_timeout_seconds=timeout)
    taking.lease.renew()
    return taking


def a_worker(seconds_running: float | None, timeout: float | None = 600) -> WorkerInfo:
    now = datetime.now(timezone.utc)
    return WorkerInfo(id=WORKER, host="h", pid=1, started_at=now, last_seen=now, current_job="J-1", jobs_done=0,
                      job_timeout_seconds=timeout, current_job_seconds=seconds_running)


def test_a_worker_is_wedged_only_once_its_job_has_run_past_the_limit_and_the_grace() -> None:
    assert not a_worker(None).is_past_time_limit(5)
    assert not a_worker(604.9).is_past_time_limit(5)
    assert a_worker(605.1).is_past_time_limit(5)
    assert not a_worker(10_000, timeout=None).is_past_time_limit(5)  # a worker of an earlier version


def test_the_lease_says_which_job_runs_and_since_when_and_forgets_it_with_the_acknowledgement(
        queue_redis: fakeredis.FakeRedis) -> None:
    taking, monitor = consumer(queue_redis), HotQueueMonitor(queue_redis)
    HotQueueJobQueue(queue_redis).put("J-1")
    assert taking.get(block=False) == "J-1"

    taking.lease.job_started("J-1")
    time.sleep(0.05)
    [running] = monitor.workers()
    taking.lease.job_ended()
    taking.ack("J-1")
    [idle] = monitor.workers()

    assert running.current_job == "J-1" and running.job_timeout_seconds == 0.5
    assert running.current_job_started_at is not None and 0.05 <= running.current_job_seconds < 5
    assert (idle.current_job, idle.current_job_started_at, idle.current_job_seconds) == (None, None, None)
    assert idle.jobs_done == 1


def test_a_beat_written_as_the_job_ended_is_mended_by_the_next(queue_redis: fakeredis.FakeRedis) -> None:
    taking = consumer(queue_redis)
    taking.lease.job_started("J-1")  # the lease's thread read "J-1" and writes it late, after the end:
    taking.lease.job_ended()
    queue_redis.hset(heartbeat_key(taking.key, WORKER), "current_job", "J-1")

    taking.lease.renew()

    assert queue_redis.hget(heartbeat_key(taking.key, WORKER), "current_job_started_at") is None
    assert queue_redis.hget(heartbeat_key(taking.key, WORKER), "current_job") is None


def test_a_job_given_back_goes_behind_the_waiting_ones_and_leaves_the_in_flight_list(
        queue_redis: fakeredis.FakeRedis) -> None:
    taking = consumer(queue_redis)
    HotQueueJobQueue(queue_redis).put("J-1")
    HotQueueJobQueue(queue_redis).put("J-2")
    assert taking.get(block=False) == "J-1"

    taking.retry("J-1")

    assert queue_redis.lrange(inflight_key(taking.key, WORKER), 0, -1) == []
    assert [json.loads(raw) for raw in queue_redis.lrange(taking.key, 0, -1)] == ["J-2", "J-1"]


@pytest.fixture
def checked(container: Container, tmp_path: Path, queue_redis: fakeredis.FakeRedis) -> Any:
    """`check` of the worker this test process plays: its file says this pid and WORKER."""
    worker_file = tmp_path / "hgnc-worker.json"
    worker_file.write_text(json.dumps({"worker_id": WORKER, "pid": os.getpid()}))
    container.worker_file.override(worker_file)
    container.wire(modules=["entrypoints.worker"])
    yield lambda: check()
    container.unwire()
    container.worker_file.reset_override()


def test_check_fails_once_the_job_has_run_past_its_limit_and_the_grace(
        checked: Any, queue_redis: fakeredis.FakeRedis) -> None:
    taking = consumer(queue_redis, timeout=0.01)
    taking.lease.job_started("J-1")
    assert checked()[0]  # within the grace

    started = datetime.fromtimestamp(time.time() - WEDGED_AFTER_SECONDS - 1, timezone.utc).isoformat()
    queue_redis.hset(heartbeat_key(taking.key, WORKER), "current_job_started_at", started)
    healthy, reason = checked()

    assert not healthy and "past its time limit of 0.01 s: it is wedged" in reason


def test_any_redis_error_reading_the_lease_is_the_store_unavailable_and_check_says_so(
        checked: Any, queue_redis: fakeredis.FakeRedis) -> None:
    queue_redis.set(heartbeat_key(consumer(queue_redis).key, WORKER), "not a hash")  # WRONGTYPE on HGETALL

    with pytest.raises(StoreUnavailable) as unavailable:
        HotQueueMonitor(queue_redis).worker(WORKER)
    healthy, reason = checked()

    assert isinstance(unavailable.value.__cause__, redis.ResponseError)
    assert not healthy and reason.startswith("Redis does not answer: ") and "WRONGTYPE" in reason


@pytest.mark.parametrize("text", ["0", "-1", "abc", "nan", "inf"])
def test_a_time_limit_that_is_not_a_number_of_seconds_above_0_is_refused_with_its_name(text: str) -> None:
    with pytest.raises(ConfigurationError, match=f"JOB_TIMEOUT_SECONDS={text!r}"):
        Settings.from_environment({"JOB_TIMEOUT_SECONDS": text})


def test_a_time_limit_takes_decimals_and_is_600_s_unless_set() -> None:
    def limit(text: str) -> float:
        return Settings.from_environment({"JOB_TIMEOUT_SECONDS": text}).job_timeout_seconds

    assert (limit("0.01"), limit("600"), limit("")) == (0.01, 600.0, 600.0)
