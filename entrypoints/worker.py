"""The worker: `python -m entrypoints.worker` takes job ids off the queue and runs each job."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from dependency_injector.wiring import Provide, inject

from adapters.hotqueue_job_queue import HotQueueJobConsumer
from entrypoints.configuration import REDIS_ACCESS_DENIED, ConfigurationError, access_denied_reason, check_configuration
from entrypoints.containers import TRANSIENT_REDIS_ERRORS, Container
from genes.job_runner import JobRunner

MAX_BACKOFF_SECONDS = 10.0
log = logging.getLogger("worker")


class Worker:
    """Runs jobs until asked to stop: a stop lets the current job finish, then gives back the rest."""

    def __init__(self, consumer: HotQueueJobConsumer, runner: JobRunner) -> None:
        self._consumer = consumer
        self._runner = runner
        self._stopping = threading.Event()

    def stop(self, *_: object) -> None:
        log.info("stopping after the current job")
        self._stopping.set()

    def run(self) -> None:
        backoff = 0.0
        keeper = threading.Thread(target=self._keep_lease, name="lease", daemon=True)
        while not self._stopping.is_set():
            try:
                self._consumer.heartbeat()
                if keeper.ident is None:  # not `is_alive()`: a stop ends the keeper, and a thread starts once
                    keeper.start()
                if backoff:  # the job held then goes round again: the next take gives it back first
                    log.info("Redis is back")
                    backoff = 0.0
                # Returns after a second with an empty queue, so that a stop request is seen promptly.
                self._consumer.work(self._run_one, idle_timeout=1)
            except _Stopping:
                break
            except REDIS_ACCESS_DENIED as error:  # waiting does not mend a wrong password
                raise ConfigurationError(access_denied_reason(error)) from None
            except TRANSIENT_REDIS_ERRORS as error:
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.25)
                log.warning("Redis unavailable (%s): retrying in %.2f s", error, backoff)
                self._stopping.wait(backoff)
        self._resign()

    def _run_one(self, job_id: str) -> None:
        if self._stopping.is_set():
            raise _Stopping()  # the id stays in flight, and resigning gives it back
        self._runner.run(job_id)

    def _keep_lease(self) -> None:
        """Beat four times a lease, and recover the jobs of workers whose lease has run out."""
        interval = self._consumer.lease_seconds / 4
        while not self._stopping.wait(interval):
            try:
                self._consumer.heartbeat()
                self._consumer.sweep_dead_workers()
            except TRANSIENT_REDIS_ERRORS as error:
                log.warning("lease not renewed: %s", error)
            except Exception:  # e.g. READONLY or OOM from Redis: the keeper must outlive any one beat
                log.exception("lease not renewed")

    def _resign(self) -> None:
        try:
            self._consumer.resign()
        except TRANSIENT_REDIS_ERRORS as error:  # the lease expires by itself and a sweep recovers the rest
            log.warning("could not resign cleanly: %s", error)
        log.info("worker %s stopped", self._consumer.worker_id)


class _Stopping(Exception):
    """Leaves HotQueue's worker loop, which otherwise runs until the queue is empty."""


@inject
def main(
    consumer: HotQueueJobConsumer = Provide[Container.job_consumer],
    runner: JobRunner = Provide[Container.job_runner],
) -> None:
    worker = Worker(consumer, runner)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    log.info("worker %s watching %s (lease %s s)", consumer.worker_id, consumer.key, consumer.lease_seconds)
    worker.run()


if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    container = Container()
    check_configuration(container, log, api=False)
    container.wire(modules=[__name__])
    try:
        main()
    except ConfigurationError as error:
        log.critical("worker stopped, configuration error: %s", error)
        sys.exit(os.EX_CONFIG)
