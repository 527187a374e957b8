"""A worker's own Prometheus metrics, served on WORKER_METRICS_PORT: jobs run by outcome, their durations, Redis errors."""
from __future__ import annotations

from typing import Protocol

from prometheus_client import (CollectorRegistry, Counter, Histogram, ProcessCollector, disable_created_metrics,
                               start_http_server)

from genes.job import Job, JobStatus

OUTCOMES = ("complete", "failed", "cancelled", "skipped")
disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` sample beside each counter: the page stays the size of what is counted
# A job reads its range and draws a plot: ~0.05 s for a month, ~0.3 s for every year, more when busy.
JOB_DURATION_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def outcome_of(job: Job | None) -> str:
    """complete, cancelled (while it ran) or failed as the attempt ended (a timed-out attempt is failed, even
    with attempts left); skipped when it was not runnable (JobRunner.run's None)."""
    if job is None:
        return "skipped"
    if job.status is JobStatus.COMPLETE:
        return "complete"
    return "cancelled" if job.status is JobStatus.CANCELLED else "failed"


class JobMetrics(Protocol):
    def job_ran(self, job: Job | None, seconds: float) -> None: ...

    def redis_error(self) -> None: ...


class WorkerMetrics:
    """The worker's metrics, in a registry of their own (with the process's CPU and memory)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._runs = Counter("hgnc_jobs_run", "Jobs this worker took, by how they ended", ["outcome"],
                             registry=self.registry)
        for outcome in OUTCOMES:  # each is there from the start, at 0, so that a rate() sees its first one
            self._runs.labels(outcome)
        self._durations = Histogram("hgnc_job_duration_seconds", "Time to run a job that was run (complete or failed)",
                                    buckets=JOB_DURATION_BUCKETS, registry=self.registry)
        self._redis_errors = Counter("hgnc_worker_redis_errors", "Times this worker found Redis unavailable",
                                     registry=self.registry)
        ProcessCollector(registry=self.registry)

    def job_ran(self, job: Job | None, seconds: float) -> None:
        outcome = outcome_of(job)
        self._runs.labels(outcome).inc()
        if outcome != "skipped":
            self._durations.observe(seconds)

    def redis_error(self) -> None:
        self._redis_errors.inc()

    def serve(self, port: int) -> None:
        """Answer GET /metrics on `port` (all interfaces), from a daemon thread."""
        start_http_server(port, registry=self.registry)


class NoMetrics:
    """A worker with WORKER_METRICS_PORT unset: nothing counted."""

    def job_ran(self, job: Job | None, seconds: float) -> None:
        pass

    def redis_error(self) -> None:
        pass
