"""HTTP routes over jobs and their results: translate requests into JobService calls."""
from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, jsonify, request, url_for

from entrypoints.containers import Container
from entrypoints.request_body import json_object_body
from entrypoints.schemas import (
    IDEMPOTENCY_KEY_HEADER, JobListQuerySchema, JobParametersSchema, JobSchema, ResultsSchema, idempotency_key,
)
from genes.job import Job
from genes.job_service import JobService

blueprint = Blueprint("jobs", __name__)
_job_parameters = JobParametersSchema()
_job_list_query = JobListQuerySchema()
_job = JobSchema()
_results = ResultsSchema()


@blueprint.post("/jobs")
@inject
def submit_job(service: JobService = Provide[Container.job_service]) -> tuple[Response, int, dict[str, str]]:
    """Submit an analysis: {"start_date": "YYYY-MM-DD", "end_date": "YYYY-MM-DD", "locus_group": optional}."""
    key = idempotency_key(request.headers.get(IDEMPOTENCY_KEY_HEADER))
    parameters = _job_parameters.load(json_object_body("the job parameters"))
    job = service.submit(parameters, key)
    return jsonify(job_json(job)), 202, {"Location": url_for("jobs.get_job", job_id=job.id)}


@blueprint.get("/jobs")
@inject
def list_jobs(service: JobService = Provide[Container.job_service]) -> Response:
    """Job ids, oldest first; ?status= filters (submitted, in progress, complete, failed, cancelled); ?limit=&offset= pages."""
    query = _job_list_query.load(request.args)
    return jsonify(service.ids(query.get("status"), query["offset"], query.get("limit")))


@blueprint.get("/jobs/<job_id>")
@inject
def get_job(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """One job: its parameters, status, attempts and timestamps."""
    return jsonify(job_json(service.get(job_id)))


@blueprint.delete("/jobs/<job_id>")
@inject
def cancel_job(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """Cancel a job that has not ended: queued, or running (its worker stops it within 2 s); 409 once it has ended."""
    return jsonify(job_json(service.cancel(job_id)))


@blueprint.get("/results/<job_id>")
@inject
def get_results(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """The analysis of a complete job (409 while it is not complete)."""
    return jsonify(_results.dump(service.results(job_id)))


@blueprint.get("/results/<job_id>/plot")
@inject
def get_plot(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """The PNG plot of approvals per year, stacked by locus group, of a complete job."""
    return Response(service.plot(job_id), mimetype="image/png")


def job_json(job: Job) -> dict[str, Any]:
    """The job as the API answers it: JobSchema, which the OpenAPI document also publishes."""
    answer: dict[str, Any] = _job.dump(job)
    return answer
