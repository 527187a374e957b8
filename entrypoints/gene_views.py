"""HTTP routes over the gene data: translate requests into GeneService and GeneLookup calls."""
from __future__ import annotations

from typing import Callable, Iterator

import orjson
from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from entrypoints.admin_token import admin_only
from entrypoints.containers import Container
from entrypoints.http_caching import conditional
from entrypoints.operation import BINARY, JSON, json_answer, operation, path_parameter, problem_answer
from entrypoints.request_body import json_object_body, read_body
from entrypoints.schemas.genes import (
    DeletedSchema, GeneBatchQuerySchema, GeneFieldsSchema, GeneMatchSchema, GeneQuerySchema, GeneRecordSchema,
    InfoSchema, ReleaseLoadedSchema, gene_query_schema,
)
from entrypoints.schemas.releases import RELEASE_QUERY_PARAMETER, ReleaseQuerySchema, asked_release
from entrypoints.version import API_VERSION
from genes.gene import HGNC_ID_PATTERN
from genes.gene_service import GeneService
from genes.lookup import SEARCHABLE_FIELDS
from genes.ports import GeneSource, ReleaseReads
from genes.withdrawn_service import WithdrawnService, WithdrawnSource

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # the JSON release is ~35 MB
EXPORT_CHUNK_BYTES = 64 * 1024
MAX_QUERY_BYTES = 1024 * 1024  # 1,000 terms of up to 256 characters, with room for scopes and fields
NDJSON, TSV = "application/x-ndjson", "text/tab-separated-values"
_HGNC_ID = {"type": "string", "pattern": f"^{HGNC_ID_PATTERN.pattern}$"}
# With `fields`, a gene is its hgnc_id and the fields asked.
_CHOSEN = {"type": "object", "required": ["hgnc_id"], "properties": {"hgnc_id": _HGNC_ID}}

blueprint = Blueprint("genes", __name__)


class GeneIdConverter(PathConverter):
    """Any text after /genes/ but `query` and `check` (POST /genes/query's and /genes/check's own): a
    malformed id reaches the view and is answered 400, not 404 by the router, and GET /genes/query is a 405."""

    regex = r"(?!(?:query|check)$)[^/].*?"


@blueprint.record_once
def _gene_id_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("gene_id", GeneIdConverter)


_gene_fields = GeneFieldsSchema()
_batch_query = GeneBatchQuerySchema()
_load_summary = ReleaseLoadedSchema()
_info = InfoSchema()
_release_query = ReleaseQuerySchema()


@blueprint.post("/data")
@operation(
    "genes", description="Without a body, loads from `HGNC_SOURCE`. The format is recognised from the "
                         "content whatever the Content-Type. A failed load leaves the loaded data untouched.",
    body={media_type: BINARY for media_type in ("application/octet-stream", JSON, TSV, "application/gzip")},
    query=ReleaseQuerySchema, reads_store=True,
    responses={201: json_answer("the release is loaded (replacing the one of the same date, if held)",
                                ReleaseLoadedSchema),
               400: problem_answer("the source is not an HGNC complete set, or its release cannot be told: "
                                   "give `?release=`"),
               502: problem_answer("`HGNC_SOURCE` cannot be read")})
@admin_only
@inject
def load_data(
    service: GeneService = Provide[Container.gene_service],
    uploaded_source: Callable[..., GeneSource] = Provide[Container.uploaded_gene_source.provider],
    withdrawn_service: WithdrawnService = Provide[Container.withdrawn_service],
    uploaded_withdrawn: Callable[..., WithdrawnSource] = Provide[Container.uploaded_withdrawn_source.provider],
) -> tuple[Response, int]:
    """Load an HGNC release beside those held: from HGNC_SOURCE, or from the request body (JSON or TSV, plain or gzip)."""
    release = _release_query.load(request.args).get("release")
    body = read_body(MAX_UPLOAD_BYTES)
    source = uploaded_source(body) if body else None
    summary = service.load(source, release)
    if body:  # a file that holds withdrawn rows (a custom download): they are kept too
        withdrawn_service.load_any(uploaded_withdrawn(body))
    return jsonify(_load_summary.dump(summary)), 201


