"""The worker: `python -m entrypoints.worker` takes job ids off the queue and runs each job."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from dependency_injector.wiring import Provide, inject

from adapters.hotqueue_job_queue import HotQueueJobConsumer
from adapters.hotqueue_monitor import HotQueueMonitor
from entrypoints.containers import Container, build_container
from entrypoints.log_config import bind_worker_id, configure_logging, job_context
from entrypoints.settings import ConfigurationError, announce, settings_or_exit
from entrypoints.worker_metrics import JobMetrics, NoMetrics, WorkerMetrics
from genes.errors import StoreAccessDenied, StoreUnavailable
from genes.job import JobStatus
from genes.job_runner import JobRunner
from genes.retention_upgrade import RetentionUpgrade

TAKE_TIMEOUT_SECONDS = 1  # how long a take waits for an id: a stop is seen within it
MAX_BACKOFF_SECONDS = 10.0
PAUSE_STEP_SECONDS = 0.1  # how soon a stop asked during a backoff is seen
# A job is stopped within 5 s of its time limit: one running longer still means the worker is wedged.
WEDGED_AFTER_SECONDS = 5.0
log = logging.getLogger("worker")


class Worker:
    """Runs queued jobs until asked to stop: a stop lets the current job finish, then gives back the rest."""

    def __init__(self, consumer: HotQueueJobConsumer, runner: JobRunner, metrics: JobMetrics | None = None,
                 upgrade: RetentionUpgrade | None = None) -> None:
        """`upgrade`: the store's one-time upgrade, run before the first job."""
        self._consumer = consumer
        self._runner = runner
        self._metrics = metrics or NoMetrics()
        self._upgrade = upgrade

    def stop(self, *_: object) -> None:
        """The SIGTERM / SIGINT handler. It runs on the main thread, so that thread never waits on
        `stopping` (only reads it): an Event set by a handler that interrupted a wait() on that same
        Event deadlocks on the Event's own lock (the `signal` module's warning)."""
        log.info("stopping after the current job")
        self._consumer.stopping.set()  # its next take answers None, which ends HotQueue's loop

    def work(self, burst: bool = False) -> None:
        """Take a job id, run the job, acknowledge the id; again until asked to stop (in a burst, until
        the queue is empty). The lease beats beside, on a thread of its own."""
        queue, lease = self._consumer, self._consumer.lease

        @queue.worker(block=not burst, timeout=TAKE_TIMEOUT_SECONDS)  # HotQueue's loop, until a take gets None
        def run_and_acknowledge(job_id: str) -> None:
            started = time.perf_counter()
            try:
                lease.job_started(job_id)  # in the try: an outage here must not leave the job marked as running
                with job_context(job_id):  # every line logged meanwhile names the job
                    job = self._runner.run(job_id)
            finally:
                lease.job_ended()
            self._metrics.job_ran(job, time.perf_counter() - started)
            if job is not None and job.status is JobStatus.IN_PROGRESS:  # timed out, with attempts left
                queue.retry(job_id)
            else:
                queue.ack(job_id)  # only now: the id of a worker that dies mid-job stays in flight, for another

        backoff = 0.0
        with lease:  # on leaving, the ids still in flight go back to the queue and the lease ends
            while not queue.stopping.is_set():
                try:
                    lease.renew()
                    if backoff:
                        log.info("Redis is back")
                        backoff = 0.0
                    self._upgrade_store()
                    run_and_acknowledge()  # returns when a take gets nothing: the queue is empty, or a stop
                except StoreUnavailable as error:  # a job cut short stays in flight: the next take gives it back
                    self._metrics.redis_error()
                    backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.25)
                    log.warning("Redis unavailable (%s): retrying in %.2f s", error.__cause__ or error, backoff)
                    self._pause(backoff)
                    continue
                if burst:
                    break
        log.info("worker %s stopped", queue.worker_id)

    def _upgrade_store(self) -> None:
        """Run the upgrade until it has run once: in the loop, so that an outage meets the same backoff."""
        if self._upgrade is not None:
            self._upgrade.run(stopping=self._consumer.stopping.is_set)
            self._upgrade = None

    def _pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less once a stop is asked (see `stop`: no Event.wait on this thread)."""
        deadline = time.monotonic() + seconds
        while not self._consumer.stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, PAUSE_STEP_SECONDS))


@inject
def main(
    consumer: HotQueueJobConsumer = Provide[Container.job_consumer],
    runner: JobRunner = Provide[Container.job_runner],
    metrics_port: int | None = Provide[Container.config.worker_metrics_port],
    worker_file: Path = Provide[Container.worker_file],
    upgrade: RetentionUpgrade = Provide[Container.retention_upgrade],
) -> None:
    bind_worker_id(consumer.worker_id)
    metrics: JobMetrics = NoMetrics()
    if metrics_port:
        served = WorkerMetrics()
        served.serve(metrics_port)
        metrics = served
    worker = Worker(consumer, runner, metrics, upgrade)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    log.info("worker %s watching %s (lease %s s%s)", consumer.worker_id, consumer.key, consumer.lease.seconds,
             f", metrics on port {metrics_port}" if metrics_port else "")
    _write_worker_file(worker_file, consumer.worker_id)
    try:
        worker.work()
    except StoreAccessDenied as error:  # not an outage: waiting does not mend a wrong password
        raise ConfigurationError(str(error)) from None
    finally:
        worker_file.unlink(missing_ok=True)


def _write_worker_file(path: Path, worker_id: str) -> None:
    """Say which worker runs here, for `--check` run in the same container (or pod)."""
    try:
        path.write_text(json.dumps({"worker_id": worker_id, "pid": os.getpid()}))
    except OSError as error:
        log.error("cannot write %s (%s): --check will fail for this worker", path, error)


@inject
def check(
    worker_file: Path = Provide[Container.worker_file],
    monitor: HotQueueMonitor = Provide[Container.queue_monitor],
) -> tuple[bool, str]:
    """Whether the worker of this container (or pod) holds a live lease and is not stuck in a job past
    its time limit, and why (not)."""
    try:
        state = json.loads(worker_file.read_text())
        worker_id, pid = str(state["worker_id"]), int(state["pid"])
    except FileNotFoundError:
        return False, f"no worker runs here: {worker_file} is missing"
    except (OSError, ValueError, KeyError, TypeError) as error:
        return False, f"{worker_file} cannot be read: {error}"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False, f"worker {worker_id} (pid {pid}) has exited"
    except PermissionError:  # alive, under another user
        pass
    try:
        worker = monitor.worker(worker_id)
    except (StoreUnavailable, StoreAccessDenied) as error:
        return False, f"Redis does not answer: {error.__cause__ or error}"
    except ValueError as error:  # a lease this version cannot read
        return False, f"the lease of worker {worker_id} cannot be read: {error}"
    if worker is None:
        return False, f"the lease of worker {worker_id} (pid {pid}) has expired"
    if worker.is_past_time_limit(WEDGED_AFTER_SECONDS):
        return False, (f"worker {worker_id} (pid {pid}) has run job {worker.current_job} for "
                       f"{worker.current_job_seconds:.0f} s, past its time limit of {worker.job_timeout_seconds:g} s: "
                       "it is wedged")
    return True, f"worker {worker_id} (pid {pid}) holds a live lease"


def run(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m entrypoints.worker", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="exit 0 if the worker of this container holds a live lease, 1 otherwise (a health check)")
    options = parser.parse_args(arguments)
    settings = settings_or_exit()
    container = build_container(settings)
    container.wire(modules=[__name__])
    if options.check:
        healthy, reason = check()
        print(reason)
        return 0 if healthy else 1
    configure_logging(settings.log_level, settings.log_format)
    announce(settings, log, api=False)
    try:
        main()
    except ConfigurationError as error:
        log.critical("worker stopped, configuration error: %s", error)
        return os.EX_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
