"""The multi-symbol checker's request and rows (`POST /genes/check`)."""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from genes.symbol_check import MAX_INPUTS, MatchType


class CheckRequestSchema(Schema):
    """`POST /genes/check` as JSON: a list of symbols, or {"symbols": list or pasted text, "case_sensitive": bool}."""

    class Meta:
        unknown = RAISE

    symbols = fields.Raw(required=True, metadata={
        "description": f"the symbols: a list of at most {MAX_INPUTS:,} strings, or text as pasted "
                       "(one a line, or separated by commas, spaces or tabs)",
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "maxItems": MAX_INPUTS}]})
    case_sensitive = fields.Boolean(metadata={"description": "match in the symbols' case only (default: "
                                                             "`?case_sensitive=`, else false)"})

    @pre_load
    def _a_list_alone(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and "case_sensitive" in data and not isinstance(data["case_sensitive"], bool):
            raise ValidationError({"case_sensitive": ["must be true or false"]})  # marshmallow takes 0 and "yes"
        return {"symbols": data} if isinstance(data, list) else data

    @staticmethod
    def symbols_of(value: Any) -> list[str] | str:
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            return value
        raise ValidationError({"symbols": ["must be a list of strings or text"]})


class ReplacementSchema(Schema):
    hgnc_id = fields.String()
    symbol = fields.String(allow_none=True)


class CheckRowSchema(Schema):
    input = fields.String()
    match_type = fields.Function(lambda row: row.match_type.value,
                                 metadata={"enum": [match_type.value for match_type in MatchType]})
    approved_symbol = fields.String(allow_none=True)
    approved_name = fields.String(allow_none=True)
    hgnc_id = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    replaced_by = fields.List(fields.Nested(ReplacementSchema), metadata={
        "description": "a withdrawn entry's replacements, as HGNC names them"})
