"""Marshmallow schemas: every request's input is validated here; every answer's shape is declared here."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, Mapping

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from genes.gene import LOCUS_GROUPS, RECORD_FIELDS
from genes.gene_lookup import DEFAULT_SCOPES, GeneQuery
from genes.lookup import LIST_LOOKUPS, LOOKUP_FIELDS, SCOPES, SEARCHABLE_FIELDS, VERSIONED_FIELDS
from genes.job import JobParameters, JobStatus

MAX_PAGE = 50_000
MAX_JOB_PAGE = 10_000
MAX_OFFSET = 1_000_000_000  # beyond any gene set; keeps offset + limit inside Redis's 64-bit range


# An example of each lookup parameter from the HGNC set: BRCA1's, or A1BG's and A1BG-AS1's where BRCA1 has none.
LOOKUP_EXAMPLES = {
    "entrez_id": "672", "ensembl_gene_id": "ENSG00000012048", "uniprot_ids": "P38398",
    "refseq_accession": "NM_007294", "ccds_id": "CCDS12976", "vega_id": "OTTHUMG00000157426",
    "ucsc_id": "uc002ict.4", "ena": "U14680", "omim_id": "113705", "mgd_id": "MGI:104537",
    "rgd_id": "RGD:2218", "mane_select": "NM_007294", "rna_central_id": "URS00007E4F6E",
    "prev_symbol": "A1BGAS", "alias_symbol": "BRCC1", "locus_type": "gene with protein product",
    "location": "17q21",
}
LOOKUP_DESCRIPTIONS = {
    "location": "a cytoband: finds it and every band inside it (17q21 finds 17q21.31, not 17q22); any case",
    "locus_type": "exact, any case",
}
MAX_TERM_LENGTH = 256
MAX_BATCH_TERMS = 1_000


class FieldNames(fields.String):
    """`fields=`: comma-separated names of record fields, each known."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        names = [name.strip() for name in super()._deserialize(value, attr, data, **kwargs).split(",")]
        return _known_fields(names)


def _known_fields(names: list[str]) -> tuple[str, ...]:
    unknown = [name for name in names if name not in RECORD_FIELDS]
    if unknown:
        raise ValidationError(f"unknown field name{'s' if len(unknown) > 1 else ''}: {', '.join(map(repr, unknown))}; "
                              f"known: {', '.join(RECORD_FIELDS)}")
    return tuple(dict.fromkeys(names))


_FIELD_NAME = "|".join(re.escape(name) for name in RECORD_FIELDS)
_FIELDS_DESCRIPTION = "comma-separated record fields to answer, beside hgnc_id (e.g. symbol,name,entrez_id)"


class GeneFieldsSchema(Schema):
    """The query string of `GET /genes/<hgnc_id>`."""

    class Meta:
        unknown = RAISE

    # The parameter is named `fields`; marshmallow takes declared fields out of the class, so the name
    # shadows nothing at run time, only in Schema's annotations.
    fields = FieldNames(validate=validate.Length(min=1, max=2048), metadata={  # type: ignore[assignment]
        "description": _FIELDS_DESCRIPTION,
        "pattern": f"^({_FIELD_NAME})(,({_FIELD_NAME}))*$"})


def _lookup_description(name: str) -> str:
    if name in LOOKUP_DESCRIPTIONS:
        return LOOKUP_DESCRIPTIONS[name]
    description = "exact, any case"
    if name in LIST_LOOKUPS:
        description += "; a list field matches when one of its values does"
    if name in VERSIONED_FIELDS:
        description += "; an accession matches with or without its version"
    return description


# One query parameter per lookup field (locus_group, checked against its few values, is below).
# No `example`: Swagger UI's "Try it out" would fill in every one, and their AND finds nothing.
_LookupParameters = Schema.from_dict({
    name: fields.String(validate=validate.Length(min=1, max=MAX_TERM_LENGTH), metadata={
        "description": f"{_lookup_description(name)}; e.g. `{LOOKUP_EXAMPLES[name]}`"})
    for name in LOOKUP_FIELDS if name != "locus_group"
}, name="LookupParameters")


class GeneQuerySchema(GeneFieldsSchema, _LookupParameters):  # type: ignore[valid-type,misc]
    """The query string of `GET /genes`: every lookup given must hold (AND), then the page."""

    symbol = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "approved, previous or alias symbol, any case; ranked: approved first; "
                                 "e.g. `BRCA1`"},
    )
    locus_group = fields.String(validate=validate.OneOf(LOCUS_GROUPS))
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE), strict=False)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET), strict=False)

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> tuple[GeneQuery, tuple[str, ...] | None]:
        chosen = data.pop("fields", None)
        offset, limit = data.pop("offset", 0), data.pop("limit", None)
        return GeneQuery(criteria=data, offset=offset, limit=limit), chosen


