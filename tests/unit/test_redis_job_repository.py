"""The Redis job store (db 2) on fakeredis: round trips, status indexes, races under WATCH."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import fakeredis
import pytest

from adapters.redis_job_repository import ALL_JOBS_KEY, RedisJobRepository, job_key, status_key
from genes.errors import InvalidJobTransition, JobNotFound
from genes.job import Job, JobParameters, JobStatus

MONDAY_NOON = datetime(2024, 5, 13, 12, 0, tzinfo=timezone.utc)


def job_submitted(minutes_after_noon: int = 0, locus_group: str | None = None, job_id: str | None = None) -> Job:
    job = Job.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31), locus_group))
    return Job(id=job_id or job.id, parameters=job.parameters,
               submitted_at=MONDAY_NOON + timedelta(minutes=minutes_after_noon))


@pytest.fixture
def server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def jobs_redis(server: fakeredis.FakeServer) -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(server=server, db=2)


@pytest.fixture
def jobs(jobs_redis: fakeredis.FakeRedis) -> RedisJobRepository:
    return RedisJobRepository(jobs_redis)


def test_a_saved_job_reads_back_identical_in_every_field(jobs: RedisJobRepository) -> None:
    submitted = job_submitted(locus_group="non-coding RNA")
    failed = submitted.start(at=MONDAY_NOON + timedelta(seconds=1)).fail(
        "the plot could not be drawn: ünïcode too", at=MONDAY_NOON + timedelta(seconds=2))
    jobs.add(failed)

    assert jobs.get(failed.id) == failed


def test_a_job_without_locus_group_or_times_reads_back_with_none(jobs: RedisJobRepository) -> None:
    job = job_submitted()
    jobs.add(job)

    read = jobs.get(job.id)

    assert read == job
    assert (read.parameters.locus_group, read.started_at, read.finished_at, read.error) == (None, None, None, None)


def test_an_unknown_job_reads_as_none(jobs: RedisJobRepository) -> None:
    assert jobs.get("no-such-job") is None


def test_ids_come_in_submission_order_whatever_the_order_of_saving(jobs: RedisJobRepository) -> None:
    late, early, middle = job_submitted(30), job_submitted(0), job_submitted(10)
    for job in (late, early, middle):
        jobs.add(job)

    assert jobs.ids() == [early.id, middle.id, late.id]


def test_a_status_change_moves_the_id_between_the_status_indexes(
        jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    job = job_submitted()
    jobs.add(job)
    assert jobs.ids(JobStatus.SUBMITTED) == [job.id]

    jobs.update(job.id, Job.start)

    assert jobs.ids(JobStatus.SUBMITTED) == []
    assert jobs.ids(JobStatus.IN_PROGRESS) == [job.id]
    assert jobs_redis.zscore(status_key(JobStatus.IN_PROGRESS), job.id) == MONDAY_NOON.timestamp()

    jobs.update(job.id, Job.complete)

    indexed = {status: jobs.ids(status) for status in JobStatus}
    assert indexed == {status: [job.id] if status is JobStatus.COMPLETE else [] for status in JobStatus}
    assert jobs.ids() == [job.id]
    assert jobs_redis.zcard(ALL_JOBS_KEY) == 1


def test_a_change_that_keeps_the_status_leaves_the_indexes_alone(jobs: RedisJobRepository) -> None:
    job = job_submitted()
    jobs.add(job)
    jobs.update(job.id, Job.start)

    restarted = jobs.update(job.id, Job.start)

    assert restarted.attempts == 2
    assert jobs.ids(JobStatus.IN_PROGRESS) == [job.id]


def test_updating_an_unknown_job_raises_job_not_found(jobs: RedisJobRepository) -> None:
    with pytest.raises(JobNotFound):
        jobs.update("no-such-job", Job.start)


def test_a_refused_transition_changes_nothing_in_the_store(
        jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    job = job_submitted()
    jobs.add(job)
    before = jobs_redis.hgetall(job_key(job.id))

    with pytest.raises(InvalidJobTransition):
        jobs.update(job.id, Job.complete)

    assert jobs_redis.hgetall(job_key(job.id)) == before
    assert jobs.ids(JobStatus.SUBMITTED) == [job.id]


def test_a_change_raced_by_another_process_is_applied_again_to_the_new_state(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    job = job_submitted()
    jobs.add(job)
    other_process = RedisJobRepository(fakeredis.FakeRedis(server=server, db=2))
    seen: list[Job] = []

    def start_while_another_worker_starts_it(current: Job) -> Job:
        seen.append(current)
        if len(seen) == 1:  # between our read and our write, another worker takes the job
            other_process.update(job.id, Job.start)
        return current.start()

    result = jobs.update(job.id, start_while_another_worker_starts_it)

    assert [j.attempts for j in seen] == [0, 1]  # the WATCH saw the race; the retry read the new state
    assert result.attempts == 2
    assert jobs.get(job.id).attempts == 2  # no update lost


def test_a_start_raced_by_a_cancel_sees_the_cancel_and_is_refused(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    job = job_submitted()
    jobs.add(job)
    api = RedisJobRepository(fakeredis.FakeRedis(server=server, db=2))
    calls = 0

    def start_while_the_user_cancels(current: Job) -> Job:
        nonlocal calls
        calls += 1
        if calls == 1:
            api.update(job.id, Job.cancel)
        return current.start()

    with pytest.raises(InvalidJobTransition):
        jobs.update(job.id, start_while_the_user_cancels)

    assert jobs.get(job.id).status is JobStatus.CANCELLED
    assert jobs.ids(JobStatus.CANCELLED) == [job.id] and jobs.ids(JobStatus.IN_PROGRESS) == []

