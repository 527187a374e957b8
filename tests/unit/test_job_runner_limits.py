"""JobRunner's limits: an attempt that times out is run again then fails, a cancel stops the attempt,
and a job identical to one being computed waits for its results instead of computing them too."""
from __future__ import annotations

import threading
import time
from datetime import date
from typing import Callable, Sequence

from genes.errors import JobTimedOut
from genes.job import JobStatus, ReleaseDiffParameters
from tests.unit.job_fakes import (
    FAKE_PNG, LATE_EIGHTIES_RESULTS, FakeGeneRepository, FakeReleaseRegistry, InProcessSandbox,
)
from tests.unit.test_job_runner import LATE_EIGHTIES, Setup

RESULTS_ID = LATE_EIGHTIES.results_id("set-1")


class TimingOutSandbox(InProcessSandbox):
    """What ForkedSandbox does with work that never returns: it raises once its seconds have passed."""

    def run(self, work: Callable[[], Sequence[bytes]], seconds: float, keep_going: Callable[[], bool]) -> list[bytes]:
        self.runs += 1
        raise JobTimedOut(seconds)


class CancellingSandbox(InProcessSandbox):
    """The job is cancelled (as the API does) once its analysis runs; the sandbox then stops it."""

    cancel: Callable[[], object] = staticmethod(lambda: None)

    def run(self, work: Callable[[], Sequence[bytes]], seconds: float, keep_going: Callable[[], bool]) -> list[bytes]:
        self.cancel()
        return super().run(work, seconds, keep_going)


def test_an_attempt_that_times_out_leaves_the_job_in_progress_with_the_reason_for_another_attempt() -> None:
    setup = Setup(sandbox=TimingOutSandbox(), max_attempts=3, timeout_seconds=0.5)
    job = setup.submitted()

    after = setup.runner.run(job.id)

    assert after is not None and after.status is JobStatus.IN_PROGRESS and after.attempts == 1
    assert after.error == "timed out after 0.5 s (attempt 1 of 3): to be run again"
    assert setup.results.saved == {} and setup.results.reserved == {}  # nothing kept, the reservation let go


def test_the_last_attempt_allowed_that_times_out_fails_the_job_with_the_reason() -> None:
    setup = Setup(sandbox=TimingOutSandbox(), max_attempts=2, timeout_seconds=0.5)
    job = setup.submitted()

    first, last = setup.runner.run(job.id), setup.runner.run(job.id)

    assert first is not None and first.status is JobStatus.IN_PROGRESS
    assert last is not None and last.status is JobStatus.FAILED and last.attempts == 2
    assert last.error == "timed out after 0.5 s (attempt 2 of 2)" and last.finished_at is not None
    assert setup.sandbox.runs == 2 and setup.results.saved == {} and setup.plots.rendered == []


def test_a_job_cancelled_while_its_analysis_runs_stays_cancelled_with_nothing_saved() -> None:
    sandbox = CancellingSandbox()
    setup = Setup(sandbox=sandbox)
    job = setup.submitted()
    sandbox.cancel = lambda: setup.jobs.update(job.id, lambda j: j.cancel())

    after = setup.runner.run(job.id)

    assert after is not None and after.status is JobStatus.CANCELLED and after.finished_at is not None
    assert setup.results.saved == {} and setup.results.reserved == {} and setup.plots.rendered == []


def test_a_job_identical_to_one_being_computed_waits_for_its_results_and_reuses_them() -> None:
    setup = Setup()
    first, second = setup.submitted(), setup.submitted()
    assert setup.results.reserve(RESULTS_ID, first.id, 5)  # the first computes them, on another worker

    def first_saves_its_results() -> None:
        setup.results.save(RESULTS_ID, LATE_EIGHTIES_RESULTS, FAKE_PNG, None)
        setup.results.release(RESULTS_ID, first.id)

    threading.Timer(0.3, first_saves_its_results).start()
    started = time.monotonic()
    after = setup.runner.run(second.id)

    assert time.monotonic() - started >= 0.3
    assert after is not None and after.status is JobStatus.COMPLETE and after.reused
    assert after.results_id == RESULTS_ID
    assert setup.sandbox.runs == 0 and setup.plots.rendered == []  # the second computed nothing


def test_a_job_whose_twin_gave_up_computing_computes_the_results_itself() -> None:
    setup = Setup()
    first, second = setup.submitted(), setup.submitted()
    assert setup.results.reserve(RESULTS_ID, first.id, 5)
    threading.Timer(0.2, lambda: setup.results.release(RESULTS_ID, first.id)).start()  # the first was cancelled

    after = setup.runner.run(second.id)

    assert after is not None and after.status is JobStatus.COMPLETE and not after.reused
    assert setup.sandbox.runs == 1 and setup.results.reserved == {}


def test_a_job_waiting_for_another_s_results_is_stopped_by_its_time_limit() -> None:
    setup = Setup(timeout_seconds=0.2, max_attempts=1)
    job = setup.submitted()
    setup.results.reserve(RESULTS_ID, "another-job", 5)

    after = setup.runner.run(job.id)

    assert after is not None and after.status is JobStatus.FAILED
    assert after.error == "timed out after 0.2 s (attempt 1 of 1)"


def test_the_reservation_is_let_go_when_the_analysis_fails() -> None:
    setup = Setup(analysis=lambda genes, parameters: 1 / 0)
    job = setup.submitted()

    after = setup.runner.run(job.id)

    assert after is not None and after.status is JobStatus.FAILED and after.error == "division by zero"
    assert setup.results.reserved == {} and setup.results.saved == {}


def test_an_attempt_stopped_because_another_worker_completed_the_job_ends_nothing_here() -> None:
    sandbox = CancellingSandbox()
    setup = Setup(sandbox=sandbox)
    job = setup.submitted()
    sandbox.cancel = lambda: setup.jobs.update(job.id, lambda j: j.complete(RESULTS_ID))  # it took the job over

    assert setup.runner.run(job.id) is None  # skipped, as a run that lost the race to complete it
    assert setup.jobs.get(job.id).status is JobStatus.COMPLETE and setup.results.saved == {}


def test_a_release_diff_meets_the_same_limits_timed_out_then_failed_or_cancelled_while_it_runs() -> None:
    july, october = date(2024, 7, 23), date(2024, 10, 18)
    sets = {f"set-{day.isoformat()}": ([{"hgnc_id": "HGNC:5", "symbol": "A1BG"}], None) for day in (july, october)}
    releases = FakeReleaseRegistry(october, july)
    timing_out = Setup(sandbox=TimingOutSandbox(), gene_repository=FakeGeneRepository(sets=sets), releases=releases,
                       max_attempts=2, timeout_seconds=0.5)
    diff = timing_out.submitted(ReleaseDiffParameters(july, october))

    first, last = timing_out.runner.run(diff.id), timing_out.runner.run(diff.id)

    assert first is not None and first.status is JobStatus.IN_PROGRESS
    assert last is not None and last.status is JobStatus.FAILED and last.error == "timed out after 0.5 s (attempt 2 of 2)"
    sandbox = CancellingSandbox()
    cancelled = Setup(sandbox=sandbox, gene_repository=FakeGeneRepository(sets=sets), releases=releases)
    job = cancelled.submitted(ReleaseDiffParameters(july, october))
    sandbox.cancel = lambda: cancelled.jobs.update(job.id, lambda current: current.cancel())

    ended = cancelled.runner.run(job.id)

    assert ended is not None and ended.status is JobStatus.CANCELLED and cancelled.results.saved == {}
