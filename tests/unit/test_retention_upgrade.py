"""The upgrade of jobs ended before retention: the use case on the in-memory fake, then the worker's on fakeredis."""
from __future__ import annotations

from datetime import timedelta

import fakeredis
import pytest
import redis

from adapters.redis_job_repository import FORMAT_KEY, LISTING_KEYS, RedisJobRepository
from entrypoints.containers import Container
from genes.job import Job, JobStatus
from genes.retention_upgrade import RetentionUpgrade
from tests.jobs_before_retention import OLD_FIELDS, ended_days_ago, ms, store_as_021f1ac, unfinished
from tests.unit.job_fakes import FakeJobRepository

A_WEEK = timedelta(days=7)
A_WEEK_IN_SECONDS = 7 * 24 * 3600


# -- the use case, on the fake -----------------------------------------------------------------


def test_each_old_job_is_kept_a_week_from_its_end_and_the_store_is_marked_upgraded() -> None:
    jobs = FakeJobRepository()
    olds = [jobs.store_as_before_retention(ended_days_ago(days, how))
            for days, how in ((1, "complete"), (2, "failed"), (3, "cancelled"))]
    running = jobs.store_as_before_retention(unfinished(started=True))

    assert RetentionUpgrade(jobs, A_WEEK, batch_size=2).run() == 4

    for old in olds:
        assert jobs.jobs[old.id].expires_at == old.finished_at + A_WEEK  # type: ignore[operator]
    assert jobs.jobs[running.id].keep_for == A_WEEK and jobs.jobs[running.id].expires_at is None
    assert jobs.retention_upgraded


def test_without_a_retention_nothing_changes_and_a_later_start_with_one_still_upgrades() -> None:
    jobs = FakeJobRepository()
    old = jobs.store_as_before_retention(ended_days_ago(1))

    assert RetentionUpgrade(jobs, None).run() == 0
    assert jobs.jobs[old.id].expires_at is None and not jobs.retention_upgraded

    RetentionUpgrade(jobs, A_WEEK).run()
    assert jobs.jobs[old.id].expires_at is not None


def test_a_store_marked_upgraded_is_not_walked_again() -> None:
    jobs = FakeJobRepository()
    RetentionUpgrade(jobs, A_WEEK).run()
    late = jobs.store_as_before_retention(ended_days_ago(1))

    assert RetentionUpgrade(jobs, A_WEEK).run() == 0
    assert jobs.jobs[late.id].expires_at is None


def test_a_stop_between_batches_leaves_the_rest_and_the_mark_to_the_next_start() -> None:
    jobs = FakeJobRepository()
    olds = [jobs.store_as_before_retention(ended_days_ago(day)) for day in range(1, 5)]
    asked: list[bool] = []

    def stop_at_the_second_batch() -> bool:
        asked.append(True)
        return len(asked) == 2

    assert RetentionUpgrade(jobs, A_WEEK, batch_size=2).run(stopping=stop_at_the_second_batch) == 2
    assert not jobs.retention_upgraded
    assert [jobs.jobs[old.id].expires_at is not None for old in olds] == [False, False, True, True]  # oldest first

    assert RetentionUpgrade(jobs, A_WEEK, batch_size=2).run() == 2
    assert jobs.retention_upgraded and all(jobs.jobs[old.id].expires_at is not None for old in olds)


# -- the worker's upgrade on the container (fakeredis): the keys as 021f1ac wrote them ----------


@pytest.fixture
def jobs_redis(container: Container) -> redis.Redis:
    return container.jobs_redis()


@pytest.fixture
def results_redis(container: Container) -> redis.Redis:
    return container.results_redis()


def old(container: Container, job: Job) -> Job:
    return store_as_021f1ac(container.jobs_redis(), container.results_redis(), job)


def listed_anywhere(jobs_redis: redis.Redis, job_id: str) -> list[str]:
    return [listing for listing in LISTING_KEYS if jobs_redis.zscore(listing, job_id) is not None]


def test_old_ended_jobs_their_results_and_plots_expire_a_week_after_they_ended(
        container: Container, jobs_redis: redis.Redis, results_redis: redis.Redis) -> None:
    complete, failed, cancelled = (old(container, ended_days_ago(days, how))
                                   for days, how in ((1, "complete"), (2, "failed"), (6.5, "cancelled")))
    assert container.job_service().get(complete.id).expires_at is None  # the bug: kept for ever

    assert container.retention_upgrade().run() == 3

    for job in (complete, failed, cancelled):
        expected = job.finished_at + A_WEEK  # type: ignore[operator]
        assert container.job_service().get(job.id).expires_at == expected
        assert jobs_redis.pexpiretime(f"job:{job.id}") == ms(expected)
        assert jobs_redis.zscore("jobs:expiring", job.id) == ms(expected)
        assert len(listed_anywhere(jobs_redis, job.id)) == 2  # still in `jobs` and its status's
    for key in (f"results:{complete.id}", f"results:{complete.id}:plot"):
        assert results_redis.pexpiretime(key) == ms(complete.finished_at + A_WEEK)  # type: ignore[operator]
    assert jobs_redis.get(FORMAT_KEY) == b"retention"


def test_old_jobs_ended_more_than_a_week_ago_are_gone_at_once_from_every_listing_with_their_results(
        container: Container, jobs_redis: redis.Redis, results_redis: redis.Redis) -> None:
    long_ago = [old(container, ended_days_ago(days, how)) for days, how in ((8, "complete"), (30, "failed"),
                                                                            (400, "cancelled"))]
    recent = old(container, ended_days_ago(1))

    container.retention_upgrade().run()

    for job in long_ago:
        assert jobs_redis.exists(f"job:{job.id}") == 0 and listed_anywhere(jobs_redis, job.id) == []
        assert results_redis.exists(f"results:{job.id}", f"results:{job.id}:plot") == 0
    assert container.job_service().ids() == [recent.id]
    assert container.job_service().ids(JobStatus.COMPLETE) == [recent.id]
    assert jobs_redis.zrange("jobs:expiring", 0, -1) == [recent.id.encode()]