@blueprint.get("/data")
@operation(
    "genes", description="JSON by default; `Accept: application/x-ndjson` gives one record a line, "
                         "`Accept: text/tab-separated-values` HGNC's TSV (its columns in their order, lists "
                         "joined with `|`), which `POST /data` loads back to the same records. gzip-encoded "
                         "for a client that accepts it, streamed either way.",
    parameters=[RELEASE_QUERY_PARAMETER], reads_store=True, conditional=True,
    responses={200: {"description": "every record; none when nothing is loaded", "content": {
        JSON: {"schema": {"type": "array", "items": GeneRecordSchema}},
        NDJSON: {"schema": {"type": "string"}},
        TSV: {"schema": {"type": "string"}}}}})
@inject
def export_data(readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """Every gene record (streamed): a JSON list, or by Accept one JSON record a line (NDJSON) or HGNC's TSV."""
    lookup = readers.lookup(asked_release())
    media_type = request.accept_mimetypes.best_match([JSON, NDJSON, TSV], default=JSON)
    export = lookup.export_tsv() if media_type == TSV else lookup.export_json()
    chunked: dict[str, Callable[[Iterator[str]], Iterator[str]]] = {JSON: _json_list, NDJSON: _json_lines, TSV: iter}
    stream = chunked[media_type](export.value)
    response = conditional(export.set_id, lambda: Response(stream, mimetype=media_type), variant=f".{media_type}")
    response.vary.add("Accept")
    return response


@blueprint.delete("/data")
@operation("genes", description="With `?release=`, only that release goes (if it was live, the newest left is "
                                "live); without, every release, and the withdrawn entries loaded beside them.",
           query=ReleaseQuerySchema, reads_store=True,
           responses={200: json_answer("the data is gone", DeletedSchema)})
@admin_only
@inject
def delete_data(service: GeneService = Provide[Container.gene_service],
                withdrawn_service: WithdrawnService = Provide[Container.withdrawn_service]) -> Response:
    """Delete the gene data: every release (the withdrawn entries loaded beside them too), or ?release= alone."""
    release = _release_query.load(request.args).get("release")
    deleted = service.clear(release)
    if release is None:
        withdrawn_service.clear()
    return jsonify(deleted=deleted)


@blueprint.get("/genes")
@operation(
    "genes", description="Every lookup given must hold. Matching is exact and in any case. Without `fields`, "
                         "the ids; with it, one object per gene: `hgnc_id` and those fields.",
    query=GeneQuerySchema, reads_store=True, conditional=True,
    responses={200: json_answer("the matching genes: by `symbol`'s rank when it is given, else in load order",
                                {"anyOf": [{"type": "array", "items": _HGNC_ID},
                                           {"type": "array", "items": _CHOSEN}]})})
@inject
def list_genes(readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """The hgnc_id of every gene, or of those matching every lookup given (?symbol=, ?entrez_id=, ...); ?fields=, ?limit=, ?offset=."""
    query, fields = gene_query_schema(frozenset(request.args)).load(request.args)
    lookup = readers.lookup(asked_release())
    if fields is None:
        ids = lookup.find_ids(query)
        # What jsonify writes for a list of ids, for about a tenth of a lookup's CPU less.
        return conditional(ids.set_id, lambda: Response(orjson.dumps(ids.value) + b"\n", mimetype=JSON))
    records = lookup.find_records(query, fields)
    return conditional(records.set_id, lambda: jsonify(records.value))


@blueprint.post("/genes/query")
@operation(
    "genes", description="Each term is matched against each scope (default `hgnc_id` and `symbol`, "
                         "ranked as `GET /genes?symbol=` ranks). The answer lists, in the order of `q`, one "
                         "object per gene found per term (its record, or `hgnc_id` and `fields`), and "
                         "`{\"query\": term, \"notfound\": true}` for a term that found none.",
    json_body=GeneBatchQuerySchema, parameters=[RELEASE_QUERY_PARAMETER], reads_store=True,
    responses={200: json_answer("the matches", {"type": "array", "items": GeneMatchSchema})})
@inject
def query_genes(readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """Many terms at once: {"q": [...], "scopes": [...], "fields": [...]}; one answer per gene found per term."""
    lookup = readers.lookup(asked_release())
    body = _batch_query.load(json_object_body("the terms to find", MAX_QUERY_BYTES))
    return jsonify(lookup.match(body["q"], body["scopes"], body.get("fields")).value)


@blueprint.get("/genes/<gene_id:hgnc_id>")
@operation(
    # Any text reaches the view (no routing-level 404): one that does not match is answered 400.
    "genes", parameters=[path_parameter("hgnc_id", "e.g. `HGNC:5`", pattern=_HGNC_ID["pattern"])],
    query=GeneFieldsSchema, reads_store=True, conditional=True,
    responses={200: json_answer("the record; with `fields`, its `hgnc_id` and those fields it has",
                                {"anyOf": [GeneRecordSchema, _CHOSEN]}),
               400: problem_answer("not an hgnc_id, or an unknown field name"),
               404: problem_answer("no gene with this id"),
               410: problem_answer("the id's entry was withdrawn: `replaced_by` lists the ids HGNC names "
                                   "instead (POST /data/withdrawn loads them)")})
@inject
def get_gene(hgnc_id: str, readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """The whole record of one gene, e.g. /genes/HGNC:5; ?fields= picks fields."""
    asked = _gene_fields.load(request.args) if request.args else {}
    fields, lookup = asked.get("fields"), readers.lookup(asked.get("release"))
    if fields is not None:
        chosen = lookup.get_fields(hgnc_id, fields)
        return conditional(chosen.set_id, lambda: jsonify(chosen.value))
    # The record as stored: decoding and re-encoding it cost ~20 µs of CPU a request.
    record = lookup.get_json(hgnc_id)
    return conditional(record.set_id, lambda: Response(record.value + "\n", mimetype=JSON))


@blueprint.get("/info")
@operation("genes", parameters=[RELEASE_QUERY_PARAMETER], reads_store=True, conditional=True,
           responses={200: json_answer("what is loaded", InfoSchema)})
@inject
def info(readers: ReleaseReads = Provide[Container.release_readers]) -> Response:
    """What is loaded (release, count, when, from where, newest date_modified), what can be looked up, and the version."""
    loaded = readers.lookup(asked_release()).info()
    set_info = loaded.value
    answer = {
        "count": set_info.count if set_info else 0,
        "loaded_at": set_info.loaded_at if set_info else None,
        "source": set_info.source if set_info else None,
        "release": set_info.release if set_info else None,
        "last_modified": set_info.last_modified if set_info else None,
        "searchable_fields": list(SEARCHABLE_FIELDS),
        "version": API_VERSION,
    }
    return conditional(loaded.set_id, lambda: jsonify(_info.dump(answer)))


def _json_list(records: Iterator[str]) -> Iterator[str]:
    """`[` records joined by commas `]`, in chunks of about EXPORT_CHUNK_BYTES."""
    chunk, size, separator = ["["], 1, ""
    for record in records:
        chunk += (separator, record)
        size += len(record) + 1
        separator = ","
        if size >= EXPORT_CHUNK_BYTES:
            yield "".join(chunk)
            chunk, size = [], 0
    chunk.append("]")
    yield "".join(chunk)


def _json_lines(records: Iterator[str]) -> Iterator[str]:
    """One record a line, in chunks of about EXPORT_CHUNK_BYTES."""
    chunk: list[str] = []
    size = 0
    for record in records:
        chunk += (record, "\n")
        size += len(record) + 1
        if size >= EXPORT_CHUNK_BYTES:
            yield "".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield "".join(chunk)
