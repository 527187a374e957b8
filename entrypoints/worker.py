"""The worker: `python -m entrypoints.worker` takes job ids off the queue and runs each job."""
from __future__ import annotations

import logging
import os
import signal
import sys

from dependency_injector.wiring import Provide, inject

from adapters.hotqueue_job_queue import HotQueueJobConsumer
from entrypoints.configuration import ConfigurationError, check_configuration
from entrypoints.containers import Container
from genes.errors import StoreAccessDenied, StoreUnavailable
from genes.job_runner import JobRunner

TAKE_TIMEOUT_SECONDS = 1  # how long a take waits for an id: a stop is seen within it
MAX_BACKOFF_SECONDS = 10.0
log = logging.getLogger("worker")


class Worker:
    """Runs queued jobs until asked to stop: a stop lets the current job finish, then gives back the rest."""

    def __init__(self, consumer: HotQueueJobConsumer, runner: JobRunner) -> None:
        self._consumer = consumer
        self._runner = runner

    def stop(self, *_: object) -> None:
        log.info("stopping after the current job")
        self._consumer.stopping.set()  # its next take answers None, which ends HotQueue's loop

    def work(self, burst: bool = False) -> None:
        """Take a job id, run the job, acknowledge the id; again until asked to stop (in a burst, until
        the queue is empty). The lease beats beside, on a thread of its own."""
        queue, lease = self._consumer, self._consumer.lease

        @queue.worker(block=not burst, timeout=TAKE_TIMEOUT_SECONDS)  # HotQueue's loop, until a take gets None
        def run_and_acknowledge(job_id: str) -> None:
            self._runner.run(job_id)
            queue.ack(job_id)  # only now: the id of a worker that dies mid-job stays in flight, for another

        backoff = 0.0
        with lease:  # on leaving, the ids still in flight go back to the queue and the lease ends
            while not queue.stopping.is_set():
                try:
                    lease.renew()
                    if backoff:
                        log.info("Redis is back")
                        backoff = 0.0
                    run_and_acknowledge()  # returns when a take gets nothing: the queue is empty, or a stop
                except StoreUnavailable as error:  # a job cut short stays in flight: the next take gives it back
                    backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.25)
                    log.warning("Redis unavailable (%s): retrying in %.2f s", error.__cause__ or error, backoff)
                    queue.stopping.wait(backoff)
                    continue
                if burst:
                    break
        log.info("worker %s stopped", queue.worker_id)


@inject
def main(
    consumer: HotQueueJobConsumer = Provide[Container.job_consumer],
    runner: JobRunner = Provide[Container.job_runner],
) -> None:
    worker = Worker(consumer, runner)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    log.info("worker %s watching %s (lease %s s)", consumer.worker_id, consumer.key, consumer.lease.seconds)
    try:
        worker.work()
    except StoreAccessDenied as error:  # not an outage: waiting does not mend a wrong password
        raise ConfigurationError(str(error)) from None


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
