"""Use cases of jobs: submit, look up, cancel, read results (the API's side)."""
from __future__ import annotations

from datetime import timedelta

from genes.analysis import JobResults
from genes.errors import JobNotFound, ResultsNotReady
from genes.job import Job, JobParameters, JobStatus
from genes.ports import JobRepository, ResultRepository


class JobService:
    def __init__(self, jobs: JobRepository, results: ResultRepository, keep_for: timedelta | None = None) -> None:
        """`keep_for`: how long a job, its results and plot are kept once it has ended; None: for ever."""
        self._jobs = jobs
        self._results = results
        self._keep_for = keep_for

    def submit(self, parameters: JobParameters, idempotency_key: str | None = None) -> Job:
        """Save the job and queue its id in one step; a key sent before answers its first job instead."""
        return self._jobs.submit(Job.submit(parameters, self._keep_for, idempotency_key))

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    def ids(self, status: JobStatus | None = None, offset: int = 0, limit: int | None = None) -> list[str]:
        return self._jobs.ids(status, offset, limit)

    def cancel(self, job_id: str) -> Job:
        """Cancel a job that has not ended (a worker running it stops its attempt); raises InvalidJobTransition
        once it has ended."""
        return self._jobs.update(job_id, Job.cancel)

    def results(self, job_id: str) -> JobResults:
        results = self._results.get(self._results_id(job_id))
        if results is None:  # complete is only ever set after the results are saved
            raise ResultsNotReady(job_id, JobStatus.COMPLETE.value, "its results are missing")
        return results

    def plot(self, job_id: str) -> bytes:
        plot = self._results.plot(self._results_id(job_id))
        if plot is None:
            raise ResultsNotReady(job_id, JobStatus.COMPLETE.value, "its plot is missing")
        return plot

    def _results_id(self, job_id: str) -> str:
        """The id of a complete job's results (jobs completed before results were shared: its own id)."""
        job = self.get(job_id)
        if job.status is not JobStatus.COMPLETE:
            raise ResultsNotReady(job_id, job.status.value, job.error)
        return job.results_id or job.id
