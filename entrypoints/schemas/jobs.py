"""The job routes' schemas: a job's parameters and the listing's query, and the job and results answered."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from entrypoints.schemas.paging import MAX_OFFSET
from genes.gene import LOCUS_GROUPS
from genes.job import JobParameters, JobStatus

MAX_JOB_PAGE = 10_000

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

