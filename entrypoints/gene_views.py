"""HTTP routes over the gene data: translate requests into GeneService and GeneLookup calls."""
from __future__ import annotations

from typing import Callable, Iterator

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, jsonify, request

from entrypoints.admin_token import admin_only
from entrypoints.containers import Container
from entrypoints.request_body import read_body
from entrypoints.schemas import GeneQuerySchema, LoadSummarySchema
from genes.gene_lookup import GeneLookup, GeneQuery
from genes.gene_service import GeneService
from genes.ports import GeneSource

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # the JSON release is ~35 MB
EXPORT_CHUNK_BYTES = 64 * 1024

blueprint = Blueprint("genes", __name__)
_gene_query = GeneQuerySchema()
_load_summary = LoadSummarySchema()


@blueprint.post("/data")
@admin_only
@inject
def load_data(
    service: GeneService = Provide[Container.gene_service],
    uploaded_source: Callable[..., GeneSource] = Provide[Container.uploaded_gene_source.provider],
) -> tuple[Response, int]:
    """Load the HGNC complete set into Redis: from HGNC_SOURCE, or from the request body (JSON or TSV, plain or gzip)."""
    body = read_body(MAX_UPLOAD_BYTES)
    source = uploaded_source(body) if body else None
    summary = service.load(source)
    return jsonify(_load_summary.dump(summary)), 201


@blueprint.get("/data")
@inject
def export_data(lookup: GeneLookup = Provide[Container.gene_lookup]) -> Response:
    """Every gene record, as one JSON list (streamed)."""
    return Response(_json_list(lookup.export_json()), mimetype="application/json")


@blueprint.delete("/data")
@admin_only
@inject
def delete_data(service: GeneService = Provide[Container.gene_service]) -> Response:
    """Delete the gene data."""
    deleted = service.clear()
    return jsonify(deleted=deleted)


@blueprint.get("/genes")
@inject
def list_genes(lookup: GeneLookup = Provide[Container.gene_lookup]) -> Response:
    """The hgnc_id of every gene; ?symbol= finds by symbol, previous symbol or alias; ?locus_group=, ?limit=, ?offset=."""
    query = GeneQuery(**_gene_query.load(request.args))
    return jsonify(lookup.find_ids(query))


@blueprint.get("/genes/<path:hgnc_id>")
@inject
def get_gene(hgnc_id: str, lookup: GeneLookup = Provide[Container.gene_lookup]) -> Response:
    """The whole record of one gene, e.g. /genes/HGNC:5."""
    # The record as stored: decoding and re-encoding it cost ~20 µs of CPU a request.
    return Response(lookup.get_json(hgnc_id) + "\n", mimetype="application/json")


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
