"""The matplotlib plot: a PNG for any results, from many years to none."""
from __future__ import annotations

import struct
from typing import Any

import pytest

from adapters.matplotlib_plot import MatplotlibPlotRenderer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def results(per_year: dict[str, dict[str, int]], locus_group: str | None = None) -> dict[str, Any]:
    return {"start_date": "1980-01-01", "end_date": "2020-12-31", "locus_group": locus_group,
            "by_year_and_locus_group": per_year}


def size_of(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_MAGIC) and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("per_year", [
    {str(year): {"protein-coding gene": year % 7 + 1, "pseudogene": year % 3, "other": 1} for year in range(1986, 2025)},
    {"2000": {"pseudogene": 14}},
    {"1986": {"non-coding RNA": 1}, "2013": {"non-coding RNA": 3000}},  # a gap of 26 years
    {},
], ids=["39 years of all groups", "one year of one group", "two years far apart", "no gene"])
def test_any_results_render_as_a_1000_by_500_png(per_year: dict[str, dict[str, int]]) -> None:
    png = MatplotlibPlotRenderer().render(results(per_year))

    assert size_of(png) == (1000, 500)
    assert len(png) > 5_000


def test_the_same_results_render_the_same_picture_every_time() -> None:
    renderer = MatplotlibPlotRenderer()
    per_year = {"2000": {"pseudogene": 14, "other": 2}, "2001": {"protein-coding gene": 9}}

    assert renderer.render(results(per_year)) == renderer.render(results(per_year))
