"""The API's Prometheus metrics: requests counted and timed by route across the server's processes; the queue from Redis.

Under `python -m entrypoints.serve`, the launcher sets PROMETHEUS_MULTIPROC_DIR before any process imports this
module: each process then writes its counts to its own file there, and `GET /metrics` sums them.
Without it (`python -m entrypoints.api`, one process), the counts live in this process.
"""
from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any, Callable, Iterable

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from entrypoints.containers import metrics_folder
from entrypoints.openapi import RULE_VARIABLE
from genes.errors import StoreUnavailable
from genes.monitoring import QueueOverview

log = logging.getLogger(__name__)
disable_created_metrics()  # type: ignore[no-untyped-call]  # as in multiprocess mode, which has none: the same page from the development server
UNMATCHED_ROUTE = "(unmatched)"  # a path no route matches: one label value, never the raw path
# From a fast GET (~1 ms) to a full load by POST /data (seconds).
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter("hgnc_http_requests", "HTTP requests answered, by method, route and status",
                   ["method", "route", "status"])
DURATION = Histogram("hgnc_http_request_duration_seconds", "Time to answer an HTTP request (until the body "
                     "starts: a streamed GET /data goes on after)", ["method", "route"], buckets=DURATION_BUCKETS)


def route_of(rule: str | None) -> str:
    """The URL rule as users read it, e.g. `/genes/<hgnc_id>` for `/genes/<path:hgnc_id>`."""
    return RULE_VARIABLE.sub(r"<\1>", rule) if rule else UNMATCHED_ROUTE


@lru_cache(maxsize=1024)  # method, rule and status: a few dozen in use; a bound against made-up methods
def _request_metrics(method: str, rule: str | None, status: int) -> tuple[Any, Any]:
    """The count and the duration of requests so labelled, looked up once: `labels` checks and locks,
    and `route_of` runs a regular expression, at every call (with them, ~8% of /help's Python time)."""
    route = route_of(rule)
    return REQUESTS.labels(method, route, str(status)), DURATION.labels(method, route)


def instrument(app: Flask) -> None:
    """Count and time every request `app` answers, errors included."""

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        started = g.get("request_started")
        rule = request.url_rule.rule if request.url_rule else None
        count, duration = _request_metrics(request.method, rule, response.status_code)
        count.inc()
        if started is not None:
            duration.observe(time.perf_counter() - started)
        return response


def metrics_page(accept: str | None, *collectors: Collector) -> tuple[bytes, str]:
    """Every metric (this API's, summed over its processes, then `collectors`'), in the format the
    scraper's Accept header asks for: the body and its content type."""
    registry = CollectorRegistry()  # not auto_describe: that would collect (read Redis) once more
    folder = metrics_folder()
    if folder:
        multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


class _ThisProcess(Collector):
    """The default registry's metrics, as one collector of a registry of our own."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class QueueCollector(Collector):
    """The queue's gauges, read from Redis at each scrape: one sample each, whichever process answers."""

    def __init__(self, overview: Callable[[], QueueOverview]) -> None:
        self._overview = overview

    def collect(self) -> Iterable[Metric]:
        try:
            overview = self._overview()
        except StoreUnavailable as error:  # the request metrics are still worth a scrape
            log.warning("queue metrics left out: %s", error)
            return
        queue = overview.queue
        yield GaugeMetricFamily("hgnc_queue_length", "Job ids waiting for a worker", value=queue.queued)
        yield GaugeMetricFamily("hgnc_jobs_in_flight", "Job ids taken by workers and not yet acknowledged",
                                value=queue.in_flight)
        yield GaugeMetricFamily("hgnc_queue_dead_letters", "Queue messages that were not job ids, set aside",
                                value=queue.dead_letters)
        yield GaugeMetricFamily("hgnc_workers", "Workers holding a live lease", value=queue.workers)
        jobs = GaugeMetricFamily("hgnc_jobs", "Jobs kept, by status", labels=["status"])
        for status, count in overview.jobs.items():
            jobs.add_metric([status.value], count)
        yield jobs
