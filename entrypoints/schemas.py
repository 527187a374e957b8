"""Marshmallow schemas: every request's input is validated here, at the boundary."""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from genes.gene import LOCUS_GROUPS
from genes.job import JobParameters, JobStatus

MAX_PAGE = 50_000


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
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0), strict=False)


class IsoDate(fields.Date):
    """A calendar date written exactly as YYYY-MM-DD."""

    default_error_messages = {"invalid": "Not a valid date: expected YYYY-MM-DD."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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

    status = fields.Enum(JobStatus, by_value=True)
