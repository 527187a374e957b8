"""Worker time of a full-range job over the full HGNC set, against a real redis-server: end to end and by part.

    python -m bench.bench_job [--runs 10] [--data PATH]      (from the repository root)

Starts its own redis-server on a free port (never the one on 6379), loads the data set, then times
`JobRunner.run` of a 1900-01-01..2100-12-31 job (the first with its parameters, and one repeating
them, which reuses the results), and each part of the first on its own; then Redis's memory of
1,000 complete jobs, distinct and repeated.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import redis

from adapters.hgnc_source import HgncFileSource
from adapters.redis_gene_repository import RedisGeneRepository
from bench.harness import DATA, redis_server
from entrypoints.containers import Container
from genes.analysis import analyse
from genes.job import JobParameters, JobStatus

FULL_RANGE = JobParameters(date(1900, 1, 1), date(2100, 12, 31))
TARGET_SECONDS = 0.2


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    outcome = action()
    return time.perf_counter() - started, outcome


def cpu_timed(action: Callable[[], object]) -> tuple[float, float, object]:
    """Wall and CPU seconds of this process and of the children it waited for (a job's analysis runs in
    one): on 2 shared cores the CPU time is the steadier of the two."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    outcome = action()
    return time.perf_counter() - wall, _cpu_seconds() - cpu, outcome


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()

    with redis_server() as store:
        run(store, args.runs, args.data)


def run(store: redis.Redis, runs: int, data: Path) -> None:
    port = store.connection_pool.connection_kwargs["port"]
    container = Container()
    container.config.redis.host.from_value("127.0.0.1")
    container.config.redis.port.from_value(port)
    loaded = container.gene_service().load(HgncFileSource(data))
    print(f"redis-server on port {port}; loaded {loaded.count} genes from {data.name} in {loaded.seconds:.1f} s")

    service, runner = container.job_service(), container.job_runner()
    genes, results_store, plots = container.gene_repository(), container.result_repository(), container.plot_renderer()
    results_db: redis.Redis = container.results_redis()
    set_id = genes.loaded_set_id()
    timings: dict[str, list[float]] = {"JobRunner.run, first (end to end)": [], "read summaries": [], "analyse": [],
                                       "render plot": [], "save results + plot": [],
                                       "JobRunner.run, repeated": [], "read summaries, first after a load": []}
    cpu_seconds: list[float] = []
    analysis_cpu_seconds: list[float] = []
    png_bytes = 0
    for attempt in range(runs + 1):  # the first round warms caches (fonts, imports) and is not counted
        results_db.flushdb()  # nothing computed yet: the next job analyses and plots
        seconds, cpu, finished = cpu_timed(lambda: runner.run(service.submit(FULL_RANGE).id))
        assert finished is not None and finished.status is JobStatus.COMPLETE and not finished.reused, finished
        again, repeated = timed(lambda: runner.run(service.submit(FULL_RANGE).id))
        assert repeated is not None and repeated.reused, repeated  # the same parameters on the same set
        read, summaries = timed(lambda: genes.summaries_approved_between(FULL_RANGE.start_date, FULL_RANGE.end_date))
        analysed, analysis_cpu, results = cpu_timed(lambda: analyse(summaries, FULL_RANGE))
        rendered, png = timed(lambda: plots.render(results))
        saved, _ = timed(lambda: results_store.save(FULL_RANGE.results_id(set_id or ""), results, png, None))
        cold, _ = timed(RedisGeneRepository(container.genes_redis()).summaries)  # a fresh process's first read
        png_bytes = len(png)
        if attempt:
            cpu_seconds.append(cpu)
            analysis_cpu_seconds.append(analysis_cpu)
            for name, value in zip(timings, (seconds, read, analysed, rendered, saved, again, cold)):
                timings[name].append(value)

    whole = statistics.median(timings["JobRunner.run, first (end to end)"])
    print(f"\nfull-range job ({results.total} genes), median of {runs} runs; plot {png_bytes / 1024:.0f} KiB")
    print("  (a worker reads the summaries from Redis once per loaded set, then from memory: the last line is")
    print("   what the first job after a load, or of a new worker, pays instead of the 'read summaries' line)")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"  {name:36s} {median * 1000:8.1f} ms  ({median / whole:6.1%} of the job)  min {min(values) * 1000:.1f} ms")
    print(f"  {'JobRunner.run, first, CPU time':36s} {statistics.median(cpu_seconds) * 1000:8.1f} ms  "
          f"(this process and its analysis process; Redis's own work is apart)")
    cpu = statistics.median(cpu_seconds)
    print(f"\nworker time {whole * 1000:.1f} ms wall: {_verdict(whole)}; {cpu * 1000:.1f} ms CPU: {_verdict(cpu)} "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall time counts the waits for a core)")
    analysis = statistics.median(timings["analyse"])
    plot = statistics.median(timings["render plot"])
    by_cpu = cpu / statistics.median(analysis_cpu_seconds)
    print(f"first job / analysis alone: {whole / analysis:.2f}x wall, {by_cpu:.2f}x CPU "
          f"({_meets(max(whole / analysis, by_cpu) <= 1.5)} the <= 1.5x target); plot / analysis: {plot / analysis:.2f}x")
    speedup = whole / statistics.median(timings["JobRunner.run, repeated"])
    print(f"repeated job: {speedup:.0f}x faster than a first one ({_meets(speedup >= 10)} the >= 10x target)")
    measure_memory(container, store)


MEMORY_JOBS = 1_000


def measure_memory(container: Container, store: redis.Redis) -> None:
    """Redis's used_memory (INFO memory) before and after 1,000 jobs run to complete, kept 7 days (the default)."""
    service, runner = container.job_service(), container.job_runner()
    stores = [container.queue_redis(), container.jobs_redis(), container.results_redis()]
    print(f"\nRedis memory of {MEMORY_JOBS:,} complete jobs (INFO memory used_memory, before and after):")
    one_year = [JobParameters(date(2000, 1, 1) + timedelta(days=n), date(2001, 1, 1) + timedelta(days=n))
                for n in range(MEMORY_JOBS)]
    for name, parameters in (("distinct", one_year), ("repeated", [one_year[0]] * MEMORY_JOBS)):
        for each in stores:  # no job, queued id or result yet; the genes stay
            each.flushdb()
        before = store.info("memory")["used_memory"]
        reused = 0
        for each in parameters:
            finished = runner.run(service.submit(each).id)
            assert finished is not None and finished.status is JobStatus.COMPLETE, finished
            reused += finished.reused
        stores[0].flushdb()  # the ids a worker would have taken off the queue (run here without one)
        grown = store.info("memory")["used_memory"] - before
        print(f"  {MEMORY_JOBS:,} {name} jobs (one-year ranges; {MEMORY_JOBS - reused} computed, {reused} reused): "
              f"{grown / 2**20:6.1f} MiB, {grown / MEMORY_JOBS / 1024:5.1f} KiB a job")


def _meets(holds: bool) -> str:
    return "meets" if holds else "MISSES"


def _verdict(seconds: float) -> str:
    return f"{'meets' if seconds < TARGET_SECONDS else 'MISSES'} the {TARGET_SECONDS * 1000:.0f} ms target"


if __name__ == "__main__":
    main()
