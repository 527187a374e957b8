"""Use cases of jobs: submit, look up, cancel, read results (the API's side)."""
from __future__ import annotations

from datetime import date, timedelta

from genes.errors import JobNotFound, ResultsNotReady, UnknownRelease, UnknownReleases
from genes.job import Job, JobStatus, Parameters, ReleaseDiffParameters
from genes.ports import JobRepository, ReleaseRegistry, ResultRepository
from genes.results import Results


class JobService:
    def __init__(self, jobs: JobRepository, results: ResultRepository, releases: ReleaseRegistry,
                 keep_for: timedelta | None = None) -> None:
        """`keep_for`: how long a job, its results and plot are kept once it has ended; None: for ever."""
        self._jobs = jobs
        self._results = results
        self._releases = releases
        self._keep_for = keep_for

    def submit(self, parameters: Parameters, idempotency_key: str | None = None) -> Job:
        """Save the job and queue its id in one step; a key sent before answers its first job instead.

        An analysis reads the release it asks for, else the live one now (none while nothing is loaded:
        it reads the live one when it runs). Raises UnknownRelease for a release that is not held."""
        release = None
        if isinstance(parameters, ReleaseDiffParameters):
            self._require_held(parameters.from_release, parameters.to_release)
        elif parameters.release is None:
            release = self._releases.live_release()
        else:
            self._require_held(parameters.release)
            release = parameters.release
        return self._jobs.submit(Job.submit(parameters, self._keep_for, idempotency_key, release))

    def _require_held(self, *releases: date) -> None:
        held = [release.date for release in self._releases.held()]
        missing = [release.isoformat() for release in releases if release not in held]
        listed = [release.isoformat() for release in held]
        if len(missing) > 1:
            raise UnknownReleases(missing, listed)
        if missing:
            raise UnknownRelease(missing[0], listed)

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

    def results(self, job_id: str) -> Results:
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
