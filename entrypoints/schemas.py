"""Marshmallow schemas: every request's input is validated here; every answer's shape is declared here."""
from __future__ import annotations

import re

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from genes.gene import LOCUS_GROUPS
from genes.job import JobParameters, JobStatus

MAX_PAGE = 50_000
MAX_JOB_PAGE = 10_000
MAX_OFFSET = 1_000_000_000  # beyond any gene set; keeps offset + limit inside Redis's 64-bit range


class GeneQuerySchema(Schema):
    """The query string of `GET /genes`."""

    class Meta:
        unknown = RAISE

    symbol = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "approved, previous or alias symbol, any case"},
    )
    locus_group = fields.String(validate=validate.OneOf(LOCUS_GROUPS))
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE), strict=False)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET), strict=False)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDate(fields.Date):
    """A calendar date written exactly as YYYY-MM-DD."""

    default_error_messages = {"invalid": "Not a valid date: expected YYYY-MM-DD."}

    def _deserialize(self, value, attr, data, **kwargs):
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
    def start_not_after_end(self, data: dict, **kwargs) -> None:
        if "start_date" in data and "end_date" in data and data["start_date"] > data["end_date"]:
            raise ValidationError("must not be before start_date", field_name="end_date")

    @post_load
    def to_parameters(self, data: dict, **kwargs) -> JobParameters:
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
    error = fields.String(allow_none=True, required=True, metadata={"description": "why it failed"})
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
