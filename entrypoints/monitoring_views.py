"""HTTP routes an operator watches: the queue, the live workers, the Prometheus metrics."""
from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, jsonify, request

from entrypoints.api_metrics import QueueCollector, metrics_page
from entrypoints.containers import Container
from entrypoints.operation import json_answer, operation
from entrypoints.schemas.monitoring import QueueSchema, WorkerSchema
from genes.monitoring import QueueOverview
from genes.monitoring_service import MonitoringService

blueprint = Blueprint("monitoring", __name__)
_queue = QueueSchema()
_workers = WorkerSchema(many=True)


@blueprint.get("/queue")
@operation("monitoring", reads_store=True,
           responses={200: json_answer("each count from a constant number of Redis calls", QueueSchema)})
@inject
def queue_overview(service: MonitoringService = Provide[Container.monitoring_service]) -> Response:
    """The queue: ids queued, in flight and set aside, live workers, and the jobs in each status."""
    return jsonify(queue_json(service.overview()))


@blueprint.get("/workers")
@operation("monitoring", reads_store=True, responses={
    200: json_answer("the workers holding a live lease, oldest first", {"type": "array", "items": WorkerSchema})})
@inject
def list_workers(service: MonitoringService = Provide[Container.monitoring_service]) -> Response:
    """The live workers: id, host, pid, start, last heartbeat, current job and jobs done."""
    return jsonify(_workers.dump(service.workers()))


@blueprint.get("/metrics")
@operation(
    "monitoring", description="The Prometheus text format (OpenMetrics when the scraper's Accept header asks "
                              "for it). With Redis down it still answers, without the queue's gauges.",
    responses={200: {"description": "every metric", "content": {"text/plain": {"schema": {"type": "string"}}}}})
@inject
def metrics(service: MonitoringService = Provide[Container.monitoring_service]) -> Response:
    """Prometheus metrics: HTTP requests of every API process, and the queue read from Redis."""
    body, content_type = metrics_page(request.headers.get("Accept"), QueueCollector(service.overview))
    return Response(body, content_type=content_type)


def queue_json(overview: QueueOverview) -> dict[str, Any]:
    counts = overview.queue
    answer: dict[str, Any] = _queue.dump({
        "queued": counts.queued, "in_flight": counts.in_flight, "dead_letters": counts.dead_letters,
        "workers": counts.workers, "jobs": {status.name.lower(): n for status, n in overview.jobs.items()},
    })
    return answer
