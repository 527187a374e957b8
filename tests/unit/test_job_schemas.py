"""POST /jobs's body, by kind: an analysis by default, a release diff by `kind`; and the diff's answer documented."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError

from entrypoints.schemas.jobs import JobRequestSchema, ReleaseDiffResultsSchema
from genes.job import JobParameters, ReleaseDiffParameters
from genes.release_diff import FieldChange, GeneRef, Merged, ReleaseDiff, Renamed, XrefChange, diff_json

JULY, OCTOBER = "2024-07-23", "2024-10-18"
schema = JobRequestSchema()


def errors_of(body: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as refused:
        schema.load(body)
    messages: dict[str, Any] = refused.value.messages  # type: ignore[assignment]
    return messages


def test_a_body_without_kind_is_an_analysis_with_the_release_it_asks_for_if_any() -> None:
    assert schema.load({"start_date": "2000-01-01", "end_date": "2000-12-31"}) == \
        JobParameters(date(2000, 1, 1), date(2000, 12, 31))
    assert schema.load({"kind": "analysis", "start_date": "2000-01-01", "end_date": "2000-12-31",
                        "release": JULY}) == JobParameters(date(2000, 1, 1), date(2000, 12, 31), release=date(2024, 7, 23))


def test_a_release_diff_takes_from_and_to() -> None:
    assert schema.load({"kind": "release_diff", "from": JULY, "to": OCTOBER}) == \
        ReleaseDiffParameters(date(2024, 7, 23), date(2024, 10, 18))


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "release_diff", "from": JULY, "to": JULY}, "to"),
    ({"kind": "release_diff", "from": OCTOBER, "to": JULY}, "to"),
    ({"kind": "release_diff", "from": JULY, "to": OCTOBER, "locus_group": "other"}, "locus_group"),
    ({"kind": "release_diff", "to": OCTOBER}, "from"),
    ({"kind": "release_diff", "from": "2024-7-23", "to": OCTOBER}, "from"),
    ({"start_date": "2000-01-01", "end_date": "2000-12-31", "from": JULY}, "from"),
    ({"start_date": "2000-01-01", "end_date": "2000-12-31", "release": "July"}, "release"),
    ({"kind": "sum", "start_date": "2000-01-01"}, "kind"),
    ({"kind": 3}, "kind"),
])
def test_a_wrong_body_names_the_wrong_field(body: dict[str, Any], field: str) -> None:
    assert list(errors_of(body)) == [field]


def test_the_diff_json_is_what_its_schema_documents() -> None:
    diff = ReleaseDiff(date(2024, 7, 23), date(2024, 10, 18), added=(GeneRef("HGNC:5", "A1BG"),),
                       merged=(Merged("HGNC:9", "OLD", (GeneRef("HGNC:5", "A1BG"),)),),
                       renamed=(Renamed("HGNC:5", "A1B", "A1BG"),),
                       location_changed=(FieldChange("HGNC:5", "A1BG", None, "19q13.43"),),
                       xrefs_added=(XrefChange("HGNC:5", "A1BG", "mgd_id", "MGI:1"),))

    assert ReleaseDiffResultsSchema().validate(diff_json(diff)) == {}
