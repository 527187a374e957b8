"""Use cases of jobs: submit, look up, cancel, read results (the API's side)."""
from __future__ import annotations

from typing import Any

from genes.errors import JobNotFound, ResultsNotReady
from genes.job import Job, JobParameters, JobStatus
from genes.ports import JobQueue, JobRepository, ResultRepository


class JobService:
    def __init__(self, jobs: JobRepository, queue: JobQueue, results: ResultRepository) -> None:
        self._jobs = jobs
        self._queue = queue
        self._results = results

    def submit(self, parameters: JobParameters) -> Job:
        """Save the job, then queue its id: a worker never takes an id whose job is not saved."""
        job = Job.submit(parameters)
        self._jobs.add(job)
        self._queue.put(job.id)
        return job

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    def ids(self, status: JobStatus | None = None) -> list[str]:
        return self._jobs.ids(status)

    def cancel(self, job_id: str) -> Job:
        """Cancel a job no worker has started; raises InvalidJobTransition otherwise."""
        return self._jobs.update(job_id, Job.cancel)

    def results(self, job_id: str) -> dict[str, Any]:
        self._require_complete(job_id)
        results = self._results.get(job_id)
        if results is None:  # complete is only ever set after the results are saved
            raise ResultsNotReady(job_id, JobStatus.COMPLETE.value, "its results are missing")
        return results

    def plot(self, job_id: str) -> bytes:
        self._require_complete(job_id)
        plot = self._results.plot(job_id)
        if plot is None:
            raise ResultsNotReady(job_id, JobStatus.COMPLETE.value, "its plot is missing")
        return plot

    def _require_complete(self, job_id: str) -> None:
        job = self.get(job_id)
        if job.status is not JobStatus.COMPLETE:
            raise ResultsNotReady(job_id, job.status.value, job.error)
