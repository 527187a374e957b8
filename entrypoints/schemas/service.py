"""The service routes' answers: `GET /health` and the lines of `GET /help`."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.Equal("ok"))


class RouteSchema(Schema):
    """One line of `GET /help`."""

    method = fields.String(required=True)
    route = fields.String(required=True)
    description = fields.String(required=True)


