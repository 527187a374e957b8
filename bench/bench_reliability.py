"""Load with a crash: 10,000 small jobs, 3 workers, one SIGKILLed mid-job halfway through and restarted.

    python -m bench.bench_reliability [--jobs 10000] [--workers 3] [--lease 5]     (from the repository root)

Starts its own redis-server on a free port (never the one on 6379), loads the full HGNC set,
submits every job through JobService (what POST /jobs runs), then starts the workers. When half
the jobs are complete it freezes worker 1 while it runs a job, SIGKILLs it, and starts a new
worker in its place. Once every job has ended it checks, and prints:
- every job `complete`, in the complete set only, none failed; nothing queued or in flight;
- attempts: 1 for every job but the one the killed worker held (2);
- one results key and one plot key per job, and no other key;
- every job's results equal to counts computed here from the data file with the csv module
  (total, by year, by locus group, by locus type), not by the service's reader;
- no job logged as completed twice across the workers' logs.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from datetime import date, timedelta
from typing import Callable

import redis
from hotqueue import key_for_name

from adapters.hotqueue_job_queue import QUEUE_NAME, heartbeat_key, inflight_key
from adapters.redis_job_repository import job_key, status_key
from adapters.redis_result_repository import plot_key, results_key
from bench.harness import DATA, OUT, REPO, cpu_seconds, redis_server
from entrypoints.containers import JOBS_DB, QUEUE_DB, RESULTS_DB, Container
from genes.job import JobParameters, JobStatus
from tests.support import ServiceProcess, eventually

QUEUE_KEY = key_for_name(QUEUE_NAME)
RUN_TIMEOUT_SECONDS = 3600
WATCHING = re.compile(r"worker (\S+) watching ")
COMPLETED = re.compile(r"job (\S+) ended complete ")


def small_job(n: int) -> JobParameters:
    """Four weeks of approvals; 60 different windows, so that many jobs share their parameters."""
    start = date(1990 + n % 30, 1 + n % 12, 1)
    return JobParameters(start, start + timedelta(days=27))


class Worker:
    """`python -m entrypoints.worker` with its log (INFO: one line per completed job) in bench/out."""

    def __init__(self, port: int, lease: float, name: str) -> None:
        OUT.mkdir(exist_ok=True)
        self.log_path = OUT / f"reliability-{name}.log"
        self.log_path.unlink(missing_ok=True)
        env = {**os.environ, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "JOB_LEASE_SECONDS": str(lease),
               "LOG_LEVEL": "INFO"}
        self.service = ServiceProcess(name, [sys.executable, "-m", "entrypoints.worker"], env, self.log_path, cwd=REPO)
        self.process = self.service.process
        self.worker_id = ""
        self.cpu = 0.0

    def note_cpu(self) -> None:
        """Its CPU seconds so far (user + system), read while it still exists."""
        if self.process.poll() is None:
            self.cpu = cpu_seconds(self.process.pid)

    def wait_until_watching(self, queue: redis.Redis) -> None:
        def watching() -> bool:
            found = WATCHING.search(self.log_path.read_text(errors="replace"))
            self.worker_id = found.group(1) if found else ""
            return bool(self.worker_id) and bool(queue.exists(heartbeat_key(QUEUE_KEY, self.worker_id)))
        self.service.wait_until(watching, timeout=60)

    def stop(self) -> None:
        self.service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--lease", type=float, default=5.0, help="JOB_LEASE_SECONDS of the workers")
    args = parser.parse_args()
    with redis_server() as store:
        port = store.connection_pool.connection_kwargs["port"]
        container = Container()
        container.config.redis.host.from_value("127.0.0.1")
        container.config.redis.port.from_value(port)
        container.config.hgnc_source.from_value(str(DATA))
        loaded = container.gene_service().load()
        print(f"redis-server on port {port}; loaded {loaded.count} genes from {DATA.name} in {loaded.seconds} s")
        clients = {db: redis.Redis(port=port, db=db) for db in (QUEUE_DB, JOBS_DB, RESULTS_DB)}
        submitting = time.perf_counter()
        service = container.job_service()
        job_ids = [service.submit(small_job(n)).id for n in range(args.jobs)]
        print(f"submitted {args.jobs} jobs in {time.perf_counter() - submitting:.1f} s; "
              f"starting {args.workers} workers (JOB_LEASE_SECONDS={args.lease:g})")
        workers = run(clients, port, args)
        check(clients, job_ids, workers)


def run(clients: dict[int, redis.Redis], port: int, args: argparse.Namespace) -> list[Worker]:
    queue, jobs = clients[QUEUE_DB], clients[JOBS_DB]
    complete = lambda: jobs.zcard(status_key(JobStatus.COMPLETE))  # noqa: E731
    workers = [Worker(port, args.lease, f"worker-{n + 1}") for n in range(args.workers)]
    try:
        for worker in workers:
            worker.wait_until_watching(queue)
        started = time.perf_counter()
        wait_for(lambda: complete() >= args.jobs // 2, "half the jobs complete", jobs, workers, started, args.jobs)
        victim = workers[0]
        held = freeze_in_a_job(victim, queue, jobs)
        victim.note_cpu()
        victim.process.kill()  # SIGKILL: no handler runs; its lease is all that is left
        victim.process.wait()
        killed_at, done_at_kill = time.perf_counter(), complete()
        print(f"  {killed_at - started:6.1f} s: SIGKILLed worker 1 ({victim.worker_id}) in job {held}, "
              f"with {done_at_kill} jobs complete; starting a new worker in its place")
        replacement = Worker(port, args.lease, "worker-1-restarted")
        workers.append(replacement)
        replacement.wait_until_watching(queue)
        wait_for(lambda: jobs.hget(job_key(held), "status") == b"complete", "the killed worker's job complete", jobs,
                 workers, started, args.jobs)
        print(f"  {time.perf_counter() - started:6.1f} s: the killed worker's job is complete, "
              f"{time.perf_counter() - killed_at:.1f} s after the kill")
        wait_for(lambda: complete() + jobs.zcard(status_key(JobStatus.FAILED)) >= args.jobs, "every job ended", jobs,
                 workers, started, args.jobs)
        seconds = time.perf_counter() - started
        for worker in workers[1:]:
            worker.note_cpu()
        cpu = sum(worker.cpu for worker in workers)
        print(f"\n{args.jobs} jobs ended in {seconds:.1f} s with {args.workers} workers (one killed and replaced): "
              f"{args.jobs / seconds:.1f} jobs/s; the workers' CPU: {cpu:.0f} s, {cpu / args.jobs * 1000:.0f} ms a job "
              f"(on {os.cpu_count()} cores shared with Redis and this script)")
    finally:
        for worker in workers:
            worker.stop()
    workers[0].held = held  # type: ignore[attr-defined]
    return workers


def freeze_in_a_job(worker: Worker, queue: redis.Redis, jobs: redis.Redis) -> str:
    """SIGSTOP the worker at a moment when it is running a job (so that Redis keeps the state it dies in)."""
    def frozen_in_a_job() -> str | None:
        taken = queue.lrange(inflight_key(QUEUE_KEY, worker.worker_id), 0, -1)
        if not taken:
            return None
        job_id: str = json.loads(taken[0])
        if jobs.hget(job_key(job_id), "status") != JobStatus.IN_PROGRESS.value.encode():
            return None
        worker.process.send_signal(signal.SIGSTOP)
        still = queue.lrange(inflight_key(QUEUE_KEY, worker.worker_id), 0, -1)
        if still == taken and jobs.hget(job_key(job_id), "status") == JobStatus.IN_PROGRESS.value.encode():
            return job_id
        worker.process.send_signal(signal.SIGCONT)
        return None

    return eventually(frozen_in_a_job, 60, "worker 1 frozen while it runs a job", interval=0.002)


def wait_for(condition: Callable[[], bool], what: str, jobs: redis.Redis, workers: list[Worker], started: float,
             total: int) -> None:
    """Until `condition` holds, saying every 30 s how many jobs are complete; fails if a live worker dies."""
    last_report = [time.perf_counter()]

    def done() -> bool:
        if condition():
            return True
        now = time.perf_counter()
        if now - last_report[0] >= 30:
            complete = jobs.zcard(status_key(JobStatus.COMPLETE))
            print(f"  {now - started:6.1f} s: {complete}/{total} complete ({complete / (now - started):.1f} jobs/s)",
                  flush=True)
            last_report[0] = now
        return False

    eventually(done, RUN_TIMEOUT_SECONDS - (time.perf_counter() - started), what, interval=0.2,
               watching=[worker.service for worker in workers[1:]])


def check(clients: dict[int, redis.Redis], job_ids: list[str], workers: list[Worker]) -> None:
    queue, jobs, results = clients[QUEUE_DB], clients[JOBS_DB], clients[RESULTS_DB]
    held = workers[0].held  # type: ignore[attr-defined]
    pipe = jobs.pipeline(transaction=False)
    for job_id in job_ids:
        pipe.hmget(job_key(job_id), "status", "attempts", "start_date", "end_date", "results_id")
    rows = {job_id: [value.decode() for value in row] for job_id, row in zip(job_ids, pipe.execute())}
    statuses = Counter(row[0] for row in rows.values())
    attempts = Counter(int(row[1]) for row in rows.values())
    in_sets = {status.value: jobs.zcard(status_key(status)) for status in JobStatus}
    leftovers = queue.llen(QUEUE_KEY) + sum(queue.llen(key) for key in queue.scan_iter(match=inflight_key(QUEUE_KEY, "*")))
    result_keys = results.dbsize()
    pipe = results.pipeline(transaction=False)
    for job_id in job_ids:  # jobs of the same range share one results id
        pipe.get(results_key(rows[job_id][4]))
        pipe.exists(plot_key(rows[job_id][4]))
    stored = pipe.execute()
    expected = expected_counts({(row[2], row[3]) for row in rows.values()})
    wrong = [job_id for n, job_id in enumerate(job_ids)
             if stored[2 * n] is None or not stored[2 * n + 1]
             or _counts(json.loads(stored[2 * n])) != expected[rows[job_id][2], rows[job_id][3]]]
    logged = Counter(job_id for worker in workers
                     for job_id in COMPLETED.findall(worker.log_path.read_text(errors="replace")))

    print(f"statuses: {dict(statuses)}; status sets: {in_sets}")
    print(f"attempts: {dict(sorted(attempts.items()))} (the killed worker's job: {rows[held][1]})")
    shared = len({row[4] for row in rows.values()})
    print(f"results: {result_keys} keys for {len(job_ids)} jobs ({shared} results ids); {len(job_ids) - len(wrong)} match the counts "
          f"computed from the file ({len(expected)} distinct ranges)")
    print(f"completions logged: {sum(logged.values())}, by {len(logged)} jobs, at most {max(logged.values())} per job")
    print(f"left queued or in flight: {leftovers}")
    failures = []
    if statuses != {"complete": len(job_ids)} or in_sets["complete"] != len(job_ids):
        failures.append("not every job is complete exactly once")
    if attempts != Counter({1: len(job_ids) - 1, 2: 1}) or rows[held][1] != "2":
        failures.append("attempts other than 1 per job and 2 for the killed worker's")
    if result_keys != 2 * shared or wrong:
        failures.append(f"results missing, duplicated or wrong: {wrong[:3]}")
    if max(logged.values()) > 1:
        failures.append("a job logged as completed twice")
    if leftovers:
        failures.append("ids left in the queue or in flight")
    if failures:
        sys.exit("FAILED: " + "; ".join(failures))
    print("OK: every job complete exactly once, with correct results")


def expected_counts(ranges: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Counter]]:
    """The counts of each date range, straight from the TSV file with the csv module."""
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") if DATA.suffix == ".gz" else open(DATA, newline="") as file:
        rows = [(row["date_approved_reserved"], row["locus_group"], row["locus_type"])
                for row in csv.DictReader(file, delimiter="\t")]
    expected = {}
    for start, end in ranges:
        chosen = [row for row in rows if row[0] and start <= row[0] <= end]
        expected[start, end] = {
            "total": len(chosen),
            "by_year": Counter(row[0][:4] for row in chosen),
            "by_locus_group": Counter(row[1] for row in chosen),
            "by_locus_type": Counter(row[2] for row in chosen),
        }
    return expected


def _counts(results: dict) -> dict[str, object]:
    return {"total": results["total"], **{name: Counter(results[name])
                                          for name in ("by_year", "by_locus_group", "by_locus_type")}}


if __name__ == "__main__":
    main()