def test_old_unfinished_jobs_expire_a_week_after_they_end(container: Container, jobs_redis: redis.Redis) -> None:
    submitted, running = old(container, unfinished(started=False)), old(container, unfinished(started=True))

    assert container.retention_upgrade().run() == 2

    for job in (submitted, running):
        assert jobs_redis.pttl(f"job:{job.id}") == -1 and len(listed_anywhere(jobs_redis, job.id)) == 2
        assert jobs_redis.hget(f"job:{job.id}", "keep_seconds") == str(float(A_WEEK_IN_SECONDS)).encode()
    assert container.job_service().ids(JobStatus.IN_PROGRESS) == [running.id]

    ended = container.job_repository().update(running.id, lambda job: job.complete())
    assert ended.expires_at == ended.finished_at + A_WEEK  # type: ignore[operator]
    assert jobs_redis.pexpiretime(f"job:{running.id}") == ms(ended.expires_at)  # type: ignore[arg-type]


def test_a_second_run_changes_nothing(container: Container, jobs_redis: redis.Redis, results_redis: redis.Redis,
                                      fake_redis_server: fakeredis.FakeServer) -> None:
    kept = old(container, ended_days_ago(1))
    container.retention_upgrade().run()
    snapshot = {key: (jobs_redis.hgetall(key), jobs_redis.pexpiretime(key)) for key in jobs_redis.keys("job:*")}
    written_after = old(container, ended_days_ago(2))  # as a worker of 021f1ac still running could

    assert container.retention_upgrade().run() == 0

    assert {key: (jobs_redis.hgetall(key), jobs_redis.pexpiretime(key)) for key in snapshot} == snapshot
    assert jobs_redis.pttl(f"job:{written_after.id}") == -1 and jobs_redis.exists(f"job:{kept.id}")


def test_with_job_ttl_seconds_0_nothing_expires_and_the_store_is_not_marked(
        container: Container, jobs_redis: redis.Redis, results_redis: redis.Redis) -> None:
    container.config.job_ttl_seconds.from_value(0)
    jobs = [old(container, ended_days_ago(days)) for days in (1, 400)]

    assert container.retention_upgrade().run() == 0

    for job in jobs:
        assert jobs_redis.pttl(f"job:{job.id}") == -1 and tuple(jobs_redis.hgetall(f"job:{job.id}")) == tuple(
            name.encode() for name in OLD_FIELDS)
        assert results_redis.pttl(f"results:{job.id}") == -1
        assert container.job_service().get(job.id).expires_at is None
    assert jobs_redis.exists(FORMAT_KEY) == 0


def test_jobs_stored_with_a_retention_or_kept_for_ever_by_choice_are_not_touched(
        container: Container, jobs_redis: redis.Redis) -> None:
    """Only 021f1ac's jobs lack `keep_seconds`: a job that ended under JOB_TTL_SECONDS=0 keeps its promise."""
    container.config.job_ttl_seconds.from_value(0)
    service = container.job_service()
    for_ever = service.cancel(service.submit(ended_days_ago(1).parameters).id)
    container.config.job_ttl_seconds.from_value(A_WEEK_IN_SECONDS)
    service = container.job_service()
    a_week = service.cancel(service.submit(ended_days_ago(1).parameters).id)
    expiry = jobs_redis.pexpiretime(f"job:{a_week.id}")

    assert container.retention_upgrade().run() == 0
    assert jobs_redis.pttl(f"job:{for_ever.id}") == -1 and service.get(for_ever.id).expires_at is None
    assert jobs_redis.pexpiretime(f"job:{a_week.id}") == expiry == ms(a_week.expires_at)  # type: ignore[arg-type]


def test_the_walk_meets_every_old_job_across_batches_and_equal_submission_times(
        container: Container, jobs_redis: redis.Redis) -> None:
    same_time = ended_days_ago(1)
    olds = [old(container, ended_days_ago(1 + n / 100)) for n in range(7)]
    olds += [old(container, Job(id=f"{n:02d}-{same_time.id}", parameters=same_time.parameters,
                                submitted_at=same_time.submitted_at).cancel(at=same_time.finished_at))
             for n in range(5)]  # five ids of one score: more than a batch

    assert RetentionUpgrade(container.job_repository(), A_WEEK, batch_size=2).run() == 12

    assert all(container.job_service().get(job.id).expires_at is not None for job in olds)


def test_two_workers_upgrading_at_once_corrupt_nothing(container: Container, jobs_redis: redis.Redis) -> None:
    """One upgrade runs whole between two batches of another, which then writes what it read before."""
    olds = [old(container, ended_days_ago(days)) for days in (1, 2, 8, 9)]  # two kept, two past their time
    other = container.retention_upgrade()
    runs: list[int] = []

    def run_the_other_once() -> bool:
        if not runs:
            runs.append(other.run())
        return False

    assert RetentionUpgrade(container.job_repository(), A_WEEK, batch_size=4).run(stopping=run_the_other_once) == 4

    assert runs == [4]
    assert sorted(key.decode() for key in jobs_redis.keys("job:*")) == sorted(f"job:{job.id}" for job in olds[:2])
    for job in olds[:2]:
        assert container.job_service().get(job.id).expires_at == job.finished_at + A_WEEK  # type: ignore[operator]
    assert container.job_service().ids() == [olds[1].id, olds[0].id]
