"""The plot: a PNG for any results, from many years to none, the same each time."""
from __future__ import annotations

import io
import struct
from datetime import date

import pytest
from PIL import Image

from adapters.pillow_plot import PillowPlotRenderer
from genes.analysis import JobResults
from genes.release_diff import GeneRef, ReleaseDiff, Renamed, XrefChange

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BLUE, ORANGE, GREEN, RED = (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)  # matplotlib's tab: colours


def results(per_year: dict[str, dict[str, int]], locus_group: str | None = None) -> JobResults:
    """Only what the plot draws is filled in: the range, the group, the counts per year and group."""
    return JobResults(start_date=date(1980, 1, 1), end_date=date(2020, 12, 31), locus_group=locus_group, total=0,
                      by_year={}, by_locus_group={}, by_locus_type={}, by_chromosome={},
                      by_year_and_locus_group=per_year)


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
    png = PillowPlotRenderer().render(results(per_year))

    assert size_of(png) == (1000, 500)
    assert len(png) > 5_000


def test_the_same_results_render_the_same_picture_every_time() -> None:
    renderer = PillowPlotRenderer()
    per_year = {"2000": {"pseudogene": 14, "other": 2}, "2001": {"protein-coding gene": 9}}

    assert renderer.render(results(per_year)) == renderer.render(results(per_year))


def pixels(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_each_group_shown_has_its_colour_stacked_in_order_and_the_others_none() -> None:
    per_year = {"2000": {"protein-coding gene": 30, "pseudogene": 10}}

    picture = pixels(PillowPlotRenderer().render(results(per_year)))

    colours = {colour for _, colour in picture.getcolors(maxcolors=256)}
    assert {BLUE, GREEN} <= colours and not {ORANGE, RED} & colours
    # One year fills the middle of the axes: protein-coding at the bottom, pseudogenes on top of it.
    assert picture.getpixel((525, 440)) == BLUE
    assert picture.getpixel((525, 120)) == GREEN
    assert picture.getpixel((525, 300)) == BLUE  # 30 of 40: three quarters of the height


def test_no_gene_draws_no_bar_and_says_so() -> None:
    picture = pixels(PillowPlotRenderer().render(results({})))

    colours = {colour for _, colour in picture.getcolors(maxcolors=256)}
    assert not {BLUE, ORANGE, GREEN, RED} & colours
    assert min(picture.crop((400, 260, 650, 280)).convert("L").getextrema()) < 100  # the sentence, in ink


def test_a_release_diff_draws_a_bar_a_kind_coloured_by_what_changed_even_for_one_change() -> None:
    diff = ReleaseDiff(date(2024, 7, 23), date(2024, 10, 18), withdrawn=(GeneRef("HGNC:3545", "F7R"),),
                       renamed=tuple(Renamed(f"HGNC:{n}", "A", "B") for n in range(27)),
                       xrefs_added=tuple(XrefChange("HGNC:5", "A1BG", "mgd_id", f"MGI:{n}") for n in range(1537)))

    png = PillowPlotRenderer().render_release_diff(diff)

    assert size_of(png) == (1000, 500)
    colours = {colour for _, colour in Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 16)}
    assert {BLUE, ORANGE, GREEN} <= colours  # which genes, their symbol, their cross-references
    assert PillowPlotRenderer().render_release_diff(ReleaseDiff(date(2024, 7, 23), date(2024, 10, 18))).startswith(PNG_MAGIC)
