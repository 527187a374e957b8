"""The Flask API: `python -m entrypoints.api` for development, `entrypoints.serve` (granian) in production."""
from __future__ import annotations

import logging
from contextlib import ExitStack
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Flask, Response, g, jsonify
from flask.json.provider import DefaultJSONProvider
import orjson
import redis
from werkzeug.serving import WSGIRequestHandler

from adapters.gene_cache import GeneCache
from entrypoints import (
    admin_token, check_views, gene_views, hgnc_rest_views, job_views, monitoring_views, page_views, release_views,
)
from entrypoints.api_metrics import instrument
from entrypoints.containers import Container, build_container
from entrypoints.http_caching import register_compression
from entrypoints.load import upgrade_stored_set
from entrypoints.log_config import configure_logging, job_context
from entrypoints.openapi import help_answer, register_openapi
from entrypoints.operation import json_answer, operation, problem_answer
from entrypoints.problems import problem, register_problem_handlers
from entrypoints.schemas.service import HealthSchema, LivenessSchema, ReadinessSchema, RouteSchema
from entrypoints.settings import Settings, announce, settings_or_exit
from entrypoints.uri_limit import register_uri_limit
from genes.errors import StoreAccessDenied, StoreUnavailable

MAX_REQUEST_BYTES = 64 * 1024  # every body but an uploaded data set (gene_views raises its own limit)


class _JsonInFieldOrder(DefaultJSONProvider):
    """Records in HGNC's field order, encoded by orjson: the standard library took ~1 ms of a 100-term
    POST /genes/query's ~5. Dates and anything orjson does not know go to Flask's own conversions,
    so answers read the same as before (UTF-8 where the standard library wrote \\u escapes)."""

    sort_keys = False
    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_NON_STR_KEYS

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._encode(obj).decode() if not kwargs else super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        return Response(self._encode(self._prepare_response_obj(args, kwargs)) + b"\n", mimetype=self.mimetype)

    def _encode(self, obj: Any) -> bytes:
        if self._app.debug:  # indented, as Flask answers in debug mode
            return super().dumps(obj).encode()
        return orjson.dumps(obj, default=self.default, option=self._OPTIONS)


class _WholeBodyResponse(Response):
    """An answer whose body is whole in memory goes to the server as a list: granian sends a list in
    one call, where it pulls any other iterable through Python chunk by chunk (2-12% more requests/s
    on the routes from memory, docs/benchmarks.md). Streamed answers (`GET /data`) stay streamed.
    Every view's Response becomes one: Flask recasts an answer of another response class as its own."""

    def get_app_iter(self, environ: Any) -> Any:
        body = super().get_app_iter(environ)
        if self.is_streamed:
            return body
        try:
            return list(body)
        finally:
            close = getattr(body, "close", None)  # what the server would have called after sending it
            if close is not None:
                close()


def create_app(container: Container | None = None) -> Flask:
    container = container or build_container(Settings.from_environment())
    container.wire(modules=[gene_views, check_views, hgnc_rest_views, release_views, job_views, monitoring_views, __name__])
    app = Flask(__name__)
    app.response_class = _WholeBodyResponse
    app.container = container  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json = _JsonInFieldOrder(app)
    admin_token.configure(app, container.admin_token())
    app.register_blueprint(gene_views.blueprint)
    app.register_blueprint(check_views.blueprint)
    app.register_blueprint(hgnc_rest_views.blueprint)
    app.register_blueprint(release_views.blueprint)
    app.register_blueprint(job_views.blueprint)
    app.register_blueprint(monitoring_views.blueprint)
    app.register_blueprint(page_views.blueprint)
    app.register_blueprint(page_views.swagger_ui)
    app.add_url_rule("/health", view_func=health)
    app.add_url_rule("/health/live", view_func=health_live)
    app.add_url_rule("/health/ready", view_func=health_ready)
    app.add_url_rule("/help", view_func=help_page)
    register_problem_handlers(app)
    instrument(app)
    register_uri_limit(app)  # after `instrument`: a refused URI is counted and timed too
    _log_lines_name_their_job(app)
    register_compression(app)
    register_openapi(app)  # last: it documents every route registered above
    app.after_request(_no_sniffing)
    return app


def _no_sniffing(response: Response) -> Response:
    """Every answer: a browser must take its declared type, never guess another (say, HTML from an upload)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@operation("service", reads_store=True, responses={200: json_answer("Redis answers", HealthSchema)})
@inject
def health(genes_redis: redis.Redis = Provide[Container.genes_redis]) -> Response | tuple[Response, int]:
    """200 when Redis answers, 503 otherwise."""
    try:
        genes_redis.ping()
    except (StoreUnavailable, redis.RedisError) as error:
        return problem(503, f"Redis does not answer: {error.__cause__ or error}", "store-unavailable")
    return jsonify(status="ok")


@operation("service", description="Liveness: 200 while the process answers; it asks nothing of Redis.",
           responses={200: json_answer("the process is alive", LivenessSchema)})
def health_live() -> Response:
    """200 while the process answers at all (a liveness probe): it asks nothing of Redis."""
    return jsonify(status="alive")


@operation("service", description="Readiness: 200 while the process can serve its gene reads: Redis answers, "
                                  "or it holds a gene set in memory (which it answers from through a Redis outage); "
                                  "says which.",
           reads_store=True,  # its 503 is its own: Redis down and nothing held
           responses={200: json_answer("ready, and why", ReadinessSchema),
                      503: problem_answer("Redis does not answer and no gene set is held: not ready; "
                                          "`redis` and `genes` say so too",
                                          headers={"Retry-After": {"schema": {"type": "integer"}}})})
@inject
def health_ready(genes_redis: redis.Redis = Provide[Container.genes_redis],
                 gene_cache: GeneCache = Provide[Container.gene_cache]) -> Response:
    """200 while the process can serve its gene reads: Redis answers, or it holds a set (a readiness probe)."""
    try:
        redis_up = bool(genes_redis.ping())
    except (StoreUnavailable, StoreAccessDenied, redis.RedisError):
        redis_up = False
    state = {"redis": "up" if redis_up else "down",
             "genes": "held" if gene_cache.held_set_id() is not None else "not held"}
    if not redis_up and state["genes"] != "held":
        return problem(503, "Redis does not answer and no gene set is held in memory", "not-ready", **state)
    return jsonify(status="ready", **state)


@operation("service", responses={200: json_answer("every route", {"type": "array", "items": RouteSchema})})
def help_page() -> Response:
    """Every route with a one-line description."""
    return help_answer()


def _log_lines_name_their_job(app: Flask) -> None:
    """Whatever is logged while answering a route with a `<job_id>` carries it as `job_id` (LOG_FORMAT=json)."""

    @app.url_value_preprocessor
    def bind(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values and "job_id" in values:
            g.job_log_context = ExitStack()
            g.job_log_context.enter_context(job_context(values["job_id"]))

    @app.teardown_request
    def unbind(error: BaseException | None) -> None:
        context = g.pop("job_log_context", None)
        if context is not None:
            context.close()


class _VersionlessRequestHandler(WSGIRequestHandler):
    """The development server's requests; its `Server` header names no version (nor Python's) to a prober."""

    def version_string(self) -> str:
        return "Werkzeug"


def main() -> None:
    settings = settings_or_exit()
    configure_logging(settings.log_level, settings.log_format)
    container = build_container(settings)
    announce(settings, logging.getLogger(__name__))
    upgrade_stored_set(container, logging.getLogger(__name__))
    create_app(container).run(host=settings.host, port=settings.port, request_handler=_VersionlessRequestHandler)


if __name__ == "__main__":
    main()
