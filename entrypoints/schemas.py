"""Marshmallow schemas: every request's input is validated here, at the boundary."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from genes.gene import LOCUS_GROUPS

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
