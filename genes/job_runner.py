"""Running one job: the worker's use case."""
from __future__ import annotations

import logging
import time

from genes.analysis import analyse
from genes.errors import GeneDataNotLoaded, InvalidJobTransition, JobNotFound
from genes.job import Job, JobStatus
from genes.ports import GeneRepository, JobRepository, PlotRenderer, ResultRepository

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(
        self,
        jobs: JobRepository,
        genes: GeneRepository,
        results: ResultRepository,
        plots: PlotRenderer,
    ) -> None:
        self._jobs = jobs
        self._genes = genes
        self._results = results
        self._plots = plots

    def run(self, job_id: str) -> Job | None:
        """Run the job to `complete`, or mark it `failed` with the reason; never raises for one job.

        Returns the job as it ended, or None when it was not runnable (unknown, cancelled,
        already finished by another worker): such an id is skipped.
        """
        try:
            job = self._jobs.update(job_id, Job.start)
        except (JobNotFound, InvalidJobTransition) as skipped:
            log.info("skipping job %s: %s", job_id, skipped)
            return None
        started = time.perf_counter()
        try:
            summaries = self._genes.summaries()
            if not summaries:
                raise GeneDataNotLoaded()
            results = analyse(summaries, job.parameters)
            self._results.save(job_id, results, self._plots.render(results))
        except Exception as error:  # one job's failure must never stop the worker
            log.exception("job %s failed", job_id)
            return self._finish(job_id, lambda j: j.fail(_reason(error)))
        finished = self._finish(job_id, Job.complete)
        log.info("job %s %s in %.3f s", job_id, finished.status.value if finished else "lost", time.perf_counter() - started)
        return finished

    def _finish(self, job_id: str, change) -> Job | None:
        try:
            return self._jobs.update(job_id, change)
        except (JobNotFound, InvalidJobTransition) as lost:  # another worker finished it first
            log.warning("job %s not finished here: %s", job_id, lost)
            return None


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__
