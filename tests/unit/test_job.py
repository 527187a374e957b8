"""A job's status only moves forward: every allowed transition, and every refused one."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from genes.errors import InvalidJobTransition
from genes.job import Job, JobParameters, JobStatus

AT = datetime(2024, 5, 17, 9, 30, tzinfo=timezone.utc)
LATER = datetime(2024, 5, 17, 9, 31, tzinfo=timezone.utc)
TRANSITIONS = {
    "start": lambda job: job.start(at=LATER),
    "complete": lambda job: job.complete(at=LATER),
    "fail": lambda job: job.fail("the gene store vanished", at=LATER),
    "cancel": lambda job: job.cancel(at=LATER),
    "retry": lambda job: job.retry("timed out after 600 s"),
}
ALLOWED = {
    (JobStatus.SUBMITTED, "start"): JobStatus.IN_PROGRESS,
    (JobStatus.IN_PROGRESS, "start"): JobStatus.IN_PROGRESS,  # its previous worker died
    (JobStatus.IN_PROGRESS, "complete"): JobStatus.COMPLETE,
    (JobStatus.SUBMITTED, "fail"): JobStatus.FAILED,
    (JobStatus.IN_PROGRESS, "fail"): JobStatus.FAILED,
    (JobStatus.SUBMITTED, "cancel"): JobStatus.CANCELLED,
    (JobStatus.IN_PROGRESS, "cancel"): JobStatus.CANCELLED,  # its worker stops the attempt
    (JobStatus.IN_PROGRESS, "retry"): JobStatus.IN_PROGRESS,  # its attempt timed out
}
REFUSED = [(status, name) for status in JobStatus for name in TRANSITIONS if (status, name) not in ALLOWED]


def job_in(status: JobStatus) -> Job:
    return Job(id="6f1c-job", parameters=JobParameters(date(2000, 1, 1), date(2005, 12, 31)),
               status=status, submitted_at=AT)


def test_a_submitted_job_has_a_fresh_id_and_no_attempt_yet() -> None:
    parameters = JobParameters(date(2000, 1, 1), date(2005, 12, 31), "pseudogene")

    first, second = Job.submit(parameters), Job.submit(parameters)

    assert first.id != second.id
    assert first.status is JobStatus.SUBMITTED
    assert first.parameters == parameters
    assert first.attempts == 0
    assert first.submitted_at.tzinfo is not None
    assert (first.started_at, first.finished_at, first.error) == (None, None, None)


@pytest.mark.parametrize(("status", "name"), list(ALLOWED), ids=lambda v: getattr(v, "value", v))
def test_an_allowed_transition_gives_a_new_job_in_the_next_status(status: JobStatus, name: str) -> None:
    before = job_in(status)

    after = TRANSITIONS[name](before)

    assert after.status is ALLOWED[(status, name)]
    assert before.status is status  # jobs are values: the old one is unchanged
    assert after.id == before.id and after.submitted_at == AT


@pytest.mark.parametrize(("status", "name"), REFUSED, ids=lambda v: getattr(v, "value", v))
def test_a_refused_transition_raises_and_names_the_current_status(status: JobStatus, name: str) -> None:
    with pytest.raises(InvalidJobTransition) as refused:
        TRANSITIONS[name](job_in(status))

    assert refused.value.job_status == status.value
    assert status.value in str(refused.value)


def test_every_status_and_transition_pair_is_either_allowed_or_refused() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(JobStatus) * len(TRANSITIONS)


def test_starting_stamps_the_time_and_counts_the_attempt() -> None:
    started = job_in(JobStatus.SUBMITTED).start(at=LATER)

    assert (started.started_at, started.attempts) == (LATER, 1)
    assert started.start(at=LATER).attempts == 2


def test_completing_stamps_the_finish_time() -> None:
    complete = job_in(JobStatus.SUBMITTED).start(at=AT).complete(at=LATER)

    assert (complete.started_at, complete.finished_at, complete.error) == (AT, LATER, None)


def test_failing_keeps_the_reason_and_stamps_the_finish_time() -> None:
    failed = job_in(JobStatus.IN_PROGRESS).fail("no gene data is loaded", at=LATER)

    assert (failed.error, failed.finished_at) == ("no gene data is loaded", LATER)


def test_cancelling_stamps_the_finish_time() -> None:
    assert job_in(JobStatus.SUBMITTED).cancel(at=LATER).finished_at == LATER


def test_a_transition_without_a_time_is_stamped_now_in_utc() -> None:
    started = job_in(JobStatus.SUBMITTED).start()

    assert started.started_at is not None and started.started_at.utcoffset().total_seconds() == 0
    assert started.started_at >= AT


def test_only_complete_failed_and_cancelled_are_final() -> None:
    assert {status for status in JobStatus if status.is_final} == {
        JobStatus.COMPLETE, JobStatus.FAILED, JobStatus.CANCELLED}


def test_statuses_are_the_strings_users_see() -> None:
    assert [status.value for status in JobStatus] == ["submitted", "in progress", "complete", "failed", "cancelled"]
    assert JobStatus("in progress") == "in progress"


def test_an_ended_job_given_a_retention_expires_that_long_after_it_ended() -> None:
    ended = job_in(JobStatus.IN_PROGRESS).complete(at=LATER)

    kept = ended.with_retention(timedelta(days=7))

    assert kept.expires_at == LATER + timedelta(days=7) and kept.keep_for == timedelta(days=7)


@pytest.mark.parametrize("status", [JobStatus.SUBMITTED, JobStatus.IN_PROGRESS])
def test_an_unfinished_job_given_a_retention_expires_that_long_after_it_ends(status: JobStatus) -> None:
    kept = job_in(status).with_retention(timedelta(days=7))

    assert kept.keep_for == timedelta(days=7) and kept.expires_at is None
    ended = kept.cancel(at=LATER) if status is JobStatus.SUBMITTED else kept.complete(at=LATER)
    assert ended.expires_at == LATER + timedelta(days=7)


def test_a_job_that_has_a_retention_keeps_it() -> None:
    ended = replace(job_in(JobStatus.SUBMITTED), keep_for=timedelta(hours=1)).cancel(at=LATER)

    assert ended.with_retention(timedelta(days=7)) == ended


def test_a_running_job_cancelled_is_finished_at_the_cancel_and_keeps_its_attempts() -> None:
    running = job_in(JobStatus.SUBMITTED).start(at=AT)

    cancelled = running.cancel(at=LATER)

    assert (cancelled.status, cancelled.finished_at, cancelled.attempts) == (JobStatus.CANCELLED, LATER, 1)
    assert cancelled.expires_at is None or cancelled.expires_at > LATER


def test_an_attempt_that_timed_out_leaves_the_job_running_with_the_reason_until_it_completes() -> None:
    retried = job_in(JobStatus.SUBMITTED).start(at=AT).retry("timed out after 0.5 s (attempt 1 of 3)")

    assert (retried.status, retried.error, retried.finished_at) == (
        JobStatus.IN_PROGRESS, "timed out after 0.5 s (attempt 1 of 3)", None)
    again = retried.start(at=LATER)
    assert again.attempts == 2 and again.error == retried.error
    assert again.complete(at=LATER).error is None
