"""Queue overhead: our worker loop against RQ's SimpleWorker, each running trivial jobs off the same Redis.

    python -m bench.bench_queue [--jobs 2000] [--rounds 3]      (from the repository root)

Starts its own redis-server on a free port (never the one on 6379). Each round queues N ids and
lets our real worker loop (`entrypoints.worker.Worker` over `HotQueueJobConsumer`: BLMOVE into an
in-flight list, ack, heartbeats) hand each to a no-op runner; then queues N no-op jobs with RQ and
lets `SimpleWorker.work(burst=True)` run them. Our loop runs twice a round: with its Prometheus
metrics off (as without WORKER_METRICS_PORT) and on. The order rotates between rounds; queueing is
not timed, only the taking and running.
"""
from __future__ import annotations

import argparse
import itertools
import logging
import os
import statistics
import threading
import time
from datetime import date

import redis
from rq import Queue, SimpleWorker

from bench.harness import redis_server
from bench.rq_noop import noop
from entrypoints.containers import QUEUE_DB, Container
from entrypoints.worker import Worker
from entrypoints.worker_metrics import JobMetrics, WorkerMetrics
from genes.job import Job, JobParameters, JobStatus

RQ_DB = 5  # a database the service does not use
_rounds = itertools.count()
TARGET_RATIO = 3.0
METRICS_TARGET = 0.90  # jobs/s with the worker's metrics on, against off: within 10%


COMPLETE = Job(id="bench", parameters=JobParameters(date(2000, 1, 1), date(2000, 12, 31)), status=JobStatus.COMPLETE)


class NoOpRunner:
    """Stands in for JobRunner: notes when the last of `expected` ids has been handed over, then stops the worker."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.handled = 0
        self.done_at = 0.0
        self.worker: Worker | None = None

    def run(self, job_id: str) -> Job:
        self.handled += 1
        if self.handled == self.expected:
            self.done_at = time.perf_counter()
            self.worker.stop()
        return COMPLETE  # as a real job ends: counted and timed when the metrics are on


def our_round(container: Container, jobs: int, metrics: JobMetrics | None = None) -> tuple[float, float]:
    """Jobs per second of our worker loop (counting into the worker's Prometheus metrics if given),
    and the CPU µs a job of this process (all its threads): steadier than jobs/s on a busy machine."""
    queue = container.job_queue()
    for n in range(jobs):
        queue.put(f"job-{n}")
    runner = NoOpRunner(jobs)
    worker = Worker(container.job_consumer(), runner, metrics)
    runner.worker = worker
    thread = threading.Thread(target=worker.work)
    started, cpu_started = time.perf_counter(), time.process_time()
    thread.start()
    thread.join()
    assert runner.handled == jobs, runner.handled
    assert container.queue_redis().llen(queue.key) == 0
    return jobs / (runner.done_at - started), (time.process_time() - cpu_started) / jobs * 1e6


def rq_round(connection: redis.Redis, jobs: int) -> float:
    """Jobs per second of RQ's SimpleWorker in burst mode (it returns once the queue is empty)."""
    queue = Queue(f"bench-{next(_rounds)}", connection=connection)  # a queue a round: its registries count that round
    with connection.pipeline() as pipe:
        for _ in range(jobs):
            queue.enqueue(noop, pipeline=pipe)
        pipe.execute()
    assert len(queue) == jobs
    worker = SimpleWorker([queue], connection=connection)
    started = time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    seconds = time.perf_counter() - started
    assert len(queue) == 0 and queue.finished_job_registry.count == jobs, queue.finished_job_registry.count
    return jobs / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with redis_server() as store:
        run(store.connection_pool.connection_kwargs["port"], args.jobs, args.rounds)


def run(port: int, jobs: int, rounds: int) -> None:
    container = Container()
    container.config.redis.host.from_value("127.0.0.1")
    container.config.redis.port.from_value(port)
    rq_connection = redis.Redis(port=port, db=RQ_DB)
    print(f"redis-server on port {port}: ours in db {QUEUE_DB}, RQ in db {RQ_DB}; {jobs} no-op jobs a round")
    ours: list[tuple[float, float]] = []  # jobs/s, CPU µs a job
    metered: list[tuple[float, float]] = []  # ours again, counting each job into the worker's Prometheus metrics
    theirs: list[float] = []
    metrics = WorkerMetrics()
    our_round(container, 100), our_round(container, 100, metrics), rq_round(rq_connection, 100)  # warm up
    for number in range(rounds):
        order = [lambda: ours.append(our_round(container, jobs)),
                 lambda: metered.append(our_round(container, jobs, metrics)),
                 lambda: theirs.append(rq_round(rq_connection, jobs))]
        for measure in order[number % 3:] + order[:number % 3]:  # each goes first in turn
            measure()
        print(f"  round {number + 1}: ours {ours[-1][0]:7.0f} jobs/s, {ours[-1][1]:4.0f} µs CPU a job "
              f"(metrics on: {metered[-1][0]:7.0f}, {metered[-1][1]:4.0f} µs)   "
              f"RQ SimpleWorker {theirs[-1]:7.0f} jobs/s   ratio {ours[-1][0] / theirs[-1]:.1f}x")
    ratio = statistics.median(o / t for (o, _), t in zip(ours, theirs))
    print(f"\nmedian of {rounds} rounds: ours {statistics.median(o for o, _ in ours):.0f} jobs/s, "
          f"RQ SimpleWorker {statistics.median(theirs):.0f} jobs/s; ratio {ratio:.1f}x "
          f"({'meets' if ratio >= TARGET_RATIO else 'MISSES'} the {TARGET_RATIO:.0f}x target; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    speed = statistics.median(m / o for (m, _), (o, _) in zip(metered, ours))
    cpu = statistics.median(m / o for (_, m), (_, o) in zip(metered, ours))
    print(f"metrics on against off (medians of the rounds' ratios): jobs/s {speed:.2f}, CPU a job {cpu:.2f} "
          f"({'meets' if speed >= METRICS_TARGET else 'MISSES'} the jobs/s >= {METRICS_TARGET} target)")


if __name__ == "__main__":
    main()
