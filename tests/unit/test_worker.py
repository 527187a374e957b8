"""The worker handling jobs in-process: the real container on fakeredis, the real queue, runner and plot."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import redis

from adapters.hgnc_source import HgncFileSource
from entrypoints.containers import Container
from entrypoints.worker import Worker
from genes.job import Job, JobParameters, JobStatus

SAMPLE = Path(__file__).parent.parent / "fixtures" / "hgnc_sample.tsv"
# Of the 13 sample genes, 7 were approved from 1986 to 1991: 4 protein-coding, one each of the others.
LATE_EIGHTIES = JobParameters(date(1986, 1, 1), date(1991, 12, 31))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@contextmanager
def running_worker(container: Container) -> Iterator[threading.Thread]:
    worker = Worker(container.job_consumer(), container.job_runner())
    thread = threading.Thread(target=worker.run, name="worker", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        worker.stop()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the worker did not stop within 5 s"


def wait_for(container: Container, job_id: str, done: Callable[[Job], bool] = lambda j: j.status.is_final,
             timeout: float = 10) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = container.job_service().get(job_id)
        if done(job):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} is still {job.status.value} after {timeout} s")


def load_sample(container: Container) -> None:
    container.gene_service().load(HgncFileSource(SAMPLE))


def test_the_worker_takes_a_queued_job_and_completes_it_with_results_and_plot(container: Container) -> None:
    load_sample(container)
    service = container.job_service()
    job = service.submit(LATE_EIGHTIES)

    with running_worker(container):
        finished = wait_for(container, job.id)

    assert finished.status is JobStatus.COMPLETE and finished.attempts == 1
    results = service.results(job.id)
    assert results["total"] == 7
    assert results["by_year"] == {"1986": 2, "1989": 2, "1990": 1, "1991": 2}
    assert results["by_locus_group"] == {"protein-coding gene": 4, "non-coding RNA": 1, "pseudogene": 1, "other": 1}
    assert results["by_chromosome"] == {"12": 2, "17": 1, "19": 2, "X": 1, "MT": 1}
    assert service.plot(job.id).startswith(PNG_MAGIC)
    assert len(container.job_queue()) == 0


def test_a_failed_job_does_not_stop_the_worker_which_completes_the_next(container: Container) -> None:
    service = container.job_service()
    doomed = service.submit(LATE_EIGHTIES)  # no gene data is loaded yet

    with running_worker(container) as worker:
        failed = wait_for(container, doomed.id)
        load_sample(container)
        later = service.submit(JobParameters(date(1986, 1, 1), date(1991, 12, 31), "protein-coding gene"))
        complete = wait_for(container, later.id)
        assert worker.is_alive()

    assert failed.status is JobStatus.FAILED
    assert failed.error == "no gene data is loaded: POST /data first"
    assert complete.status is JobStatus.COMPLETE
    assert service.results(later.id)["total"] == 4


def test_the_worker_skips_a_cancelled_job_and_runs_the_one_after(container: Container) -> None:
    load_sample(container)
    service = container.job_service()
    cancelled = service.submit(LATE_EIGHTIES)
    service.cancel(cancelled.id)
    after = service.submit(LATE_EIGHTIES)

    with running_worker(container):
        wait_for(container, after.id)

    assert service.get(cancelled.id).status is JobStatus.CANCELLED
    assert service.get(cancelled.id).attempts == 0
    assert service.get(after.id).status is JobStatus.COMPLETE


class FlakyLeaseConsumer:
    """A consumer whose Redis refuses the first heartbeat with a non-connection error (e.g. READONLY)."""

    lease_seconds = 0.04
    worker_id = "flaky"

    def __init__(self) -> None:
        self.beats = 0

    def heartbeat(self) -> None:
        self.beats += 1
        if self.beats == 1:
            raise redis.ResponseError("READONLY You can't write against a read only replica.")

    def sweep_dead_workers(self) -> int:
        return 0


def test_the_lease_keeper_outlives_a_redis_error_that_is_not_a_lost_connection() -> None:
    consumer = FlakyLeaseConsumer()
    worker = Worker(consumer, runner=None)  # the keeper never runs a job
    keeper = threading.Thread(target=worker._keep_lease, daemon=True)
    keeper.start()
    deadline = time.monotonic() + 5
    while consumer.beats < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    keeper.join(timeout=1)

    assert consumer.beats >= 3, "the keeper stopped beating after the first error"
