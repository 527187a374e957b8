"""What an operator watches: the queue, the jobs by status, and the live workers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from genes.job import JobStatus


@dataclass(frozen=True)
class QueueCounts:
    queued: int  # ids waiting for a worker
    in_flight: int  # ids taken by a worker and not yet acknowledged
    dead_letters: int  # messages that were not job ids, set aside
    workers: int  # workers holding a live lease


@dataclass(frozen=True)
class QueueOverview:
    queue: QueueCounts
    jobs: dict[JobStatus, int]  # every status, zeros included


@dataclass(frozen=True)
class WorkerInfo:
    id: str
    host: str
    pid: int
    started_at: datetime
    last_seen: datetime  # its last heartbeat
    current_job: str | None
    jobs_done: int
    job_timeout_seconds: float | None = None  # its JOB_TIMEOUT_SECONDS (None: a worker of an earlier version)
    current_job_started_at: datetime | None = None  # when it took the job it runs now
    current_job_seconds: float | None = None  # how long it has run that job, when read

    def is_past_time_limit(self, grace_seconds: float) -> bool:
        """Whether its job has run longer than the time limit and `grace_seconds` more: the time limit
        failed to stop it, so the worker is wedged."""
        if self.current_job_seconds is None or self.job_timeout_seconds is None:
            return False
        return self.current_job_seconds > self.job_timeout_seconds + grace_seconds