@lru_cache(maxsize=256)
def gene_query_schema(names: frozenset[str]) -> GeneQuerySchema:
    """GeneQuerySchema for a query string of these parameter names: restricted to them when all are
    known (marshmallow's load walks every declared field: 220 µs for all 22, 30 µs for one; a
    third of a lookup's CPU), the whole schema otherwise, which refuses the unknown ones."""
    if names <= GeneQuerySchema._declared_fields.keys():
        return GeneQuerySchema(only=names)
    return GeneQuerySchema()


class GeneBatchQuerySchema(Schema):
    """The body of `POST /genes/query`."""

    class Meta:
        unknown = RAISE

    q = fields.List(fields.String(validate=validate.Length(max=MAX_TERM_LENGTH)), required=True,
                    validate=validate.Length(min=1, max=MAX_BATCH_TERMS,
                                             error=f"give from 1 to {MAX_BATCH_TERMS} terms"),
                    metadata={"description": f"the terms, at most {MAX_BATCH_TERMS}",
                              "example": ["BRCA1", "672", "P38398", "nosuch"]})
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), validate=validate.Length(min=1),
                         load_default=list(DEFAULT_SCOPES),
                         metadata={"description": "what each term is matched against; symbol: approved, "
                                                  "previous or alias symbol",
                                   "example": ["symbol", "entrez_id", "uniprot_ids"]})
    fields = fields.List(fields.String(validate=validate.OneOf(RECORD_FIELDS)), validate=validate.Length(min=1),  # type: ignore[assignment]  # see GeneFieldsSchema
                         metadata={"description": "the record fields to answer beside hgnc_id; absent: the "
                                                  "whole record", "example": ["symbol", "name"]})


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDate(fields.Date):
    """A calendar date written exactly as YYYY-MM-DD."""

    default_error_messages = {"invalid": "Not a valid date: expected YYYY-MM-DD."}

    def _deserialize(self, value: object, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class JobParametersSchema(Schema):
    """The body of `POST /jobs`."""

    class Meta:
        unknown = RAISE

    start_date = IsoDate(required=True, metadata={"description": "first date_approved_reserved to count, YYYY-MM-DD"})
    end_date = IsoDate(required=True, metadata={"description": "last date_approved_reserved to count, YYYY-MM-DD"})
    locus_group = fields.String(
        allow_none=True,
        validate=validate.OneOf(LOCUS_GROUPS),
        metadata={"description": "one HGNC locus group; absent or null means all"},
    )

    @validates_schema
    def start_not_after_end(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "start_date" in data and "end_date" in data and data["start_date"] > data["end_date"]:
            raise ValidationError("must not be before start_date", field_name="end_date")

    @post_load
    def to_parameters(self, data: dict[str, Any], **kwargs: Any) -> JobParameters:
        return JobParameters(**data)


class JobListQuerySchema(Schema):
    """The query string of `GET /jobs`."""

    class Meta:
        unknown = RAISE

    status = fields.Enum(JobStatus, by_value=fields.String)
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_JOB_PAGE), strict=False,
                           metadata={"description": "at most this many ids; without it, every one from `offset`"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET), strict=False,
                            metadata={"description": "ids to skip, oldest first"})


IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# Visible ASCII (a UUID, say): what every HTTP stack carries unchanged, spaces trimmed by none.
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")


def idempotency_key(value: str | None) -> str | None:
    """The Idempotency-Key header of `POST /jobs`, checked; None when not sent."""
    if value is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(value):
        raise ValidationError({IDEMPOTENCY_KEY_HEADER: ["must be 1 to 255 visible ASCII characters, e.g. a UUID"]})
    return value


# -- answers: what the API sends back (the OpenAPI document is generated from these) ----------


class JobSchema(Schema):
    """A job, as `POST /jobs`, `GET /jobs/<id>` and `DELETE /jobs/<id>` answer it."""

    id = fields.String(required=True)
    status = fields.Enum(JobStatus, by_value=fields.String, required=True)
    start_date = fields.Date(attribute="parameters.start_date", required=True)
    end_date = fields.Date(attribute="parameters.end_date", required=True)
    locus_group = fields.String(attribute="parameters.locus_group", allow_none=True, required=True,
                                validate=validate.OneOf(LOCUS_GROUPS))
    submitted_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True, required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    attempts = fields.Integer(required=True, metadata={"description": "how many times a worker has started it"})
    error = fields.String(allow_none=True, required=True, metadata={
        "description": "why it failed; while in progress, why its last attempt ended (it timed out)"})
    reused = fields.Boolean(required=True, metadata={
        "description": "true when it completed with the results of earlier jobs with the same parameters on the "
                       "gene set loaded: no analysis, no plot drawn again"})
    expires_at = fields.DateTime(allow_none=True, required=True, metadata={
        "description": "when the job, its results and plot are forgotten (`JOB_TTL_SECONDS` after it ended); "
                       "null while it runs, or when jobs are kept for ever"})


