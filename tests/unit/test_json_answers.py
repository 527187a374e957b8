"""JSON answers are encoded by orjson, yet read exactly as Flask's own encoder wrote them."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

pytestmark = pytest.mark.unit


@dataclass
class _Point:
    x: int


def _value() -> dict[str, object]:
    return {"symbol": "A1BG", "name": "alpha-1-B glycoprotein ü → α", "hgnc_id": "HGNC:5", "ids": [1, 2],
            "approved": date(1989, 6, 30), "at": datetime(2024, 10, 18, 17, 2, 15, tzinfo=timezone.utc),
            "id": uuid.UUID(int=5), "point": _Point(3), 7: "a key that is no text"}


def test_an_answer_decodes_to_what_flasks_own_encoder_gives_in_the_same_field_order(app: Flask) -> None:
    standard = DefaultJSONProvider(app)
    standard.sort_keys = False
    with app.app_context():
        ours = app.json.response(_value())
        expected = standard.response(_value())

    assert ours.mimetype == "application/json"
    assert json.loads(ours.get_data()) == json.loads(expected.get_data())
    assert [key for key in json.loads(ours.get_data())] == [str(key) for key in _value()]
    assert "alpha-1-B glycoprotein ü → α".encode() in ours.get_data()  # UTF-8, not \\u escapes


def test_what_it_cannot_encode_is_a_type_error_as_before(app: Flask) -> None:
    with app.app_context(), pytest.raises(TypeError):
        app.json.dumps({"x": object()})
