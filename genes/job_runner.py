"""Running one job: the worker's use case."""
from __future__ import annotations

import logging
import time
from typing import Callable, Iterable, Sequence

from datetime import date

from genes.analysis import JobResults, analyse
from genes.errors import (
    GeneDataNotLoaded, InvalidJobTransition, JobCancelled, JobNotFound, JobTimedOut, StoreAccessDenied,
    StoreUnavailable,
)
from genes.gene import GeneSummary
from genes.job import Job, JobParameters, JobStatus, ReleaseDiffParameters
from genes.ports import GeneRepository, JobRepository, PlotRenderer, ReleaseRegistry, ResultRepository, Sandbox
from genes.release_diff import ReleaseContent, diff_releases
from genes.releases import Release
from genes.results import decode, encode

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_TIMEOUT_SECONDS = 600.0
# A job computing results holds their reservation this long unless it renews it (a few times a second):
# if its worker dies, a job with the same parameters waits about this long before computing them itself.
RESERVATION_SECONDS = 5.0
WAIT_SECONDS = 0.05  # how often a job waiting for another's results looks for them
log = logging.getLogger(__name__)

Analysis = Callable[[Iterable[GeneSummary], JobParameters], JobResults]
Work = Callable[[], Sequence[bytes]]  # what runs in the sandbox: the results encoded, then the plot


