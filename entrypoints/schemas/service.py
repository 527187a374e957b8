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




class LivenessSchema(Schema):
    """`GET /health/live`: the process answers."""

    status = fields.String(required=True, validate=validate.Equal("alive"))


class ReadinessSchema(Schema):
    """`GET /health/ready`: whether the process can serve its gene reads, and why."""

    status = fields.String(required=True, validate=validate.Equal("ready"))
    redis = fields.String(required=True, validate=validate.OneOf(["up", "down"]))
    genes = fields.String(required=True, validate=validate.OneOf(["held", "not held"]), metadata={
        "description": "held: this process answers gene reads from memory, Redis or not"})
