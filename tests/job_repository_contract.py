"""What a JobRepository and a ResultRepository promise: JobStoreContract, run on the in-memory fakes
(unit), on the Redis adapters over fakeredis (unit) and over a real Redis (integration), so that a
fake cannot drift from the adapters it stands for.

A subclass named Test... provides the `jobs` and `results` fixtures, both empty.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from genes.errors import IdempotencyKeyReused, InvalidJobTransition, JobNotFound
from genes.job import Job, JobParameters, JobStatus
from genes.ports import JobRepository, ResultRepository
from tests.unit.job_fakes import LATE_EIGHTIES_RESULTS

MONDAY_NOON = datetime(2024, 5, 13, 12, 0, tzinfo=timezone.utc)
PNG = b"\x89PNG\r\n\x1a\n\x00\xff binary, not text"
A_DAY = timedelta(days=1)


def job_submitted(minutes_after_noon: int = 0, locus_group: str | None = None, key: str | None = None) -> Job:
    job = Job.submit(JobParameters(date(2000, 1, 1), date(2005, 12, 31), locus_group), idempotency_key=key)
    return replace(job, submitted_at=MONDAY_NOON + timedelta(minutes=minutes_after_noon))


class JobStoreContract:
    def test_a_submitted_job_reads_back_identical_in_every_field(self, jobs: JobRepository) -> None:
        failed = job_submitted(locus_group="non-coding RNA").start(at=MONDAY_NOON + timedelta(seconds=1)).fail(
            "the plot could not be drawn: ünïcode too", at=MONDAY_NOON + timedelta(seconds=2))
        plain = job_submitted(1)

        assert jobs.submit(failed) == failed and jobs.submit(plain) == plain
        assert (jobs.get(failed.id), jobs.get(plain.id)) == (failed, plain)
        assert jobs.get("no-such-job") is None

    def test_ids_come_in_submission_order_by_status_and_by_page(self, jobs: JobRepository) -> None:
        later, first, middle = (jobs.submit(job_submitted(minutes)).id for minutes in (20, 0, 10))
        jobs.update(middle, Job.start)

        assert jobs.ids() == [first, middle, later]
        assert jobs.ids(JobStatus.SUBMITTED) == [first, later]
        assert jobs.ids(JobStatus.IN_PROGRESS) == [middle]
        assert jobs.ids(JobStatus.COMPLETE) == []
        assert (jobs.ids(offset=1, limit=1), jobs.ids(offset=2), jobs.ids(limit=0)) == ([middle], [later], [])

    def test_an_update_applies_the_change_and_answers_the_new_state(self, jobs: JobRepository) -> None:
        job = jobs.submit(job_submitted())

        started = jobs.update(job.id, Job.start)

        assert started.status is JobStatus.IN_PROGRESS and started.attempts == 1
        assert jobs.get(job.id) == started

    def test_updating_an_unknown_job_raises_job_not_found(self, jobs: JobRepository) -> None:
        with pytest.raises(JobNotFound):
            jobs.update("no-such-job", Job.start)

    def test_a_refused_transition_changes_nothing(self, jobs: JobRepository) -> None:
        job = jobs.submit(job_submitted())

        with pytest.raises(InvalidJobTransition):
            jobs.update(job.id, Job.complete)

        assert jobs.get(job.id) == job and jobs.ids(JobStatus.SUBMITTED) == [job.id]

    def test_a_key_sent_again_answers_the_first_job_or_is_refused_for_other_parameters(
            self, jobs: JobRepository) -> None:
        first = jobs.submit(job_submitted(key="3f2c-order"))

        assert jobs.submit(job_submitted(5, key="3f2c-order")) == first
        with pytest.raises(IdempotencyKeyReused, match=first.id):
            jobs.submit(job_submitted(5, locus_group="pseudogene", key="3f2c-order"))
        assert jobs.ids() == [first.id]

    def test_the_counts_by_status_name_every_status(self, jobs: JobRepository) -> None:
        assert jobs.count_by_status() == {status: 0 for status in JobStatus}
        first, _ = jobs.submit(job_submitted()), jobs.submit(job_submitted(1))
        jobs.update(first.id, Job.start)

        counts = jobs.count_by_status()

        assert (counts[JobStatus.SUBMITTED], counts[JobStatus.IN_PROGRESS], sum(counts.values())) == (1, 1, 2)

    def test_results_and_plot_read_back_as_saved_and_a_second_save_overwrites_both(
            self, results: ResultRepository) -> None:
        assert (results.get("6f1c"), results.plot("6f1c"), results.claim("6f1c", A_DAY)) == (None, None, False)

        results.save("6f1c", replace(LATE_EIGHTIES_RESULTS, total=1), b"first", A_DAY)
        results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, None)

        assert (results.get("6f1c"), results.plot("6f1c")) == (LATE_EIGHTIES_RESULTS, PNG)
        assert list(results.get("6f1c").by_chromosome) == ["19", "MT"]  # order kept
        assert results.claim("6f1c", A_DAY) is True
