"""The multi-symbol checker (`POST /genes/check`) and the withdrawn entries' load (`POST /data/withdrawn`)."""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable

import orjson

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest

from entrypoints.admin_token import admin_only
from entrypoints.containers import Container
from entrypoints.gene_views import MAX_UPLOAD_BYTES
from entrypoints.operation import BINARY, json_answer, operation, problem_answer
from entrypoints.request_body import read_body
from entrypoints.schemas.checks import CheckRequestSchema, CheckRowSchema
from entrypoints.schemas.genes import LoadSummarySchema
from entrypoints.schemas.releases import RELEASE_QUERY_PARAMETER, asked_release
from genes.symbol_check import MAX_INPUTS, CheckRow, split_pasted
from genes.withdrawn_service import WithdrawnService, WithdrawnSource
from genes.ports import ReleaseReads

MAX_CHECK_BYTES = 8 * 1024 * 1024  # 100,000 symbols of up to ~80 characters
JSON, TSV = "application/json", "text/tab-separated-values"
TSV_COLUMNS = ("Input", "Match type", "Approved symbol", "Approved name", "HGNC ID", "Location", "Replaced by")

blueprint = Blueprint("check", __name__)
_check_request = CheckRequestSchema()
_load_summary = LoadSummarySchema()


@blueprint.post("/genes/check")
@operation(
    "genes", description="HGNC's multi-symbol checker. A JSON list of symbols, `{\"symbols\": [...] or text, "
                         "\"case_sensitive\": true}`, or plain text as pasted (one a line, or separated by commas, "
                         "spaces or tabs; `?case_sensitive=true`), up to 100,000 symbols. One row per match, in "
                         "input order: approved before previous before alias before withdrawn; `Unmatched` when "
                         "none. Matching is literal and, by default, in any case. `Accept: "
                         "text/tab-separated-values` gives a TSV a spreadsheet opens as is.",
    parameters=[{"in": "query", "name": "case_sensitive", "required": False,
                 "schema": {"type": "boolean", "default": False},
                 "description": "for a plain-text body: match in the symbols' case only"}, RELEASE_QUERY_PARAMETER],
    body={JSON: {"anyOf": [CheckRequestSchema, {"type": "array", "items": {"type": "string"}, "maxItems": MAX_INPUTS}]},
          "text/plain": {"type": "string", "minLength": 1}},
    body_required=True, reads_store=True,
    responses={200: {"description": "a row per match", "content": {
                   JSON: {"schema": {"type": "array", "items": CheckRowSchema}},
                   TSV: {"schema": {"type": "string"}}}},
               400: problem_answer("no symbols, not JSON or UTF-8 text, or a `case_sensitive` that is not a boolean"),
               413: problem_answer("more than 100,000 symbols, or a larger body than the limit")})
@inject
def check_symbols(readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """The multi-symbol checker: how each symbol matches, approved, previous, alias or withdrawn; TSV by Accept."""
    checker = readers.checker(asked_release())
    symbols, case_sensitive = _check_input()
    rows = checker.check(symbols, case_sensitive).value
    if request.accept_mimetypes.best_match([JSON, TSV], default=JSON) == TSV:
        response = Response(_tsv(rows), mimetype=TSV)
        response.headers["Content-Disposition"] = 'attachment; filename="hgnc-symbol-check.tsv"'
    else:
        # What CheckRowSchema documents, written directly: marshmallow's dump cost the checker ~40% of its time.
        response = Response(orjson.dumps([_row_json(row) for row in rows]) + b"\n", mimetype=JSON)
    response.vary.add("Accept")
    return response


@blueprint.post("/data/withdrawn")
@operation(
    "genes", description="Without a body, loads from `HGNC_WITHDRAWN_SOURCE` (default: HGNC's withdrawn.txt). "
                         "Takes HGNC's withdrawn TSV or JSON, or a custom download, of which it keeps the "
                         "withdrawn rows. What the approved routes count and list is unchanged.",
    body={media_type: BINARY for media_type in ("application/octet-stream", JSON, TSV, "application/gzip")},
    reads_store=True,
    responses={201: json_answer("the withdrawn entries are loaded", LoadSummarySchema),
               400: problem_answer("the source holds no withdrawn entries of HGNC's"),
               502: problem_answer("`HGNC_WITHDRAWN_SOURCE` cannot be read")})
@admin_only
@inject
def load_withdrawn(
    service: WithdrawnService = Provide[Container.withdrawn_service],
    uploaded_source: Callable[..., WithdrawnSource] = Provide[Container.uploaded_withdrawn_source.provider],
) -> tuple[Response, int]:
    """Load HGNC's withdrawn entries beside the approved set: from HGNC_WITHDRAWN_SOURCE, or from the body."""
    body = read_body(MAX_UPLOAD_BYTES)
    summary = service.load(uploaded_source(body) if body else None)
    return jsonify(_load_summary.dump(summary)), 201


def _check_input() -> tuple[list[str], bool]:
    """The symbols and the case sensitivity: from JSON (its own `case_sensitive` first), or from text as
    pasted; `?case_sensitive=true` either way."""
    flag = request.args.get("case_sensitive", "false").lower()
    if flag not in ("true", "false", "1", "0"):
        raise BadRequest("case_sensitive must be true or false")
    case_sensitive = flag in ("true", "1")
    body = read_body(MAX_CHECK_BYTES)
    if not body:
        raise BadRequest("the body is empty: send the symbols, as JSON or as plain text")
    if request.is_json:
        try:
            document = json.loads(body)
        except ValueError as error:
            raise BadRequest(f"the body is not valid JSON: {error}") from None
        loaded = _check_request.load(document)
        symbols = CheckRequestSchema.symbols_of(loaded["symbols"])
        case_sensitive = loaded.get("case_sensitive", case_sensitive)
    else:
        try:
            symbols = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the body is not UTF-8 text") from None
    return (split_pasted(symbols) if isinstance(symbols, str) else symbols), case_sensitive


def _row_json(row: CheckRow) -> dict[str, Any]:
    return {"input": row.input, "match_type": row.match_type.value, "approved_symbol": row.approved_symbol,
            "approved_name": row.approved_name, "hgnc_id": row.hgnc_id, "location": row.location,
            "replaced_by": [{"hgnc_id": r.hgnc_id, "symbol": r.symbol} for r in row.replaced_by]}


def _tsv(rows: list[CheckRow]) -> str:
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\r\n")
    writer.writerow(TSV_COLUMNS)
    writer.writerows([
        row.input, row.match_type.value, row.approved_symbol or "", row.approved_name or "", row.hgnc_id or "",
        row.location or "", ", ".join(f"{r.hgnc_id} {r.symbol or ''}".rstrip() for r in row.replaced_by),
    ] for row in rows)
    return text.getvalue()
