"""The API's Prometheus metrics: requests counted and timed by route, summed across gunicorn's processes.

Under gunicorn, gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before any worker imports this
module: each process then writes its counts to its own file there, and `GET /metrics` sums them.
Without it (`python -m entrypoints.api`, one process), the counts live in this process.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from entrypoints.containers import metrics_folder
from entrypoints.openapi import RULE_VARIABLE

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


def instrument(app: Flask) -> None:
    """Count and time every request `app` answers, errors included."""

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        started = g.get("request_started")
        route = route_of(request.url_rule.rule if request.url_rule else None)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if started is not None:
            DURATION.labels(request.method, route).observe(time.perf_counter() - started)
        return response


def metrics_page(accept: str | None, *collectors: Collector) -> tuple[bytes, str]:
    """Every metric (this API's, summed over its processes, then `collectors`'), in the format the
    scraper's Accept header asks for: the body and its content type."""
    registry = CollectorRegistry()  # not auto_describe: that would collect (read Redis) once more
    folder = metrics_folder()
    if folder:
        multiprocess.MultiProcessCollector(registry, path=folder)
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

