"""The one-time upgrade of a store written before jobs had a retention: its jobs expire too, as they end."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from genes.errors import JobNotFound
from genes.job import JobStatus
from genes.ports import JobRepository

BATCH_SIZE = 500  # jobs read in one round trip
# Those not ended first: one that ends during the walk is met again among the ended, with its retention.
WALKED = tuple(sorted(JobStatus, key=lambda status: status.is_final))
log = logging.getLogger(__name__)


def _never() -> bool:
    return False


class RetentionUpgrade:
    def __init__(self, jobs: JobRepository, keep_for: timedelta | None, batch_size: int = BATCH_SIZE) -> None:
        """`keep_for`: the retention of jobs now (JOB_TTL_SECONDS); None: jobs are kept for ever."""
        self._jobs = jobs
        self._keep_for = keep_for
        self._batch_size = batch_size

    def run(self, stopping: Callable[[], bool] = _never) -> int:
        """Give every job stored before retention the one it would have had: an ended job expires
        `keep_for` after it ended (at once when that is past), a queued or running one `keep_for` after
        it ends. Then note the store as upgraded; how many jobs it met.

        Done once per store. Without a retention nothing changes, and the upgrade waits for a run with
        one. Safe to repeat, and to run in several workers at once: a job is changed by compare-and-set,
        and one that has its retention is left as it is. `stopping`, asked between batches, leaves the
        rest to the next run.
        """
        keep_for = self._keep_for
        if keep_for is None or self._jobs.is_retention_upgraded():
            return 0
        met = 0
        for status in WALKED:
            for batch in self._jobs.stored_before_retention(status, self._batch_size):
                if stopping():
                    log.info("upgrade stopped after %d jobs stored before retention; the next start goes on", met)
                    return met
                for job in batch:
                    try:
                        self._jobs.update(job.id, lambda current: current.with_retention(keep_for))
                    except JobNotFound:  # expired since, given its expiry by another worker
                        pass
                met += len(batch)
        self._jobs.count_by_status()  # the listings forget the jobs whose expiry is past, now rather than at a read
        self._jobs.mark_retention_upgraded()
        log.info("%d jobs stored before retention now expire %.0f s after they end", met, keep_for.total_seconds())
        return met
