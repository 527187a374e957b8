"""The Flask API: `python -m entrypoints.api` for development, `entrypoints.api:create_app()` for gunicorn."""
from __future__ import annotations

import logging
from contextlib import ExitStack
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Flask, Response, g, jsonify
from flask.json.provider import DefaultJSONProvider
import redis
from werkzeug.serving import WSGIRequestHandler

from entrypoints import (
    admin_token, check_views, gene_views, hgnc_rest_views, job_views, monitoring_views, page_views,
)
from entrypoints.api_metrics import instrument
from entrypoints.configuration import check_configuration
from entrypoints.containers import Container
from entrypoints.http_caching import register_compression
from entrypoints.load import upgrade_stored_set
from entrypoints.log_config import configure_logging, job_context
from entrypoints.openapi import help_answer, register_openapi
from entrypoints.problems import problem, register_problem_handlers
from genes.errors import StoreUnavailable

MAX_REQUEST_BYTES = 64 * 1024  # every body but an uploaded data set (gene_views raises its own limit)


class _JsonInFieldOrder(DefaultJSONProvider):
    sort_keys = False  # keep records in HGNC's field order


def create_app(container: Container | None = None) -> Flask:
    container = container or Container()
    container.wire(modules=[gene_views, check_views, hgnc_rest_views, job_views, monitoring_views, __name__])
    app = Flask(__name__)
    app.container = container  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json = _JsonInFieldOrder(app)
    admin_token.configure(app, container.admin_token())
    app.register_blueprint(gene_views.blueprint)
    app.register_blueprint(check_views.blueprint)
    app.register_blueprint(hgnc_rest_views.blueprint)
    app.register_blueprint(job_views.blueprint)
    app.register_blueprint(monitoring_views.blueprint)
    app.register_blueprint(page_views.blueprint)
    app.register_blueprint(page_views.swagger_ui)
    app.add_url_rule("/health", view_func=health)
    app.add_url_rule("/help", view_func=help_page)
    register_problem_handlers(app)
    instrument(app)
    _log_lines_name_their_job(app)
    register_compression(app)
    register_openapi(app)  # last: it documents every route registered above
    app.after_request(_no_sniffing)
    return app


def _no_sniffing(response: Response) -> Response:
    """Every answer: a browser must take its declared type, never guess another (say, HTML from an upload)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@inject
def health(genes_redis: redis.Redis = Provide[Container.genes_redis]) -> Response | tuple[Response, int]:
    """200 when Redis answers, 503 otherwise."""
    try:
        genes_redis.ping()
    except (StoreUnavailable, redis.RedisError) as error:
        return problem(503, f"Redis does not answer: {error.__cause__ or error}", "store-unavailable")
    return jsonify(status="ok")


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
    configure_logging(Container.config.log.level(), Container.config.log.format())
    container = Container()
    check_configuration(container, logging.getLogger(__name__))
    upgrade_stored_set(container, logging.getLogger(__name__))
    create_app(container).run(host="0.0.0.0", port=container.config.port(),
                              request_handler=_VersionlessRequestHandler)


if __name__ == "__main__":
    main()
