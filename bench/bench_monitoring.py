"""Monitoring stays cheap as jobs pile up: GET /metrics and GET /queue with no job and with 100,000 kept.

    python -m bench.bench_monitoring [--jobs 100000] [--requests 200]      (from the repository root)

Starts its own redis-server and the API as the image serves it (entrypoints.serve). Times
GET /metrics, GET /queue and, as the baseline, GET /health (one Redis PING), interleaved, with no
job stored; then stores `--jobs` jobs spread over the five statuses (through the job repository's
submit, as the API stores them, each id queued), and times the same again. It also counts the
Redis commands one scrape sends (INFO's total_commands_processed): the same with 0 jobs as with
100,000 when each count is read in O(1).
"""
from __future__ import annotations

import argparse
import time
from datetime import date

import redis

from bench.harness import api_server, median, redis_server
from entrypoints.containers import Container
from genes.job import Job, JobParameters, JobStatus
from tests.support import ApiClient

ROUTES = ("/metrics", "/queue", "/health")
TARGET_RATIO = 1.5  # /metrics with the jobs against without, each in /health's time: "stays fast"


def timed_rounds(api: ApiClient, requests_each: int) -> dict[str, float]:
    """Median milliseconds of each route, the routes interleaved request by request."""
    times: dict[str, list[float]] = {route: [] for route in ROUTES}
    for _ in range(requests_each):
        for route in ROUTES:
            started = time.perf_counter()
            response = api.get(route, timeout=10)
            times[route].append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return {route: median(values) for route, values in times.items()}


def commands_per_scrape(store: redis.Redis, api: ApiClient, route: str) -> int:
    """Redis commands that one GET of `route` sends, those run inside a script included (less the INFO
    that counts them); the fewest of five, as a server process sends its script once first."""
    counts = []
    for _ in range(5):
        before = store.info("stats")["total_commands_processed"]
        api.get(route, timeout=10).raise_for_status()
        counts.append(store.info("stats")["total_commands_processed"] - before - 1)
    return min(counts)


def store_jobs(container: Container, count: int) -> None:
    """`count` jobs through the job repository's submit (each id queued too): a fifth in each status."""
    repository = container.job_repository()
    parameters = JobParameters(date(2000, 1, 1), date(2000, 12, 31))
    statuses = list(JobStatus)
    for n in range(count):
        repository.submit(Job(id=f"bench-{n}", parameters=parameters, status=statuses[n % len(statuses)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests of each route in each phase")
    args = parser.parse_args()
    with redis_server() as store, api_server(store) as api:
        container = Container()
        container.config.redis.host.from_value("127.0.0.1")
        container.config.redis.port.from_value(store.connection_pool.connection_kwargs["port"])
        timed_rounds(api.client, 20)  # warm up: imports, connections, both server processes
        empty = timed_rounds(api.client, args.requests)
        empty_commands = {route: commands_per_scrape(store, api.client, route) for route in ROUTES[:2]}
        started = time.perf_counter()
        store_jobs(container, args.jobs)
        print(f"stored {args.jobs} jobs in {time.perf_counter() - started:.1f} s; "
              f"GET /queue now answers {api.client.get('/queue', timeout=10).text.strip()}")
        full = timed_rounds(api.client, args.requests)
        full_commands = {route: commands_per_scrape(store, api.client, route) for route in ROUTES[:2]}

    print(f"\nmedian ms of {args.requests} requests of each route, interleaved:")
    print(f"  {'route':10} {'0 jobs':>8} {f'{args.jobs} jobs':>12} {'ratio':>6}   Redis commands a request")
    for route in ROUTES:
        commands = (f"{empty_commands[route]} -> {full_commands[route]}" if route in empty_commands else "1 (PING)")
        print(f"  {route:10} {empty[route]:8.2f} {full[route]:12.2f} {full[route] / empty[route]:6.2f}   {commands}")
    # The phases run one after the other on a shared machine: each is judged against its own /health.
    relative_empty, relative_full = empty["/metrics"] / empty["/health"], full["/metrics"] / full["/health"]
    ratio = relative_full / relative_empty
    print(f"\n/metrics in /health's time: {relative_empty:.2f} with no job, {relative_full:.2f} with {args.jobs}; "
          f"ratio {ratio:.2f} ({'meets' if ratio <= TARGET_RATIO else 'MISSES'} the <= {TARGET_RATIO} target)")


if __name__ == "__main__":
    main()
