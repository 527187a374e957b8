"""Watching the service: the operator's use cases (the API's side)."""
from __future__ import annotations

from genes.monitoring import QueueOverview, WorkerInfo
from genes.ports import JobRepository, QueueMonitor


class MonitoringService:
    def __init__(self, jobs: JobRepository, queue: QueueMonitor) -> None:
        self._jobs = jobs
        self._queue = queue

    def overview(self) -> QueueOverview:
        return QueueOverview(self._queue.counts(), self._jobs.count_by_status())

    def workers(self) -> list[WorkerInfo]:
        return self._queue.workers()
