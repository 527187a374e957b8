"""The upgrade of jobs stored before retention on a real Redis, in the service's databases, keys as 021f1ac wrote them."""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Iterator

import pytest
import redis

from adapters.redis_job_repository import FORMAT_KEY, LISTING_KEYS
from entrypoints.containers import JOBS_DB, QUEUE_DB, RESULTS_DB, Container
from genes.job import Job
from genes.retention_upgrade import RetentionUpgrade
from tests.conftest import RedisEndpoint, redis_providers, release
from tests.jobs_before_retention import ended_days_ago, ms, store_as_021f1ac, unfinished

A_WEEK = timedelta(days=7)


@pytest.fixture
def container(real_redis: RedisEndpoint) -> Iterator[Container]:
    """The real composition root on the real Redis, its queue, jobs and results databases empty."""
    container = Container()
    for _, provider, db in redis_providers(container):
        provider.override(real_redis.client(db))
    for db in (QUEUE_DB, JOBS_DB, RESULTS_DB):
        real_redis.client(db).flushdb()
    yield container
    for db in (QUEUE_DB, JOBS_DB, RESULTS_DB):
        real_redis.client(db).flushdb()
    release(container)


def old(container: Container, job: Job) -> Job:
    return store_as_021f1ac(container.jobs_redis(), container.results_redis(), job)


def listings_of(jobs_redis: redis.Redis, job_id: str) -> list[str]:
    return [listing for listing in LISTING_KEYS if jobs_redis.zscore(listing, job_id) is not None]


def test_old_jobs_expire_a_week_after_they_ended_those_past_at_once_and_a_second_run_is_a_no_op(
        container: Container) -> None:
    jobs_redis, results_redis = container.jobs_redis(), container.results_redis()
    kept = [old(container, ended_days_ago(days, how)) for days, how in ((1, "complete"), (3, "failed"),
                                                                        (6, "cancelled"))]
    past = [old(container, ended_days_ago(days, how)) for days, how in ((8, "complete"), (90, "cancelled"))]
    running, waiting = old(container, unfinished(started=True)), old(container, unfinished(started=False))

    assert container.retention_upgrade().run() == 7

    for job in kept:
        expiry = ms(job.finished_at + A_WEEK)  # type: ignore[operator]
        assert jobs_redis.pexpiretime(f"job:{job.id}") == expiry
        assert container.job_service().get(job.id).expires_at == job.finished_at + A_WEEK  # type: ignore[operator]
        assert len(listings_of(jobs_redis, job.id)) == 2
    assert [results_redis.pexpiretime(key) for key in (f"results:{kept[0].id}", f"results:{kept[0].id}:plot")] \
        == [ms(kept[0].finished_at + A_WEEK)] * 2  # type: ignore[operator]
    for job in past:
        assert jobs_redis.exists(f"job:{job.id}") == 0 and listings_of(jobs_redis, job.id) == []
    assert results_redis.exists(f"results:{past[0].id}", f"results:{past[0].id}:plot") == 0
    for job in (running, waiting):  # kept a week once they end
        assert jobs_redis.pttl(f"job:{job.id}") == -1
        assert container.job_service().get(job.id).keep_for == A_WEEK
    assert sorted(container.job_service().ids()) == sorted(job.id for job in (*kept, running, waiting))
    assert jobs_redis.get(FORMAT_KEY) == b"retention"

    before = {key: (jobs_redis.hgetall(key), jobs_redis.pexpiretime(key)) for key in jobs_redis.keys("job:*")}
    assert container.retention_upgrade().run() == 0
    assert {key: (jobs_redis.hgetall(key), jobs_redis.pexpiretime(key)) for key in jobs_redis.keys("job:*")} == before


def test_with_job_ttl_seconds_0_old_jobs_stay_as_they_were(container: Container) -> None:
    container.config.job_ttl_seconds.from_value(0)
    jobs = [old(container, ended_days_ago(days)) for days in (1, 400)]

    assert container.retention_upgrade().run() == 0

    for job in jobs:
        assert container.jobs_redis().pttl(f"job:{job.id}") == -1
        assert container.results_redis().pttl(f"results:{job.id}:plot") == -1
    assert container.jobs_redis().exists(FORMAT_KEY) == 0


def test_three_workers_upgrading_at_once_leave_every_job_whole_or_gone(container: Container) -> None:
    jobs_redis = container.jobs_redis()
    kept = [old(container, ended_days_ago(1 + n / 1000, how)) for n, how in
            zip(range(240), ("complete", "failed", "cancelled") * 80)]
    past = [old(container, ended_days_ago(8 + n / 1000)) for n in range(60)]
    upgrades = [RetentionUpgrade(container.job_repository(), A_WEEK, batch_size=16) for _ in range(3)]
    errors: list[BaseException] = []

    def run(upgrade: RetentionUpgrade) -> None:
        try:
            upgrade.run()
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(upgrade,)) for upgrade in upgrades]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    remaining = {key.decode() for key in jobs_redis.keys("job:*")}
    assert remaining == {f"job:{job.id}" for job in kept}
    for job in kept:
        assert jobs_redis.pexpiretime(f"job:{job.id}") == ms(job.finished_at + A_WEEK)  # type: ignore[operator]
        assert container.job_service().get(job.id).expires_at == job.finished_at + A_WEEK  # type: ignore[operator]
    assert sorted(container.job_service().ids()) == sorted(job.id for job in kept)
    assert all(listings_of(jobs_redis, job.id) == [] for job in past)
