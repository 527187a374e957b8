"""JobService, the API's use cases, over in-memory fakes of the job ports."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from genes.errors import IdempotencyKeyReused, InvalidJobTransition, JobNotFound, ResultsNotReady, UnknownRelease
from genes.job import JobParameters, JobStatus, ReleaseDiffParameters
from genes.job_service import JobService
from tests.unit.job_fakes import (
    FAKE_PNG, LATE_EIGHTIES_RESULTS, FakeJobRepository, FakeReleaseRegistry, FakeResultRepository,
)

EARLY_2000S = JobParameters(date(2000, 1, 1), date(2005, 12, 31), "protein-coding gene")
A_WEEK = timedelta(days=7)
JULY, OCTOBER = date(2024, 7, 23), date(2024, 10, 18)


@pytest.fixture
def jobs() -> FakeJobRepository:
    return FakeJobRepository()


@pytest.fixture
def results() -> FakeResultRepository:
    return FakeResultRepository()


@pytest.fixture
def service(jobs: FakeJobRepository, results: FakeResultRepository) -> JobService:
    return JobService(jobs, results, FakeReleaseRegistry(OCTOBER, JULY), keep_for=A_WEEK)


def test_an_analysis_reads_the_live_release_unless_it_asks_for_another_held_one(service: JobService) -> None:
    assert service.submit(EARLY_2000S).release == OCTOBER
    older = service.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31), release=JULY))
    assert older.release == JULY and older.parameters.release == JULY


def test_an_analysis_submitted_with_nothing_loaded_reads_the_live_release_when_it_runs(
        jobs: FakeJobRepository, results: FakeResultRepository) -> None:
    assert JobService(jobs, results, FakeReleaseRegistry()).submit(EARLY_2000S).release is None


def test_a_release_not_held_is_refused_naming_the_held_ones(service: JobService, jobs: FakeJobRepository) -> None:
    with pytest.raises(UnknownRelease, match="release 2024-01-01 is not held [(]held: 2024-10-18, 2024-07-23[)]"):
        service.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31), release=date(2024, 1, 1)))
    with pytest.raises(UnknownRelease, match="release 2020-02-02 is not held"):
        service.submit(ReleaseDiffParameters(JULY, date(2020, 2, 2)))
    with pytest.raises(UnknownRelease, match="releases 2020-01-01 and 2020-02-02 are not held [(]held: 2024-10-18"):
        service.submit(ReleaseDiffParameters(date(2020, 1, 1), date(2020, 2, 2)))
    assert jobs.queued == []


def test_a_release_diff_of_held_releases_is_queued_and_its_key_compares_its_releases(
        service: JobService, jobs: FakeJobRepository) -> None:
    diff = service.submit(ReleaseDiffParameters(JULY, OCTOBER), "diff-1")

    assert diff.parameters == ReleaseDiffParameters(JULY, OCTOBER) and diff.release is None
    assert service.submit(ReleaseDiffParameters(JULY, OCTOBER), "diff-1") == diff
    with pytest.raises(IdempotencyKeyReused):
        service.submit(EARLY_2000S, "diff-1")
    assert jobs.queued == [diff.id]


def test_a_submitted_job_holds_the_parameters_and_retention_and_is_queued_once(
        service: JobService, jobs: FakeJobRepository) -> None:
    job = service.submit(EARLY_2000S)

    assert job.status is JobStatus.SUBMITTED
    assert job.parameters == EARLY_2000S
    assert job.keep_for == A_WEEK and job.expires_at is None
    assert service.get(job.id) == job
    assert jobs.queued == [job.id]


def test_a_job_submitted_again_with_its_idempotency_key_is_the_first_one(
        service: JobService, jobs: FakeJobRepository) -> None:
    first = service.submit(EARLY_2000S, "order-66")

    again = service.submit(EARLY_2000S, "order-66")

    assert again == first
    assert jobs.queued == [first.id]
    assert service.submit(EARLY_2000S, "order-67").id != first.id


def test_an_idempotency_key_sent_again_with_other_parameters_is_refused(
        service: JobService, jobs: FakeJobRepository) -> None:
    first = service.submit(EARLY_2000S, "order-66")

    with pytest.raises(IdempotencyKeyReused, match=first.id):
        service.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31)), "order-66")

    assert jobs.queued == [first.id]


def test_a_page_of_ids_is_a_slice_of_the_listing(service: JobService) -> None:
    ids = [service.submit(EARLY_2000S).id for _ in range(5)]

    assert service.ids(offset=1, limit=2) == ids[1:3]
    assert service.ids(offset=4, limit=10) == ids[4:]
    assert service.ids(offset=5) == []


def test_every_job_is_listed_in_submission_order_and_can_be_filtered_by_status(service: JobService) -> None:
    first, second, third = (service.submit(EARLY_2000S) for _ in range(3))
    service.cancel(second.id)

    assert service.ids() == [first.id, second.id, third.id]
    assert service.ids(JobStatus.SUBMITTED) == [first.id, third.id]
    assert service.ids(JobStatus.CANCELLED) == [second.id]
    assert service.ids(JobStatus.COMPLETE) == []


def test_an_unknown_job_is_not_found(service: JobService) -> None:
    with pytest.raises(JobNotFound, match="no job with id nope"):
        service.get("nope")
    with pytest.raises(JobNotFound):
        service.results("nope")
    with pytest.raises(JobNotFound):
        service.plot("nope")
    with pytest.raises(JobNotFound):
        service.cancel("nope")


def test_a_job_no_worker_has_started_can_be_cancelled(service: JobService) -> None:
    job = service.submit(EARLY_2000S)

    cancelled = service.cancel(job.id)

    assert cancelled.status is JobStatus.CANCELLED
    assert service.get(job.id).status is JobStatus.CANCELLED


def test_a_running_job_is_cancelled_with_its_finish_time(service: JobService, jobs: FakeJobRepository) -> None:
    job = service.submit(EARLY_2000S)
    jobs.update(job.id, lambda j: j.start())

    cancelled = service.cancel(job.id)

    assert cancelled.status is JobStatus.CANCELLED and cancelled.finished_at is not None
    assert service.get(job.id) == cancelled


def test_a_job_that_has_ended_cannot_be_cancelled(service: JobService, jobs: FakeJobRepository) -> None:
    job = service.submit(EARLY_2000S)
    jobs.update(job.id, lambda j: j.start().fail("timed out after 600 s (attempt 3 of 3)"))

    with pytest.raises(InvalidJobTransition) as refused:
        service.cancel(job.id)

    assert refused.value.job_status == "failed"


def test_the_results_and_plot_of_a_complete_job_are_returned(
        service: JobService, jobs: FakeJobRepository, results: FakeResultRepository) -> None:
    job = service.submit(EARLY_2000S)
    jobs.update(job.id, lambda j: j.start().complete(EARLY_2000S.results_id("set-1")))
    results.save(EARLY_2000S.results_id("set-1"), LATE_EIGHTIES_RESULTS, FAKE_PNG, A_WEEK)

    assert service.results(job.id) == LATE_EIGHTIES_RESULTS
    assert service.plot(job.id) == FAKE_PNG


def test_a_job_completed_before_results_were_shared_answers_those_stored_under_its_own_id(
        service: JobService, jobs: FakeJobRepository, results: FakeResultRepository) -> None:
    job = service.submit(EARLY_2000S)
    jobs.update(job.id, lambda j: j.start().complete())
    results.save(job.id, LATE_EIGHTIES_RESULTS, FAKE_PNG, None)

    assert service.results(job.id) == LATE_EIGHTIES_RESULTS


@pytest.mark.parametrize("advance", [lambda j: j, lambda j: j.start()], ids=["submitted", "in progress"])
def test_the_results_of_an_unfinished_job_are_not_ready(
        service: JobService, jobs: FakeJobRepository, advance) -> None:
    job = service.submit(EARLY_2000S)
    status = jobs.update(job.id, advance).status

    with pytest.raises(ResultsNotReady, match="not ready yet") as not_ready:
        service.results(job.id)
    with pytest.raises(ResultsNotReady):
        service.plot(job.id)

    assert not_ready.value.job_status == status.value


def test_the_results_of_a_failed_job_give_the_reason(service: JobService, jobs: FakeJobRepository) -> None:
    job = service.submit(EARLY_2000S)
    jobs.update(job.id, lambda j: j.start().fail("no gene data is loaded: POST /data first"))

    with pytest.raises(ResultsNotReady) as not_ready:
        service.results(job.id)

    assert not_ready.value.job_status == "failed"
    assert "no gene data is loaded" in str(not_ready.value)


def test_the_results_of_a_cancelled_job_are_not_ready(service: JobService) -> None:
    job = service.submit(EARLY_2000S)
    service.cancel(job.id)

    with pytest.raises(ResultsNotReady) as not_ready:
        service.results(job.id)

    assert not_ready.value.job_status == "cancelled"


def test_a_complete_job_whose_results_are_missing_says_so(service: JobService, jobs: FakeJobRepository) -> None:
    job = service.submit(EARLY_2000S)
    jobs.update(job.id, lambda j: j.start().complete())

    with pytest.raises(ResultsNotReady, match="results are missing"):
        service.results(job.id)
    with pytest.raises(ResultsNotReady, match="plot is missing"):
        service.plot(job.id)
