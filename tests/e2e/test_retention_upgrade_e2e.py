"""Two real workers started at once on a Redis that 021f1ac wrote: the jobs ended then get their expiry, once."""
from __future__ import annotations

import time
from datetime import timedelta

from adapters.redis_job_repository import FORMAT_KEY
from entrypoints.containers import JOBS_DB, RESULTS_DB
from tests.conftest import StartProcess
from tests.jobs_before_retention import ended_days_ago, ms, store_as_021f1ac, unfinished
from tests.processes import RedisServer

A_DAY_IN_SECONDS = 24 * 3600


def test_workers_started_together_give_the_jobs_ended_before_retention_their_expiry(
        redis_server: RedisServer, start_process: StartProcess) -> None:
    jobs_redis, results_redis = redis_server.client(JOBS_DB), redis_server.client(RESULTS_DB)
    for client in (redis_server.client(), jobs_redis, results_redis):
        client.flushdb()
    kept = [store_as_021f1ac(jobs_redis, results_redis, ended_days_ago(n / 12, how))
            for n, how in zip(range(1, 301), ("complete", "failed", "cancelled") * 100)]  # under 30 days ago
    past = store_as_021f1ac(jobs_redis, results_redis, ended_days_ago(31))
    waiting = store_as_021f1ac(jobs_redis, results_redis, unfinished(started=False))
    env = {"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "LOG_LEVEL": "INFO",
           "JOB_TTL_SECONDS": str(30 * A_DAY_IN_SECONDS)}

    workers = [start_process(["python", "-m", "entrypoints.worker"], env=env, name=f"worker {n}") for n in (1, 2)]
    deadline = time.monotonic() + 60
    while jobs_redis.get(FORMAT_KEY) != b"retention":
        assert all(worker.is_running() for worker in workers), [worker.log_tail() for worker in workers]
        assert time.monotonic() < deadline, [worker.log_tail() for worker in workers]
        time.sleep(0.1)

    for job in kept:
        assert jobs_redis.pexpiretime(f"job:{job.id}") == ms(job.finished_at + timedelta(days=30))  # type: ignore[operator]
        assert jobs_redis.hget(f"job:{job.id}", "keep_seconds") == str(30.0 * A_DAY_IN_SECONDS).encode()
    complete = kept[0] if kept[0].status.value == "complete" else kept[2]
    assert results_redis.pexpiretime(f"results:{complete.id}:plot") == ms(complete.finished_at + timedelta(days=30))  # type: ignore[operator]
    assert jobs_redis.exists(f"job:{past.id}", f"job:{waiting.id}") == 1 and jobs_redis.pttl(f"job:{waiting.id}") == -1
    assert jobs_redis.hget(f"job:{waiting.id}", "keep_seconds") == str(30.0 * A_DAY_IN_SECONDS).encode()  # once it ends
    assert jobs_redis.zscore("jobs", past.id) is None and jobs_redis.zcard("jobs") == len(kept) + 1
    for worker in workers:
        worker.stop()
        assert worker.process.returncode == 0, worker.log_tail()
