"""A deployment under test: one persistent redis-server holding the HGNC set, real workers, real APIs.

The test process looks at Redis through the service's own adapters and key functions, so that a
test reads the state exactly as the API and the workers see it.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import signal
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterable

import redis
from hotqueue import key_for_name

from adapters.hotqueue_job_queue import QUEUE_NAME, HotQueueJobQueue, Lease, heartbeat_key, inflight_key
from adapters.redis_job_repository import RedisJobRepository, job_key, status_key
from adapters.redis_result_repository import plot_key, results_key
from entrypoints.containers import Container
from genes.analysis import JobResults, analyse
from genes.job import Job, JobParameters, JobStatus
from tests.conftest import StartProcess
from tests.support import RedisServer, ServiceProcess, eventually

LEASE_SECONDS = 2.0  # JOB_LEASE_SECONDS of every worker started here: a dead worker's job is back in ~2 s
MAX_ATTEMPTS = 3
QUEUE_KEY = key_for_name(QUEUE_NAME)
# One job: a few milliseconds of counting, the rest is reading the set and drawing the plot.
A_MONTH = JobParameters(date(2020, 1, 1), date(2020, 1, 31))
# The longest job there is: every year, so the biggest plot (~0.3 s): a worker is easy to catch in it.
ALL_YEARS = JobParameters(date(1900, 1, 1), date(2099, 12, 31))
JOB_SECONDS = 2.0  # a generous bound on one job's run time (~0.2 s alone) on a busy, shared CI machine

_WATCHING = re.compile(r"worker (\S+) watching ")


class Store:
    """The service's Redis: a redis-server with an append-only file, so that it can be restarted."""

    def __init__(self, server: RedisServer, hgnc_source: Path) -> None:
        self.server = server
        self.running = True
        self.container = Container()
        self.container.config.redis.host.from_value(server.host)
        self.container.config.redis.port.from_value(server.port)
        self.container.config.hgnc_source.from_value(str(hgnc_source))
        self.jobs = self.container.job_repository()
        self.results = self.container.result_repository()
        self.genes = self.container.gene_repository()
        self.job_service = self.container.job_service()
        self.genes_redis: redis.Redis = self.container.genes_redis()
        self.queue_redis: redis.Redis = self.container.queue_redis()
        self.jobs_redis: redis.Redis = self.container.jobs_redis()
        self.results_redis: redis.Redis = self.container.results_redis()

    @property
    def env(self) -> dict[str, str]:
        return {"REDIS_HOST": self.server.host, "REDIS_PORT": str(self.server.port)}

    def load_genes(self) -> int:
        return self.container.gene_service().load().count

    def stop(self) -> None:
        """SIGTERM, as `docker stop` does: Redis writes its append-only file out and exits."""
        self.server.stop()
        self.running = False

    def start(self) -> None:
        self.server.start()
        self.running = True

    def forget_jobs(self) -> None:
        """Empty the queue, the jobs and the results; the genes stay."""
        for client in (self.queue_redis, self.jobs_redis, self.results_redis):
            client.flushdb()

    def close(self) -> None:
        self.container.reset_singletons()

    # -- jobs ---------------------------------------------------------------------------------

    def submit(self, parameters: JobParameters = A_MONTH, count: int = 1) -> list[str]:
        """Submit as the API does: save the job and queue its id."""
        return [self.job_service.submit(parameters).id for _ in range(count)]

    def submit_distinct(self, parameters: JobParameters = A_MONTH, count: int = 1) -> list[str]:
        """Jobs like `parameters`, each ending a day after the one before: each is computed, none
        completes at once with another's results, so that a worker can be caught running one."""
        return [self.submit(replace(parameters, end_date=parameters.end_date + timedelta(days=n)))[0]
                for n in range(count)]

    def save_unqueued(self, parameters: JobParameters = A_MONTH) -> str:
        """A job saved and its id not queued yet: submitted onto a queue no worker watches, then dropped."""
        parking = HotQueueJobQueue(self.queue_redis, name="parked")
        job = RedisJobRepository(self.jobs_redis, parking, self.results).submit(Job.submit(parameters))
        self.queue_redis.delete(parking.key)
        return job.id

    def job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        assert job is not None, f"job {job_id} is gone"
        return job

    def eventually_all_complete(self, job_ids: Iterable[str], timeout: float) -> None:
        ids = list(job_ids)
        eventually(self.all_in(ids, JobStatus.COMPLETE), timeout, f"all {len(ids)} jobs complete", interval=0.1)

    def all_in(self, job_ids: Iterable[str], status: JobStatus) -> Callable[[], bool]:
        ids = list(job_ids)
        return lambda: all(self.job(job_id).status is status for job_id in ids)

    # -- the queue ----------------------------------------------------------------------------

    def queued(self) -> list[str]:
        return [json.loads(raw) for raw in self.queue_redis.lrange(QUEUE_KEY, 0, -1)]

    def in_flight(self) -> dict[str, list[str]]:
        """Every worker's in-flight ids, by worker id (workers with an empty list are absent)."""
        prefix = inflight_key(QUEUE_KEY, "")
        # A list found by the scan may be emptied (acknowledged) before it is read: such a worker is absent too.
        lists = {key.decode()[len(prefix):]: self.queue_redis.lrange(key, 0, -1)
                 for key in self.queue_redis.scan_iter(match=f"{prefix}*")}
        return {worker_id: [json.loads(raw) for raw in ids] for worker_id, ids in lists.items() if ids}

    def takers_waiting(self) -> int:
        """Clients blocked in BLMOVE on the queue: an id pushed now goes to one even if its process is frozen."""
        return sum(1 for client in self.queue_redis.client_list()
                   if client.get("cmd") == "blmove" and "b" in client.get("flags", ""))

    def is_alive(self, worker_id: str) -> bool:
        return bool(self.queue_redis.exists(heartbeat_key(QUEUE_KEY, worker_id)))

    def put(self, job_id: str) -> None:
        self.container.job_queue().put(job_id)

    def hand_to_dying_worker(self, job_id: str, worker_id: str) -> Lease:
        """Leave Redis as a worker leaves it when it is killed holding `job_id`: the id in its in-flight
        list, and the last beat of its lease, whose key expires `key_lifetime` from now; that lease."""
        lease = Lease(self.queue_redis, QUEUE_KEY, worker_id, LEASE_SECONDS)
        lease.renew()
        self.queue_redis.rpush(inflight_key(QUEUE_KEY, worker_id), json.dumps(job_id))
        return lease

    # -- results ------------------------------------------------------------------------------

    def results_of(self, job_id: str) -> tuple[dict | None, bytes | None]:
        """The results and plot a job answers; (None, None) while it has none."""
        results_id = self.job(job_id).results_id
        return (self.results.get(results_id), self.results.plot(results_id)) if results_id else (None, None)

    def result_keys(self) -> list[str]:
        return sorted(key.decode() for key in self.results_redis.scan_iter(count=1000))

    def expected_results(self, parameters: JobParameters) -> JobResults:
        """The analysis computed here, in the test process, from the stored set."""
        return analyse(self.genes.summaries(), parameters)

    def assert_complete_exactly_once(self, job_ids: list[str], logs: Iterable[str] = ()) -> None:
        """Each job complete, in no other status set, naming its results key and plot key, and no
        other key stored (results are overwritten, never copied), holding the right analysis;
        nothing left queued or in flight; and at most one worker ever logged completing it."""
        jobs = [self.job(job_id) for job_id in job_ids]
        assert Counter(job.status.value for job in jobs) == {"complete": len(jobs)}
        assert all(job.error is None and job.finished_at is not None for job in jobs)
        for status in JobStatus:
            members = {m.decode() for m in self.jobs_redis.zrange(status_key(status), 0, -1)}
            expected = set(job_ids) if status is JobStatus.COMPLETE else set()
            assert members & set(job_ids) == expected, f"ids in the {status.value} set"
        keys = set(self.result_keys())
        used = {job.results_id for job in jobs}
        assert None not in used, "a complete job names its results"
        assert {results_key(r) for r in used} | {plot_key(r) for r in used} <= keys
        every_used = {self.job(i).results_id for i in self.jobs.ids()} - {None}  # and no other key: no copy
        assert keys <= {results_key(r) for r in every_used} | {plot_key(r) for r in every_used}
        expected = {}
        for job in jobs:  # one analysis per distinct parameters: each is checked against its own
            if job.parameters not in expected:
                expected[job.parameters] = self.expected_results(job.parameters)
            results, plot = self.results_of(job.id)
            assert results == expected[job.parameters]
            assert plot.startswith(b"\x89PNG")
        assert self.queued() == []
        assert self.in_flight() == {}
        completions = Counter(re.findall(r"job (\S+) ended complete", "\n".join(logs)))
        assert max(completions.values(), default=0) <= 1, completions.most_common(3)


