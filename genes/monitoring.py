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