class ResultsSchema(Schema):
    """The analysis of a complete job: gene approvals in the range, counted several ways."""

    class Meta:
        unknown = INCLUDE

    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    locus_group = fields.String(allow_none=True, required=True, validate=validate.OneOf(LOCUS_GROUPS))
    total = fields.Integer(required=True)
    by_year = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_locus_group = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_locus_type = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_chromosome = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_year_and_locus_group = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()), required=True)


class GeneRecordSchema(Schema):
    """One HGNC record: list fields as arrays, empty fields left out. Typed here: what every load guarantees."""

    class Meta:
        unknown = INCLUDE

    hgnc_id = fields.String(required=True, metadata={"example": "HGNC:5"})
    symbol = fields.String(required=True, metadata={"example": "A1BG"})
    name = fields.Raw(metadata={"description": "the approved name", "example": "alpha-1-B glycoprotein"})
    locus_group = fields.String(metadata={"example": "protein-coding gene"})
    locus_type = fields.String(metadata={"example": "gene with protein product"})
    location = fields.String(metadata={"example": "19q13.43"})
    date_approved_reserved = fields.String(metadata={"description": "YYYY-MM-DD", "example": "1989-06-30"})
    prev_symbol = fields.List(fields.String())
    alias_symbol = fields.List(fields.String())


class LoadSummarySchema(Schema):
    """What `POST /data` loaded."""

    count = fields.Integer(required=True)
    source = fields.String(required=True)
    seconds = fields.Float(required=True)


class DeletedSchema(Schema):
    deleted = fields.Boolean(required=True, metadata={"description": "whether there was gene data to delete"})


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.Equal("ok"))


class RouteSchema(Schema):
    """One line of `GET /help`."""

    method = fields.String(required=True)
    route = fields.String(required=True)
    description = fields.String(required=True)


class GeneMatchSchema(Schema):
    """One answer of `POST /genes/query`: a gene a term found (its record, or hgnc_id and the fields
    asked), or the term alone with `notfound`."""

    class Meta:
        unknown = INCLUDE

    query = fields.String(required=True, metadata={"example": "BRCA1"})
    hgnc_id = fields.String(metadata={"example": "HGNC:1100"})
    notfound = fields.Boolean(validate=validate.Equal(True), metadata={"description": "present when nothing matched"})


class InfoSchema(Schema):
    """`GET /info`: what is loaded, and what can be looked up."""

    count = fields.Integer(required=True, metadata={"description": "genes loaded; 0 when none"})
    loaded_at = fields.DateTime(required=True, allow_none=True)
    source = fields.String(required=True, allow_none=True, metadata={"description": "where the set was loaded from"})
    last_modified = fields.String(required=True, allow_none=True,
                                  metadata={"description": "the newest date_modified in the set, YYYY-MM-DD"})
    searchable_fields = fields.List(fields.String(validate=validate.OneOf(SEARCHABLE_FIELDS)), required=True,
                                    metadata={"description": "the lookup parameters of GET /genes"})
    version = fields.String(required=True, metadata={"description": "this service's version"})


class JobCountsSchema(Schema):
    """How many jobs are in each status."""

    submitted = fields.Integer(required=True)
    in_progress = fields.Integer(required=True, data_key=JobStatus.IN_PROGRESS.value)
    complete = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)


class QueueSchema(Schema):
    """`GET /queue`: the queue, its workers and the jobs by status, each counted without reading any job."""

    queued = fields.Integer(required=True, metadata={"description": "ids waiting for a worker"})
    in_flight = fields.Integer(required=True, metadata={"description": "ids taken by workers and not yet acknowledged"})
    dead_letters = fields.Integer(required=True, metadata={"description": "queue messages that were not job ids, set aside"})
    workers = fields.Integer(required=True, metadata={"description": "workers holding a live lease"})
    jobs = fields.Nested(JobCountsSchema, required=True)


class WorkerSchema(Schema):
    """One live worker of `GET /workers`."""

    id = fields.String(required=True)
    host = fields.String(required=True)
    pid = fields.Integer(required=True)
    started_at = fields.DateTime(required=True)
    last_seen = fields.DateTime(required=True, metadata={"description": "its last heartbeat"})
    current_job = fields.String(allow_none=True, required=True, metadata={"description": "the id of the job it runs"})
    jobs_done = fields.Integer(required=True, metadata={"description": "jobs it has taken and acknowledged"})
    job_timeout_seconds = fields.Float(allow_none=True, required=True, metadata={
        "description": "its JOB_TIMEOUT_SECONDS: an attempt running longer is stopped"})
    current_job_started_at = fields.DateTime(allow_none=True, required=True, metadata={
        "description": "when it started the job it runs; null when it runs none"})
    current_job_seconds = fields.Float(allow_none=True, required=True, metadata={
        "description": "how long it has run that job, in seconds; null when it runs none"})


class ProblemSchema(Schema):
    """RFC 9457 problem details: the body of every error."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "a URI reference naming the kind of problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "invalid input: the messages of each wrong field"})
    job_status = fields.Enum(JobStatus, by_value=fields.String, metadata={"description": "the job's status, on a 409"})