class WorkerProcess:
    """A real `python -m entrypoints.worker`, and the signals a test sends it."""

    def __init__(self, process: ServiceProcess, store: Store) -> None:
        self.process = process
        self._store = store
        self.worker_id = ""

    def wait_until_watching(self) -> WorkerProcess:
        def watching() -> bool:
            found = _WATCHING.search(self.log())
            self.worker_id = found.group(1) if found else ""
            return bool(found) and self._store.is_alive(self.worker_id)

        self.process.wait_until(watching)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.process.log_path.read_text(errors="replace")

    def in_flight(self) -> list[str]:
        return self._store.in_flight().get(self.worker_id, [])

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process.is_running():
            os.kill(self.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is given back; the lease is all that is left."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.process.wait(5)

    def signal_stop(self) -> None:
        """SIGTERM, as `docker stop` sends; then SIGCONT, in case it is frozen."""
        os.kill(self.pid, signal.SIGTERM)
        os.kill(self.pid, signal.SIGCONT)

    def terminate(self, timeout: float = 10) -> tuple[int, float]:
        """Stop it with SIGTERM; its exit code and how long it took to exit."""
        started = time.monotonic()
        self.signal_stop()
        code = self.process.process.wait(timeout)
        return code, time.monotonic() - started


class Workers:
    """Starts real workers on the store (lease LEASE_SECONDS); each ready once its heartbeat is in Redis."""

    def __init__(self, store: Store, start_process: StartProcess) -> None:
        self._store = store
        self._start_process = start_process
        self.started: list[WorkerProcess] = []

    def start(self, module: str = "entrypoints.worker", **env: str) -> WorkerProcess:
        [worker] = self.start_many(1, module, **env)
        return worker

    def start_many(self, count: int, module: str = "entrypoints.worker", **env: str) -> list[WorkerProcess]:
        """Start `count` workers side by side (a worker takes ~1.5 s to import), then wait for each.
        `module`: one that runs a worker with a provider overridden, e.g. tests.e2e.reliability.stuck_worker."""
        settings = {**self._store.env, "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
                    "JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS), "LOG_LEVEL": "INFO", **env}
        batch = []
        for _ in range(count):
            process = self._start_process(["python", "-m", module], env=settings,
                                          name=f"worker {len(self.started)}")
            batch.append(WorkerProcess(process, self._store))
            self.started.append(batch[-1])
        return [worker.wait_until_watching() for worker in batch]

    def logs(self) -> list[str]:
        return [worker.log() for worker in self.started]

    def stop_all(self) -> None:
        """SIGTERM (and SIGCONT, for the frozen) to every worker still running, all at once; then wait."""
        running = [worker for worker in self.started if worker.process.is_running()]
        for worker in running:
            worker.signal_stop()
        for worker in running:
            worker.process.stop()  # waits for the exit; SIGKILL if it lingers


def hand_to_frozen_worker(store: Store, worker: WorkerProcess, job_id: str, timeout: float = 10) -> None:
    """Freeze `worker` while it waits in BLMOVE, then queue `job_id`: Redis moves the id into the
    frozen worker's in-flight list, so that it has taken the job and cannot start it.

    Only `worker` may be running. If its BLMOVE timed out between the check and the push, the id
    is still queued: take it back, let the worker wait again, and retry.
    """

    def handed() -> bool:
        eventually(lambda: store.takers_waiting() == 1, timeout, "the worker waits in BLMOVE", interval=0.005)
        worker.freeze()
        store.put(job_id)
        if worker.in_flight() == [job_id]:
            return True
        assert store.queue_redis.lrem(QUEUE_KEY, 1, json.dumps(job_id)) == 1, "the id vanished"
        worker.thaw()
        return False

    eventually(handed, timeout, f"{job_id} handed to a frozen worker", interval=0)


def freeze_while_running(store: Store, worker: WorkerProcess, job_id: str, attempt: int = 1, timeout: float = 10) -> bool:
    """Freeze `worker` (SIGSTOP) as soon as it has started `job_id` for the `attempt`-th time. True if
    it is frozen mid-job (the job in progress, its id in the worker's in-flight list); False if the
    job ended first (the worker is then thawed): callers retry with a new job.
    """
    started = [JobStatus.IN_PROGRESS.value.encode(), str(attempt).encode()]
    # Every 2 ms: a job runs for ~0.3 s; this catches it early, and leaves the CPU to it.
    eventually(lambda: store.jobs_redis.hmget(job_key(job_id), "status", "attempts") == started, timeout,
               f"{job_id} started its attempt {attempt}", interval=0.002)
    worker.freeze()
    job = store.job(job_id)
    if job.status is JobStatus.IN_PROGRESS and job.attempts == attempt and worker.in_flight() == [job_id]:
        return True
    worker.thaw()
    return False


_TRIES = itertools.count()


def freeze_in_a_new_job(store: Store, worker: WorkerProcess, tries: int = 5) -> str:
    """Submit a long job to `worker` (the only one running) and freeze it in the middle; the job's id."""
    for _ in range(tries):
        # A range of its own: a job repeating an earlier one's would complete at once with its results.
        every_year = replace(ALL_YEARS, start_date=ALL_YEARS.start_date + timedelta(days=next(_TRIES)))
        job_id = store.submit(every_year)[0]
        if freeze_while_running(store, worker, job_id):
            return job_id
    raise AssertionError(f"the worker finished each of {tries} jobs before it could be frozen in one")


def freeze_holding_a_running_job(store: Store, worker: WorkerProcess, timeout: float = 20) -> str:
    """Freeze `worker`, busy with queued jobs, at a moment when it is running one; that job's id."""

    def caught() -> str | None:
        running = [job_id for job_id in worker.in_flight() if store.job(job_id).status is JobStatus.IN_PROGRESS]
        return running[0] if running and freeze_while_running(store, worker, running[0]) else None

    return eventually(caught, timeout, "the worker caught frozen while running a job", interval=0.005)
