"""HTTP routes over jobs and their results: translate requests into JobService calls."""
from __future__ import annotations

import csv
import io

import orjson
from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, jsonify, request, url_for

from entrypoints.containers import Container
from entrypoints.operation import BINARY, JSON, json_answer, operation, path_parameter, problem_answer
from entrypoints.request_body import json_object_body
from entrypoints.schemas.jobs import (
    ANY_JOB, IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_HEADER, JobListQuerySchema, JobRequestSchema, ReleaseDiffResultsSchema,
    ResultsSchema, idempotency_key, job_json,
)
from genes.job_service import JobService
from genes.release_diff import ROW_COLUMNS, ReleaseDiff, change_rows, diff_json

TSV = "text/tab-separated-values"
blueprint = Blueprint("jobs", __name__)
_job_request = JobRequestSchema()
_job_list_query = JobListQuerySchema()
_results = ResultsSchema()

_JOB_ID = path_parameter("job_id", "the id `POST /jobs` answered")
_NO_JOB = problem_answer("no job with this id")
_NOT_READY = problem_answer("the job is not complete (its `job_status` says where it is)")
# Where the id of a submitted job leads (stateful fuzzing follows these).
_JOB_LINKS = {
    name: {"operationId": operation_id, "parameters": {"job_id": "$response.body#/id"}}
    for name, operation_id in (("GetJob", "get_job"), ("CancelJob", "cancel_job"),
                               ("GetResults", "get_results"), ("GetPlot", "get_plot"))
}


@blueprint.post("/jobs")
@operation(
    "jobs", description="Two kinds, by `kind`: an analysis (the default) of the genes approved in a date range, "
                        "in one release (`release`, default the live one); a release diff (`\"kind\": "
                        "\"release_diff\"`), what changed `from` a held release `to` a newer one (400 for a release "
                        "not held, the held ones named). With an `Idempotency-Key`, sending the same parameters "
                        "again answers the first job (same id and `Location`) for as long as that job is kept, "
                        "and submits nothing.",
    parameters=[{
        "in": "header", "name": IDEMPOTENCY_KEY_HEADER, "required": False,
        "description": "the client's unique key for this submission, e.g. a UUID (IETF httpapi draft)",
        "schema": {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY.pattern}$"},
    }],
    json_body=JobRequestSchema.OPENAPI, reads_store=True,
    responses={202: json_answer("submitted: a worker will run it (or, for an `Idempotency-Key` sent before, "
                                "the job first submitted with it)", ANY_JOB, headers={
                                    "Location": {"description": "the job's URL", "schema": {"type": "string"}}},
                                links=_JOB_LINKS),
               422: problem_answer("the `Idempotency-Key` was first sent with other parameters")})
@inject
def submit_job(service: JobService = Provide[Container.job_service]) -> tuple[Response, int, dict[str, str]]:
    """Submit a job: an analysis {"start_date", "end_date", "locus_group", "release"}, or a release diff {"kind": "release_diff", "from", "to"}."""
    key = idempotency_key(request.headers.get(IDEMPOTENCY_KEY_HEADER))
    parameters = _job_request.load(json_object_body("the job parameters"))
    job = service.submit(parameters, key)
    return jsonify(job_json(job)), 202, {"Location": url_for("jobs.get_job", job_id=job.id)}


@blueprint.get("/jobs")
@operation("jobs", query=JobListQuerySchema, reads_store=True, responses={
    200: json_answer("job ids, oldest first; an expired job is in none", {"type": "array", "items": {"type": "string"}})})
@inject
def list_jobs(service: JobService = Provide[Container.job_service]) -> Response:
    """Job ids, oldest first; ?status= filters (submitted, in progress, complete, failed, cancelled); ?limit=&offset= pages."""
    query = _job_list_query.load(request.args)
    return jsonify(service.ids(query.get("status"), query["offset"], query.get("limit")))


@blueprint.get("/jobs/<job_id>")
@operation("jobs", parameters=[_JOB_ID], reads_store=True,
           responses={200: json_answer("the job", ANY_JOB), 404: _NO_JOB})
@inject
def get_job(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """One job: its kind, parameters, status, attempts and timestamps."""
    return jsonify(job_json(service.get(job_id)))


@blueprint.delete("/jobs/<job_id>")
@operation("jobs", parameters=[_JOB_ID], reads_store=True,
           responses={200: json_answer("the cancelled job", ANY_JOB), 404: _NO_JOB,
                      409: problem_answer("it has ended (complete, failed or cancelled)")})
@inject
def cancel_job(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """Cancel a job that has not ended: queued, or running (its worker stops it within 2 s); 409 once it has ended."""
    return jsonify(job_json(service.cancel(job_id)))


@blueprint.get("/results/<job_id>")
@operation("jobs", parameters=[_JOB_ID], reads_store=True,
           description="A release diff's changes also come one a row, as a TSV (`Accept: text/tab-separated-values`; "
                       f"columns {', '.join(ROW_COLUMNS)}); an analysis's are JSON only.",
           responses={200: {"description": "the analysis, or the release diff", "content": {
                          JSON: {"schema": {"oneOf": [ResultsSchema, ReleaseDiffResultsSchema]}},
                          TSV: {"schema": {"type": "string"}}}},
                      404: _NO_JOB, 409: _NOT_READY})
@inject
def get_results(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """The results of a complete job: an analysis, or a release diff (409 while it is not complete)."""
    results = service.results(job_id)
    if not isinstance(results, ReleaseDiff):
        return jsonify(_results.dump(results))
    if request.accept_mimetypes.best_match([JSON, TSV], default=JSON) == TSV:
        response = Response(_tsv(results), mimetype=TSV)
        name = f"hgnc-changes-{results.from_release}-to-{results.to_release}.tsv"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        # What ReleaseDiffResultsSchema documents, written directly: a diff holds thousands of changes.
        response = Response(orjson.dumps(diff_json(results)) + b"\n", mimetype=JSON)
    response.vary.add("Accept")
    return response


@blueprint.get("/results/<job_id>/plot")
@operation("jobs", parameters=[_JOB_ID], reads_store=True,
           responses={200: {"description": "the PNG", "content": {"image/png": {"schema": BINARY}}},
                      404: _NO_JOB, 409: _NOT_READY})
@inject
def get_plot(job_id: str, service: JobService = Provide[Container.job_service]) -> Response:
    """The PNG plot of a complete job: approvals per year, stacked by locus group; a release diff's changes by kind."""
    return Response(service.plot(job_id), mimetype="image/png")


def _tsv(diff: ReleaseDiff) -> str:
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\r\n")
    writer.writerow(ROW_COLUMNS)
    writer.writerows(change_rows(diff))
    return text.getvalue()
