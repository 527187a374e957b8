"""`python -m tests.e2e.reliability.stuck_worker`: a real worker whose analysis never returns for STUCK jobs.

The container's `analysis` is overridden with a test double that blocks for good in a C call (a lock
no one sets) when a job starts on STUCK_FROM, and analyses any other job as the service does.
With STUCK_WORKER_WEDGED=1 its `sandbox` runs the analysis on the worker's own main thread too, so that
nothing can stop it: the worker is wedged while its lease's thread beats on.
"""
from __future__ import annotations

import os
import sys
import threading
from datetime import date
from typing import Callable, Iterable, Sequence

from dependency_injector import providers

from entrypoints import worker
from entrypoints.containers import Container
from genes.analysis import JobResults, analyse
from genes.gene import GeneSummary
from genes.job import JobParameters

STUCK_FROM = date(1901, 2, 3)
STUCK = JobParameters(STUCK_FROM, date(2099, 12, 31))


def stuck_analysis(genes: Iterable[GeneSummary], parameters: JobParameters) -> JobResults:
    if parameters.start_date == STUCK_FROM:
        threading.Event().wait()  # an event no one sets: a lock acquired in C, without a timeout
    return analyse(genes, parameters)


class OnTheMainThread:
    """A sandbox that runs the work where it is called: no process to kill, no limit kept."""

    def run(self, work: Callable[[], Sequence[bytes]], seconds: float, keep_going: Callable[[], bool]) -> list[bytes]:
        return list(work())


if __name__ == "__main__":
    Container.analysis.override(providers.Object(stuck_analysis))
    if os.environ.get("STUCK_WORKER_WEDGED") == "1":
        Container.sandbox.override(providers.Object(OnTheMainThread()))
    sys.exit(worker.run(sys.argv[1:]))
