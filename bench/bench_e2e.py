"""End to end through HTTP: 1,000 small jobs submitted back to back, run by 1 then 2 worker processes.

    python -m bench.bench_e2e [--jobs 1000] [--workers 1 2]      (from the repository root)

Starts its own redis-server on a free port (never the one on 6379) and the API as the image serves it
(python -m entrypoints.serve), loads the full HGNC set, then for each number of workers:
empties the job databases, starts `python -m entrypoints.worker` that many times, submits the
jobs one after another from one client, waits until all are complete, and reads every job's
`submitted_at` and `finished_at` (the service's own clock).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timedelta
from typing import Iterator

import redis
from hotqueue import key_for_name

from adapters.hotqueue_job_queue import QUEUE_NAME, heartbeat_key
from bench.harness import OUT, REPO, api_server, cpu_seconds, median, redis_server
from entrypoints.containers import JOBS_DB, QUEUE_DB, RESULTS_DB
from tests.support import ApiClient, ServiceProcess, eventually

RUN_TIMEOUT_SECONDS = 900


def small_job(n: int) -> dict[str, str]:
    """Four weeks of approvals, a different window for each job."""
    start = date(1990 + n % 30, 1 + n % 12, 1)
    return {"start_date": start.isoformat(), "end_date": (start + timedelta(days=27)).isoformat()}


@contextmanager
def worker_process(port: int, name: str) -> Iterator[ServiceProcess]:
    """`python -m entrypoints.worker` on the benchmark's Redis, its log in bench/out; stopped for sure."""
    OUT.mkdir(exist_ok=True)
    env = {**os.environ, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "LOG_LEVEL": "WARNING"}
    log_path = OUT / f"{name}.log"
    log_path.unlink(missing_ok=True)
    process = ServiceProcess(name, [sys.executable, "-m", "entrypoints.worker"], env, log_path, cwd=REPO)
    try:
        yield process
    finally:
        process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with redis_server() as store, api_server(store, env={"LOG_LEVEL": "warning"}) as api:
        port = store.connection_pool.connection_kwargs["port"]
        loaded = api.client.post("/data", timeout=300).json()
        print(f"redis-server on port {port}; API {api.url} (python -m entrypoints.serve); "
              f"loaded {loaded['count']} genes in {loaded['seconds']} s")
        outcomes = {workers: measure(api.client, port, workers, args.jobs) for workers in args.workers}
    print(f"\n{args.jobs} small jobs (4-week ranges) through HTTP, submitted back to back by one client:")
    print("  workers   jobs/s   median latency   p95 latency   median run   submitting took   worker CPU a job")
    for workers, (rate, middle, p95, run, submit_seconds, cpu) in outcomes.items():
        print(f"  {workers:7d} {rate:8.1f} {middle * 1000:13.0f} ms {p95 * 1000:10.0f} ms {run * 1000:8.0f} ms"
              f" {submit_seconds:14.1f} s {cpu * 1000:15.1f} ms")
    print("  (latency: submitted_at to finished_at, the wait in the queue included; run: started_at to finished_at)")
    if 1 in outcomes and 2 in outcomes:
        print(f"  2 workers / 1 worker: {outcomes[2][0] / outcomes[1][0]:.2f}x the jobs/s "
              "(the 2 shared cores also run the API, Redis and this client)")
    print(f"  load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def measure(api: ApiClient, port: int, workers: int, jobs: int) -> tuple[float, float, float, float, float, float]:
    """jobs/s from the first submission to the last completion, median and p95 latency, median run
    time, submit time, and the workers' CPU time per job (their start-up excluded)."""
    for db in (QUEUE_DB, JOBS_DB, RESULTS_DB):
        redis.Redis(port=port, db=db).flushdb()
    queue = redis.Redis(port=port, db=QUEUE_DB)
    beats = heartbeat_key(key_for_name(QUEUE_NAME), "*")
    with ExitStack() as stack:
        processes = []
        for number in range(workers):
            processes.append(stack.enter_context(worker_process(port, f"worker-{port}-{workers}-{number}")))
            processes[-1].wait_until(lambda: len(queue.keys(beats)) > number, timeout=30)
        cpu_before = sum(cpu_seconds(worker.pid) for worker in processes)
        submitting = time.perf_counter()
        ids = []
        for n in range(jobs):
            response = api.post("/jobs", json=small_job(n), timeout=30)
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
        submit_seconds = time.perf_counter() - submitting
        wait_for_all(api, jobs, processes)
        worker_cpu = (sum(cpu_seconds(worker.pid) for worker in processes) - cpu_before) / jobs
        finished = [api.get(f"/jobs/{job_id}", timeout=30).json() for job_id in ids]
    submitted_at = [datetime.fromisoformat(job["submitted_at"]) for job in finished]
    started_at = [datetime.fromisoformat(job["started_at"]) for job in finished]
    finished_at = [datetime.fromisoformat(job["finished_at"]) for job in finished]
    run = median([(f - s).total_seconds() for s, f in zip(started_at, finished_at)])
    latencies = sorted((f - s).total_seconds() for s, f in zip(submitted_at, finished_at))
    rate = jobs / (max(finished_at) - min(submitted_at)).total_seconds()
    middle, p95 = median(latencies), latencies[int(0.95 * (len(latencies) - 1))]
    print(f"  {workers} worker(s): {rate:.1f} jobs/s, median latency {middle * 1000:.0f} ms, "
          f"worker CPU {worker_cpu * 1000:.1f} ms a job")
    return rate, middle, p95, run, submit_seconds, worker_cpu


def wait_for_all(api: ApiClient, jobs: int, workers: list[ServiceProcess]) -> None:
    """Until GET /jobs lists `jobs` complete: one request a poll, not one a job, to leave the cores to the run."""
    def all_complete() -> bool:
        failed = api.get("/jobs", params={"status": "failed"}, timeout=30).json()
        if failed:  # SystemExit: not a "not yet" that eventually would retry
            sys.exit(f"{len(failed)} job(s) failed, e.g. {api.get(f'/jobs/{failed[0]}', timeout=30).json()}")
        return len(api.get("/jobs", params={"status": "complete"}, timeout=30).json()) == jobs

    eventually(all_complete, RUN_TIMEOUT_SECONDS, f"all {jobs} jobs complete", interval=0.25, watching=workers)


if __name__ == "__main__":
    main()
