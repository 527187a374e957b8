"""HTTP routes an operator watches: the Prometheus metrics."""
from __future__ import annotations

from flask import Blueprint, Response, request

from entrypoints.api_metrics import metrics_page

blueprint = Blueprint("monitoring", __name__)


@blueprint.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics: the HTTP requests of every API process."""
    body, content_type = metrics_page(request.headers.get("Accept"))
    return Response(body, content_type=content_type)
