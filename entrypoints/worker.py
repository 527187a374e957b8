"""The worker: `python -m entrypoints.worker` takes job ids off the queue and runs each job."""
from __future__ import annotations

import logging
import os
import signal
import threading

from dependency_injector.wiring import Provide, inject

from adapters.hotqueue_job_queue import HotQueueJobQueue
from entrypoints.containers import Container
from genes.job_runner import JobRunner

log = logging.getLogger("worker")


class Worker:
    """Runs jobs until asked to stop; a stop request lets the current job finish first."""

    def __init__(self, queue: HotQueueJobQueue, runner: JobRunner) -> None:
        self._queue = queue
        self._runner = runner
        self._stopping = threading.Event()

    def stop(self, *_: object) -> None:
        log.info("stopping after the current job")
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            # Returns after a second with an empty queue, so that a stop request is seen promptly.
            try:
                self._queue.work(self._run_one, idle_timeout=1)
            except _Stopping:
                return

    def _run_one(self, job_id: str) -> None:
        if self._stopping.is_set():
            self._queue.return_to_front(job_id)
            raise _Stopping()
        self._runner.run(job_id)


class _Stopping(Exception):
    """Leaves HotQueue's worker loop, which otherwise runs until the queue is empty."""


@inject
def main(
    queue: HotQueueJobQueue = Provide[Container.job_queue],
    runner: JobRunner = Provide[Container.job_runner],
) -> None:
    worker = Worker(queue, runner)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    log.info("worker %d watching queue %s", os.getpid(), queue.key)
    worker.run()


if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    Container().wire(modules=[__name__])
    main()
