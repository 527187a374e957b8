"""The releases' schemas: `?release=` of every gene route, `GET /releases`, `PUT /releases/live`."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from marshmallow import RAISE, Schema, ValidationError, fields

from genes.errors import InvalidRelease
from genes.releases import parse_release

RELEASE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class ReleaseDate(fields.Field):  # type: ignore[type-arg]  # generic only in marshmallow's newer stubs
    """A release, YYYY-MM-DD (as HGNC dates its archives): a `date` once loaded."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "date", "pattern": RELEASE_PATTERN, "example": "2024-10-18",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str):
            raise ValidationError("a release is a date, YYYY-MM-DD")
        try:
            return parse_release(value)
        except InvalidRelease as error:
            raise ValidationError(str(error)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.isoformat() if value is not None else None


def release_parameter() -> ReleaseDate:
    """`?release=`: a held release to read rather than the live one."""
    return ReleaseDate(metadata={"description": "read this held release rather than the live one (GET /releases "
                                                "lists them); 400 when it is not held"})


class ReleaseQuerySchema(Schema):
    """The query string of a route that takes only `?release=`."""

    class Meta:
        unknown = RAISE

    release = release_parameter()


_release_query = ReleaseQuerySchema()
# `?release=` as OpenAPI writes it, for a route whose query string has no schema of its own.
RELEASE_QUERY_PARAMETER = {
    "in": "query", "name": "release", "required": False, "example": "2024-10-18",
    "schema": {"type": "string", "format": "date", "pattern": RELEASE_PATTERN},
    "description": "read this held release rather than the live one (GET /releases lists them); 400 when it "
                   "is not held"}


def asked_release() -> date | None:
    """The request's `?release=` (its other parameters are left to their own schema); None: the live release."""
    text = request.args.get("release")
    if text is None:
        return None
    loaded: date = _release_query.load({"release": text})["release"]
    return loaded


class ReleaseSchema(Schema):
    """One held release, as `GET /releases` lists it."""

    release = ReleaseDate(required=True, attribute="date")
    count = fields.Integer(required=True, metadata={"description": "genes in this release"})
    loaded_at = fields.DateTime(required=True)
    source = fields.String(required=True, metadata={"description": "where it was loaded from"})
    live = fields.Boolean(required=True, metadata={"description": "whether the gene routes answer this release "
                                                                   "when none is asked for"})


class LiveReleaseSchema(Schema):
    """The body of `PUT /releases/live`."""

    class Meta:
        unknown = RAISE

    release = ReleaseDate(required=True, allow_none=True, metadata={
        "description": "the held release to make live; null: the newest held is live (as after each load)"})