class JobRunner:
    def __init__(
        self,
        jobs: JobRepository,
        genes: GeneRepository,
        results: ResultRepository,
        plots: PlotRenderer,
        sandbox: Sandbox,
        releases: ReleaseRegistry,
        analysis: Analysis = analyse,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        """`sandbox`: where the analysis and the plot run, stopped at `timeout_seconds` or on a cancel;
        `releases`: where the set of the release a job reads is found."""
        self._jobs = jobs
        self._genes = genes
        self._results = results
        self._plots = plots
        self._sandbox = sandbox
        self._releases = releases
        self._analysis = analysis
        self._max_attempts = max_attempts
        self._timeout = timeout_seconds

    def run(self, job_id: str) -> Job | None:
        """Run the job to `complete`, or mark it `failed` with the reason.

        Returns the job as it ended, or None when it was not runnable (unknown, cancelled,
        already finished by another worker): such an id is skipped. A job returned `in progress`
        timed out and has attempts left: it is to be queued again. Raises StoreUnavailable.
        """
        try:
            job = self._jobs.update(job_id, self._start_or_give_up)
        except (JobNotFound, InvalidJobTransition) as skipped:
            log.info("skipping job %s: %s", job_id, skipped)
            return None
        if job.status is JobStatus.FAILED:
            log.error("job %s: %s", job_id, job.error)
            return job
        started = time.monotonic()
        try:
            results_id, prepare = self._work_of(job)
            reused = self._results_of(job, results_id, prepare, started + self._timeout)
        except (StoreUnavailable, StoreAccessDenied):  # never "this job is bad": it stays in progress, for a retry
            raise
        except JobCancelled:  # or ended by another worker, that took it over when this one seemed dead
            current = self._jobs.get(job_id)
            if current is None or current.status is not JobStatus.CANCELLED:
                log.warning("job %s ended elsewhere: its attempt here is stopped", job_id)
                return None
            log.info("job %s cancelled while it ran: its attempt is stopped", job_id)
            return current
        except JobTimedOut:
            return self._after_timeout(job)
        except Exception as error:  # one job's failure must never stop the worker
            log.exception("job %s failed", job_id)
            reason = _reason(error)
            return self._finish(job_id, lambda current: current.fail(reason))
        finished = self._finish(job_id, lambda current: current.complete(results_id, reused))
        log.info("job %s ended %s in %.3f s%s", job_id, finished.status.value if finished else "elsewhere",
                 time.monotonic() - started, ", with the results computed before" if reused else "")
        return finished

    def _work_of(self, job: Job) -> tuple[str, Callable[[], Work]]:
        """The id of the job's results, and what prepares their computation (reading in this process
        what it needs) when they are not stored yet. Raises GeneDataNotLoaded, UnknownRelease."""
        parameters, genes, plots = job.parameters, self._genes, self._plots
        if isinstance(parameters, ReleaseDiffParameters):
            old, new = self._held(parameters.from_release), self._held(parameters.to_release)

            def diff() -> Sequence[bytes]:  # in the sandbox: the records are read there, and let go with it
                changes = diff_releases(
                    ReleaseContent(old.date, genes.records_of(old.set_id), genes.fields_of(old.set_id)),
                    ReleaseContent(new.date, genes.records_of(new.set_id), genes.fields_of(new.set_id)))
                return [encode(changes), plots.render_release_diff(changes)]
            return parameters.results_id(old.set_id, new.set_id), lambda: diff

        set_id = self._held(job.release).set_id if job.release is not None else genes.loaded_set_id()
        if set_id is None:
            raise GeneDataNotLoaded()
        analysis = self._analysis

        def prepare() -> Work:
            in_range = genes.summaries_approved_between(parameters.start_date, parameters.end_date, set_id)

            def work() -> Sequence[bytes]:  # in the sandbox: only bytes come back
                results = analysis(in_range, parameters)
                return [encode(results), plots.render(results)]
            return work
        return parameters.results_id(set_id), prepare

    def _held(self, release: date) -> Release:
        held = self._releases.resolve(release)
        if held is None:
            raise GeneDataNotLoaded()
        return held

    def _results_of(self, job: Job, results_id: str, prepare: Callable[[], Work], deadline: float) -> bool:
        """Make sure the results exist: found (True: reused), or computed here (False). While another job
        with the same parameters computes them, wait for them (or for its reservation to lapse)."""
        while True:
            # Results of the same parameters on the same set, computed earlier, are answered again.
            if self._results.claim(results_id, job.keep_for):
                return True
            if self._results.reserve(results_id, job.id, RESERVATION_SECONDS):
                try:
                    self._compute(job, results_id, prepare(), deadline)
                finally:
                    self._results.release(results_id, job.id)
                return False
            if time.monotonic() >= deadline:
                raise JobTimedOut(self._timeout)
            if not self._is_running(job.id):
                raise JobCancelled()
            time.sleep(WAIT_SECONDS)

    def _compute(self, job: Job, results_id: str, work: Work, deadline: float) -> None:
        def keep_going() -> bool:
            self._results.reserve(results_id, job.id, RESERVATION_SECONDS)
            return self._is_running(job.id)

        try:
            encoded, plot = self._sandbox.run(work, deadline - time.monotonic(), keep_going)
        except JobTimedOut:
            raise JobTimedOut(self._timeout) from None
        self._results.save(results_id, decode(encoded), plot, job.keep_for)

    def _is_running(self, job_id: str) -> bool:
        """Whether the job is still in progress: a cancel ends it, and its attempt stops."""
        job = self._jobs.get(job_id)
        return job is not None and job.status is JobStatus.IN_PROGRESS

    def _after_timeout(self, job: Job) -> Job | None:
        """A timed-out attempt fails the job once it was the last allowed; else the job runs again."""
        reason = f"{JobTimedOut(self._timeout)} (attempt {job.attempts} of {self._max_attempts})"
        log.error("job %s %s", job.id, reason)
        if job.attempts >= self._max_attempts:
            return self._finish(job.id, lambda current: current.fail(reason))
        return self._finish(job.id, lambda current: current.retry(f"{reason}: to be run again"))

    def _start_or_give_up(self, job: Job) -> Job:
        """Start the job, unless its earlier attempts all ended with their worker gone."""
        if job.attempts >= self._max_attempts:
            return job.fail(f"gave up after {job.attempts} attempts: the worker running it stopped each time")
        return job.start()

    def _finish(self, job_id: str, change: Callable[[Job], Job]) -> Job | None:
        try:
            return self._jobs.update(job_id, change)
        except (JobNotFound, InvalidJobTransition) as lost:  # another worker finished it first
            log.warning("job %s not finished here: %s", job_id, lost)
            return None


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__
