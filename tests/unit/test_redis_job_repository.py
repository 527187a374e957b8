"""The Redis job store (db 2) on fakeredis: round trips, status indexes, races under WATCH."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import fakeredis
import pytest
from hotqueue import HotQueue

from adapters.hotqueue_job_queue import HotQueueJobQueue
from adapters.redis_job_repository import (
    ALL_JOBS_KEY, EXPIRING_KEY, RedisJobRepository, idempotency_key, job_key, status_key)
from adapters.redis_result_repository import RedisResultRepository, plot_key, results_key
from genes.errors import IdempotencyKeyReused, InvalidJobTransition, JobNotFound
from genes.job import Job, JobParameters, JobStatus, ReleaseDiffParameters
from tests.job_repository_contract import JobStoreContract
from tests.unit.job_fakes import LATE_EIGHTIES_RESULTS

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


def repository(server: fakeredis.FakeServer) -> RedisJobRepository:
    """The store as one process of the service builds it: jobs in db 2, queue in db 1, results in db 3."""
    return RedisJobRepository(fakeredis.FakeRedis(server=server, db=2),
                              HotQueueJobQueue(fakeredis.FakeRedis(server=server, db=1)),
                              RedisResultRepository(fakeredis.FakeRedis(server=server, db=3)))


@pytest.fixture
def jobs(server: fakeredis.FakeServer) -> RedisJobRepository:
    return repository(server)


def test_a_saved_job_reads_back_identical_in_every_field(jobs: RedisJobRepository) -> None:
    submitted = job_submitted(locus_group="non-coding RNA")
    failed = submitted.start(at=MONDAY_NOON + timedelta(seconds=1)).fail(
        "the plot could not be drawn: ünïcode too", at=MONDAY_NOON + timedelta(seconds=2))
    jobs.submit(failed)

    assert jobs.get(failed.id) == failed


def test_a_job_without_locus_group_or_times_reads_back_with_none(jobs: RedisJobRepository) -> None:
    job = job_submitted()
    jobs.submit(job)

    read = jobs.get(job.id)

    assert read == job
    assert (read.parameters.locus_group, read.started_at, read.finished_at, read.error) == (None, None, None, None)


def test_an_unknown_job_reads_as_none(jobs: RedisJobRepository) -> None:
    assert jobs.get("no-such-job") is None


def test_ids_come_in_submission_order_whatever_the_order_of_saving(jobs: RedisJobRepository) -> None:
    late, early, middle = job_submitted(30), job_submitted(0), job_submitted(10)
    for job in (late, early, middle):
        jobs.submit(job)

    assert jobs.ids() == [early.id, middle.id, late.id]


def test_a_status_change_moves_the_id_between_the_status_indexes(
        jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    job = job_submitted()
    jobs.submit(job)
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


def test_jobs_are_counted_by_status_with_every_status_present(jobs: RedisJobRepository) -> None:
    assert jobs.count_by_status() == {status: 0 for status in JobStatus}
    waiting, running, done, doomed = (job_submitted(minutes) for minutes in range(4))
    for job in (waiting, running, done, doomed):
        jobs.submit(job)
    jobs.update(running.id, Job.start)
    jobs.update(done.id, Job.start)
    jobs.update(done.id, Job.complete)
    jobs.update(doomed.id, Job.cancel)

    assert jobs.count_by_status() == {JobStatus.SUBMITTED: 1, JobStatus.IN_PROGRESS: 1, JobStatus.COMPLETE: 1,
                                      JobStatus.FAILED: 0, JobStatus.CANCELLED: 1}


def test_a_change_that_keeps_the_status_leaves_the_indexes_alone(jobs: RedisJobRepository) -> None:
    job = job_submitted()
    jobs.submit(job)
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
    jobs.submit(job)
    before = jobs_redis.hgetall(job_key(job.id))

    with pytest.raises(InvalidJobTransition):
        jobs.update(job.id, Job.complete)

    assert jobs_redis.hgetall(job_key(job.id)) == before
    assert jobs.ids(JobStatus.SUBMITTED) == [job.id]


def test_a_change_raced_by_another_process_is_applied_again_to_the_new_state(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    job = job_submitted()
    jobs.submit(job)
    other_process = repository(server)
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
    jobs.submit(job)
    api = repository(server)
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



# -- the atomic submit, the idempotency key -------------------------------------------------------


def queued(server: fakeredis.FakeServer) -> list[str]:
    return [json.loads(raw) for raw in fakeredis.FakeRedis(server=server, db=1).lrange("hotqueue:jobs", 0, -1)]


def test_a_submit_saves_the_job_and_queues_its_id_as_hotqueue_does(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    job = job_submitted()

    assert jobs.submit(job) == job

    assert jobs.get(job.id) == job
    assert queued(server) == [job.id]
    taken = HotQueue("jobs", serializer=json, connection_pool=fakeredis.FakeRedis(server=server, db=1).connection_pool)
    assert taken.get() == job.id  # exactly what `@q.worker` reads


def test_a_submit_sent_twice_after_a_lost_answer_saves_and_queues_once(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    job = job_submitted()

    jobs.submit(job)
    jobs.submit(job)  # what redis-py's retry does when the answer to the script is lost

    assert jobs.ids() == [job.id]
    assert queued(server) == [job.id]


def test_a_key_sent_again_with_the_same_parameters_answers_the_first_job_and_adds_nothing(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    first = jobs.submit(replace(job_submitted(), idempotency_key="3f2c-order"))

    again = jobs.submit(replace(job_submitted(5), idempotency_key="3f2c-order"))

    assert again == first
    assert jobs.ids() == [first.id] and queued(server) == [first.id]


def test_a_key_sent_again_with_other_parameters_is_refused_and_adds_nothing(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    first = jobs.submit(replace(job_submitted(), idempotency_key="3f2c-order"))

    with pytest.raises(IdempotencyKeyReused, match=first.id):
        jobs.submit(replace(job_submitted(5, locus_group="pseudogene"), idempotency_key="3f2c-order"))

    assert jobs.ids() == [first.id] and queued(server) == [first.id]


# -- retention and paging -------------------------------------------------------------------------

A_DAY = timedelta(days=1)


def test_an_ending_job_expires_with_its_key_a_day_after_it_ended_and_its_results_live_as_long(
        server: fakeredis.FakeServer, jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    results = RedisResultRepository(fakeredis.FakeRedis(server=server, db=3))
    job = jobs.submit(replace(job_submitted(), keep_for=A_DAY, idempotency_key="k-1"))
    jobs.update(job.id, Job.start)
    results.save("set-1/results", LATE_EIGHTIES_RESULTS, b"png", timedelta(seconds=30))  # kept a while, for the run
    assert jobs_redis.pttl(job_key(job.id)) == -1  # running: no expiry

    ended = jobs.update(job.id, lambda current: current.complete("set-1/results"))

    assert ended.expires_at == ended.finished_at + A_DAY
    expected_ms = round(ended.expires_at.timestamp() * 1000)
    results_redis = fakeredis.FakeRedis(server=server, db=3)
    for client, key in ((jobs_redis, job_key(job.id)), (jobs_redis, idempotency_key("k-1")),
                        (results_redis, results_key("set-1/results")), (results_redis, plot_key("set-1/results"))):
        assert client.pexpiretime(key) == expected_ms, key
    assert jobs_redis.zscore(EXPIRING_KEY, job.id) == expected_ms
    assert jobs.get(job.id) == ended


def test_a_job_ending_sooner_than_another_user_of_its_results_leaves_them_to_that_one(
        server: fakeredis.FakeServer, jobs: RedisJobRepository) -> None:
    results = RedisResultRepository(fakeredis.FakeRedis(server=server, db=3))
    results.save("set-1/results", LATE_EIGHTIES_RESULTS, b"png", timedelta(days=30))  # a job kept for a month uses them
    job = jobs.submit(replace(job_submitted(), keep_for=A_DAY))
    jobs.update(job.id, Job.start)

    jobs.update(job.id, lambda current: current.complete("set-1/results", reused=True))

    kept_until = fakeredis.FakeRedis(server=server, db=3).pexpiretime(results_key("set-1/results"))
    assert kept_until > (datetime.now(timezone.utc) + timedelta(days=29)).timestamp() * 1000
    assert jobs.get(job.id).reused


def test_an_expired_job_is_gone_from_every_listing_and_the_others_stay(
        server: fakeredis.FakeServer, jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    kept = jobs.submit(replace(job_submitted(0), keep_for=A_DAY))
    expired = jobs.submit(replace(job_submitted(1), keep_for=timedelta(seconds=1)))
    running = jobs.submit(replace(job_submitted(2), keep_for=timedelta(seconds=1)))
    jobs.update(kept.id, Job.cancel)
    jobs.update(running.id, Job.start)

    jobs.update(expired.id, lambda job: job.cancel(at=datetime.now(timezone.utc) - timedelta(seconds=2)))

    assert jobs.get(expired.id) is None
    assert jobs.ids() == [kept.id, running.id]
    assert jobs.ids(JobStatus.CANCELLED) == [kept.id]
    assert jobs_redis.zrange(EXPIRING_KEY, 0, -1) == [kept.id.encode()]
    assert jobs.get(running.id).status is JobStatus.IN_PROGRESS


def test_an_expired_job_is_not_counted(jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    kept = jobs.submit(replace(job_submitted(0), keep_for=A_DAY))
    expired = jobs.submit(replace(job_submitted(1), keep_for=timedelta(seconds=1)))
    jobs.update(kept.id, Job.cancel)
    jobs.update(expired.id, lambda job: job.cancel(at=datetime.now(timezone.utc) - timedelta(seconds=2)))

    assert jobs.count_by_status()[JobStatus.CANCELLED] == 1
    assert jobs_redis.zcard(EXPIRING_KEY) == 1  # trimmed as a listing trims it


def test_a_submit_also_trims_the_listings(jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    expired = jobs.submit(replace(job_submitted(0), keep_for=timedelta(seconds=1)))
    jobs.update(expired.id, lambda job: job.cancel(at=datetime.now(timezone.utc) - timedelta(seconds=2)))

    later = jobs.submit(job_submitted(1))

    assert jobs_redis.zrange(ALL_JOBS_KEY, 0, -1) == [later.id.encode()]
    assert jobs_redis.zcard(EXPIRING_KEY) == 0


def test_a_job_kept_for_ever_gets_no_expiry(jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    job = jobs.submit(job_submitted())

    ended = jobs.update(job.id, Job.cancel)

    assert ended.expires_at is None
    assert jobs_redis.pttl(job_key(job.id)) == -1 and jobs_redis.zcard(EXPIRING_KEY) == 0


@pytest.mark.parametrize(("offset", "limit", "expected"), [
    (0, 2, slice(0, 2)), (2, 2, slice(2, 4)), (4, 2, slice(4, 5)), (5, 2, slice(5, 5)), (1, None, slice(1, None)),
])
def test_a_page_is_a_slice_of_the_listing_in_submission_order(
        jobs: RedisJobRepository, offset: int, limit: int | None, expected: slice) -> None:
    ids = [jobs.submit(job_submitted(minutes)).id for minutes in range(5)]

    assert jobs.ids(offset=offset, limit=limit) == ids[expected]
    assert jobs.ids(JobStatus.SUBMITTED, offset, limit) == ids[expected]


class TestRedisJobStoreOnFakeredis(JobStoreContract):
    @pytest.fixture
    def results(self, server: fakeredis.FakeServer) -> RedisResultRepository:
        return RedisResultRepository(fakeredis.FakeRedis(server=server, db=3))


# -- releases: the recorded release, the second kind ------------------------------------------


def test_a_job_keeps_its_kind_its_asked_and_recorded_release_and_a_job_stored_before_releases_reads_none(
        jobs: RedisJobRepository, jobs_redis: fakeredis.FakeRedis) -> None:
    pinned = jobs.submit(Job.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31), release=date(2024, 7, 23)),
                                    release=date(2024, 7, 23)))
    live = jobs.submit(Job.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31)), release=date(2024, 10, 18)))
    diff = jobs.submit(Job.submit(ReleaseDiffParameters(date(2024, 7, 23), date(2024, 10, 18))))
    old = job_submitted()
    jobs.submit(old)
    jobs_redis.hdel(job_key(old.id), "release", "asked_release")  # as stored before releases

    assert [jobs.get(job.id) for job in (pinned, live, diff)] == [pinned, live, diff]
    assert jobs_redis.hget(job_key(diff.id), "kind") == b"release_diff"
    assert jobs_redis.hget(job_key(live.id), "kind") is None  # an analysis is stored as it was
    before = jobs.get(old.id)
    assert before is not None and before.release is None and before.parameters.release is None


def test_an_idempotency_key_compares_the_release_asked_not_the_one_resolved(jobs: RedisJobRepository) -> None:
    first = jobs.submit(replace(Job.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31)),
                                           idempotency_key="k1"), release=date(2024, 7, 23)))
    # sent again once another release is live: the same request, the first job
    again = jobs.submit(replace(Job.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31)),
                                           idempotency_key="k1"), release=date(2024, 10, 18)))
    assert again == first
    with pytest.raises(IdempotencyKeyReused):
        jobs.submit(Job.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31), release=date(2024, 7, 23)),
                               idempotency_key="k1"))
