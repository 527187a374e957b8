"""A release diff job's time against a full-range analysis job's, on the same machine in the same run.

    python -m bench.bench_diff [--runs 5] [--data PATH] [--older PATH]      (from the repository root)

Starts its own redis-server on a free port, loads two releases side by side (`--older`, default
HGNC's custom download of July 2024 in tests/data, as 2024-07-23; `--data`, the complete set of
2024-10-18), then times `JobRunner.run` of a release diff between them and of a 1900-01-01..2100-12-31
analysis of the newer, alternately, each computing afresh (its results forgotten first): the medians,
their ratio, and the largest resident memory of the job's child process (where the diff reads both
releases' records).
"""
from __future__ import annotations

import argparse
import os
import resource
from datetime import date
from pathlib import Path

import redis

from adapters.hgnc_source import HgncFileSource
from bench.bench_job import FULL_RANGE, cpu_timed
from bench.harness import DATA, REPO, median, redis_server, runs
from entrypoints.containers import Container
from genes.job import JobStatus, ReleaseDiffParameters
from genes.release_diff import CHANGE_KINDS

OLDER = REPO / "tests" / "data" / "hgnc_custom_download_2024-07-23.tsv.gz"
OLDER_RELEASE = date(2024, 7, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA, help="the newer release (its date from its name)")
    parser.add_argument("--older", type=Path, default=OLDER, help=f"the older release, loaded as {OLDER_RELEASE}")
    args = parser.parse_args()
    with redis_server() as store:
        run(store, args.runs, args.data, args.older)


def run(store: redis.Redis, count: int, newer: Path, older: Path) -> None:
    port = store.connection_pool.connection_kwargs["port"]
    container = Container()
    container.config.redis.host.from_value("127.0.0.1")
    container.config.redis.port.from_value(port)
    loads = container.gene_service()
    old = loads.load(HgncFileSource(older), release=OLDER_RELEASE)
    new = loads.load(HgncFileSource(newer))
    print(f"redis-server on port {port}; releases {old.release} ({old.count} genes, {older.name}) and "
          f"{new.release} ({new.count} genes, {newer.name})")
    service, runner, results_db = container.job_service(), container.job_runner(), container.results_redis()
    diff = ReleaseDiffParameters(old.release, new.release)
    timings: dict[str, list[float]] = {"release diff": [], "analysis": []}
    cpu: dict[str, list[float]] = {"release diff": [], "analysis": []}
    counts: dict[str, int] = {}
    for attempt in range(count + 1):  # the first round warms caches (fonts, imports, summaries): not counted
        for name, parameters in (("release diff", diff), ("analysis", FULL_RANGE)):
            results_db.flushdb()  # nothing computed yet: the job computes and plots
            seconds, cpu_seconds, finished = cpu_timed(lambda: runner.run(service.submit(parameters).id))
            assert finished is not None and finished.status is JobStatus.COMPLETE and not finished.reused, finished
            if attempt:
                timings[name].append(seconds)
                cpu[name].append(cpu_seconds)
            if name == "release diff" and finished.results_id:
                counts = container.result_repository().get(finished.results_id).counts  # type: ignore[union-attr]
    print(f"\nchanges found: {', '.join(f'{kind} {counts.get(kind, 0)}' for kind in CHANGE_KINDS)}")
    print(f"JobRunner.run, computing afresh, {count} runs each (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores):")
    for name in timings:
        print(f"  {name:13s} median {median(timings[name]) * 1000:8.1f} ms wall, {median(cpu[name]) * 1000:8.1f} ms CPU"
              f"   (runs: {runs(timings[name])})")
    wall = median(timings["release diff"]) / median(timings["analysis"])
    by_cpu = median(cpu["release diff"]) / median(cpu["analysis"])
    print(f"release diff / analysis: {wall:.1f}x wall, {by_cpu:.1f}x CPU")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"largest resident memory of a job's child process: {peak / 1024:.0f} MiB "
          f"(the worker's own: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
