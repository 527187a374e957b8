"""The worker handling jobs in-process: the real container on fakeredis, the real queue, runner and plot."""
from __future__ import annotations

import logging
import signal
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterator

import pytest

from adapters.hgnc_source import HgncFileSource
from entrypoints.containers import Container
from entrypoints.worker import Worker
from tests.unit.test_job_routes import queued
from genes.errors import StoreUnavailable
from genes.job import Job, JobParameters, JobStatus
from genes.job_runner import JobRunner
from genes.retention_upgrade import RetentionUpgrade
from tests.jobs_before_retention import ended_days_ago, store_as_021f1ac
from tests.support import eventually

SAMPLE = Path(__file__).parent.parent / "fixtures" / "hgnc_sample.tsv"
# Of the 13 sample genes, 7 were approved from 1986 to 1991: 4 protein-coding, one each of the others.
LATE_EIGHTIES = JobParameters(date(1986, 1, 1), date(1991, 12, 31))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@contextmanager
def running_worker(container: Container) -> Iterator[threading.Thread]:
    worker = Worker(container.job_consumer(), container.job_runner())
    thread = threading.Thread(target=worker.work, name="worker", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        worker.stop()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the worker did not stop within 5 s"


def ended(container: Container, job_id: str, timeout: float = 10) -> Job:
    """The job once it has ended, read through the service (these tests run the worker in-process)."""
    return eventually(lambda: (job := container.job_service().get(job_id)).status.is_final and job, timeout,
                      f"job {job_id} ended")


def load_sample(container: Container) -> None:
    container.gene_service().load(HgncFileSource(SAMPLE))


def test_the_worker_takes_a_queued_job_and_completes_it_with_results_and_plot(container: Container) -> None:
    load_sample(container)
    service = container.job_service()
    job = service.submit(LATE_EIGHTIES)

    with running_worker(container):
        finished = ended(container, job.id)

    assert finished.status is JobStatus.COMPLETE and finished.attempts == 1
    results = service.results(job.id)
    assert results.total == 7
    assert results.by_year == {"1986": 2, "1989": 2, "1990": 1, "1991": 2}
    assert results.by_locus_group == {"protein-coding gene": 4, "non-coding RNA": 1, "pseudogene": 1, "other": 1}
    assert results.by_chromosome == {"12": 2, "17": 1, "19": 2, "X": 1, "MT": 1}
    assert service.plot(job.id).startswith(PNG_MAGIC)
    assert queued(container) == 0


def test_a_failed_job_does_not_stop_the_worker_which_completes_the_next(container: Container) -> None:
    service = container.job_service()
    doomed = service.submit(LATE_EIGHTIES)  # no gene data is loaded yet

    with running_worker(container) as worker:
        failed = ended(container, doomed.id)
        load_sample(container)
        later = service.submit(JobParameters(date(1986, 1, 1), date(1991, 12, 31), "protein-coding gene"))
        complete = ended(container, later.id)
        assert worker.is_alive()

    assert failed.status is JobStatus.FAILED
    assert failed.error == "no gene data is loaded: POST /data first"
    assert complete.status is JobStatus.COMPLETE
    assert service.results(later.id).total == 4


def test_the_worker_skips_a_cancelled_job_and_runs_the_one_after(container: Container) -> None:
    load_sample(container)
    service = container.job_service()
    cancelled = service.submit(LATE_EIGHTIES)
    service.cancel(cancelled.id)
    after = service.submit(LATE_EIGHTIES)

    with running_worker(container):
        ended(container, after.id)

    assert service.get(cancelled.id).status is JobStatus.CANCELLED
    assert service.get(cancelled.id).attempts == 0
    assert service.get(after.id).status is JobStatus.COMPLETE


class StoreDownOnce:
    """A runner whose store goes away during its first job (after starting it), then is back."""

    def __init__(self, runner: JobRunner) -> None:
        self._runner = runner
        self.calls = 0

    def run(self, job_id: str) -> Job | None:
        self.calls += 1
        if self.calls == 1:
            raise StoreUnavailable("the data store is unavailable; retry shortly")
        return self._runner.run(job_id)


def test_a_store_outage_mid_job_is_waited_out_and_the_job_it_cut_short_is_taken_again(
        container: Container, caplog: pytest.LogCaptureFixture) -> None:
    load_sample(container)
    job = container.job_service().submit(LATE_EIGHTIES)
    runner = StoreDownOnce(container.job_runner())
    worker = Worker(container.job_consumer(), runner)
    thread = threading.Thread(target=worker.work, daemon=True)

    with caplog.at_level(logging.INFO, logger="worker"):
        thread.start()
        finished = ended(container, job.id)
        worker.stop()
        thread.join(timeout=5)

    assert finished.status is JobStatus.COMPLETE and runner.calls == 2
    assert "Redis unavailable" in caplog.text and "Redis is back" in caplog.text


def test_a_burst_runs_what_is_queued_then_returns_holding_nothing(container: Container) -> None:
    load_sample(container)
    service = container.job_service()
    jobs = [service.submit(LATE_EIGHTIES) for _ in range(3)]
    consumer = container.job_consumer()

    Worker(consumer, container.job_runner()).work(burst=True)

    assert [service.get(job.id).status for job in jobs] == [JobStatus.COMPLETE] * 3
    queue_redis = container.queue_redis()
    assert queue_redis.keys("*") == [], "nothing queued or in flight, and the lease is gone"



class UpgradeCutShortOnce:
    """The store's upgrade, whose store goes away the first time it runs."""

    def __init__(self, upgrade: RetentionUpgrade) -> None:
        self._upgrade = upgrade
        self.calls = 0

    def run(self, stopping: Callable[[], bool]) -> int:
        self.calls += 1
        if self.calls == 1:
            raise StoreUnavailable("the data store is unavailable; retry shortly")
        return self._upgrade.run(stopping)


def test_a_starting_worker_gives_jobs_ended_before_retention_their_expiry_an_outage_waited_out(
        container: Container) -> None:
    load_sample(container)
    old = store_as_021f1ac(container.jobs_redis(), container.results_redis(), ended_days_ago(1))
    job = container.job_service().submit(LATE_EIGHTIES)
    upgrade = UpgradeCutShortOnce(container.retention_upgrade())

    Worker(container.job_consumer(), container.job_runner(), upgrade=upgrade).work(burst=True)  # type: ignore[arg-type]

    assert upgrade.calls == 2
    assert container.job_service().get(old.id).expires_at == old.finished_at + timedelta(days=7)  # type: ignore[operator]
    assert container.job_service().get(job.id).status is JobStatus.COMPLETE


class StoreAlwaysDown:
    def __call__(self) -> None:
        raise StoreUnavailable("the data store is unavailable; retry shortly")


class NotWaitedOnByTheMainThread(threading.Event):
    """SIGTERM's handler runs on the main thread and sets `stopping`: if that thread was inside
    `stopping.wait()` holding the Event's lock, the handler's set() waits for it for ever (make run
    hung so, about one stop in ten)."""

    def wait(self, timeout: float | None = None) -> bool:
        assert threading.current_thread() is not threading.main_thread(), \
            "the main thread waits on the Event its signal handler sets: a deadlock waiting to happen"
        return super().wait(timeout)


def test_a_stop_signal_ends_a_backoff_promptly_and_the_main_thread_never_waits_on_what_it_sets(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = container.job_consumer()
    consumer.stopping = NotWaitedOnByTheMainThread()
    monkeypatch.setattr(consumer.lease, "renew", StoreAlwaysDown())  # Redis unavailable at every beat
    worker = Worker(consumer, container.job_runner())
    previous = signal.signal(signal.SIGALRM, worker.stop)  # as main() installs it for SIGTERM
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # the worker is then waiting out a backoff
        started = time.monotonic()
        worker.work()  # on this, the main thread
        assert 0.5 <= time.monotonic() - started < 5  # Redis down, nothing but the stop would end it
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
