"""Running one job: the worker's use case."""
from __future__ import annotations

import logging
import time
from typing import Callable

from genes.analysis import analyse
from genes.errors import GeneDataNotLoaded, InvalidJobTransition, JobNotFound, StoreAccessDenied, StoreUnavailable
from genes.job import Job, JobStatus
from genes.ports import GeneRepository, JobRepository, PlotRenderer, ResultRepository

DEFAULT_MAX_ATTEMPTS = 3
log = logging.getLogger(__name__)


class JobRunner:
    def __init__(
        self,
        jobs: JobRepository,
        genes: GeneRepository,
        results: ResultRepository,
        plots: PlotRenderer,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._jobs = jobs
        self._genes = genes
        self._results = results
        self._plots = plots
        self._max_attempts = max_attempts

    def run(self, job_id: str) -> Job | None:
        """Run the job to `complete`, or mark it `failed` with the reason.

        Returns the job as it ended, or None when it was not runnable (unknown, cancelled,
        already finished by another worker): such an id is skipped. Raises StoreUnavailable.
        """
        try:
            job = self._jobs.update(job_id, self._start_or_give_up)
        except (JobNotFound, InvalidJobTransition) as skipped:
            log.info("skipping job %s: %s", job_id, skipped)
            return None
        if job.status is JobStatus.FAILED:
            log.error("job %s: %s", job_id, job.error)
            return job
        started = time.perf_counter()
        try:
            set_id = self._genes.loaded_set_id()
            if set_id is None:
                raise GeneDataNotLoaded()
            parameters = job.parameters
            results_id = parameters.results_id(set_id)
            # Results of the same parameters on the same set, computed earlier, are answered again.
            reused = self._results.claim(results_id, job.keep_for)
            if not reused:
                in_range = self._genes.summaries_approved_between(parameters.start_date, parameters.end_date, set_id)
                results = analyse(in_range, parameters)
                self._results.save(results_id, results, self._plots.render(results), job.keep_for)
        except (StoreUnavailable, StoreAccessDenied):  # never "this job is bad": it stays in progress, for a retry
            raise
        except Exception as error:  # one job's failure must never stop the worker
            log.exception("job %s failed", job_id)
            reason = _reason(error)
            return self._finish(job_id, lambda current: current.fail(reason))
        finished = self._finish(job_id, lambda current: current.complete(results_id, reused))
        log.info("job %s ended %s in %.3f s%s", job_id, finished.status.value if finished else "elsewhere",
                 time.perf_counter() - started, ", with the results computed before" if reused else "")
        return finished

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
