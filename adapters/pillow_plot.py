"""The plots of a job's results, drawn with Pillow: an analysis's approvals per year, stacked by locus
group; a release diff's changes counted by kind.

The picture matplotlib drew for us before (same size, layout, font, colours and ticks, which
matplotlib's own locator still chooses), in a tenth of the time: matplotlib's fixed cost per
figure (artists, text layout, a general renderer) was 60% of a full-range job, and a figure
built once per worker and redrawn still spent ~65 ms drawing ~25 texts. Here a job's plot is
about 40 rectangles and 20 short texts on a white canvas.
"""
from __future__ import annotations

import io
from functools import cached_property
from pathlib import Path
from typing import Mapping

import matplotlib
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageDraw, ImageFont

from genes.analysis import JobResults
from genes.gene import LOCUS_GROUPS
from genes.release_diff import CHANGE_KINDS, ReleaseDiff

# One colour per group whatever groups a plot shows, so that two plots compare at a glance
# (matplotlib's tab:blue, tab:orange, tab:green, tab:red).
GROUP_RGB = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))
# The picture is drawn as a palette image, 8 bits a pixel: a PNG of it is encoded 10x faster than
# of RGB. Index 0 is black, 255 white, and the levels between antialias the text, as grey; four of
# those levels, the darkest but black, are the bars' colours instead.
INK, WHITE = 0, 255
GROUP_COLOURS = {group: 1 + n for n, group in enumerate(LOCUS_GROUPS)}
PALETTE = [channel for level in range(256) for channel in (
    GROUP_RGB[level - 1] if 0 < level <= len(GROUP_RGB) else (level, level, level))]
# Text pixels left at those levels become the nearest grey (they are 98% black), before the bars are drawn.
FREE_GREYS = [len(GROUP_RGB) + 1 if 0 < level <= len(GROUP_RGB) else level for level in range(256)]
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
SIZE = (1000, 500)
PT = 100 / 72  # pixels per point at 100 dpi
# The axes' box, in pixels from the top left (matplotlib's subplots_adjust 0.07, 0.98, 0.1, 0.82).
LEFT, RIGHT, TOP, BOTTOM = 70, 980, 90, 450
BAR_WIDTH = 0.8
TICK = round(3.5 * PT)  # tick length, and the gap between a tick and its label
# Text baselines (pixels from the top) and legend sizes, as matplotlib laid them out.
TITLE_BASELINE, LEGEND_TITLE_BASELINE, LEGEND_BASELINE = 26, 53, 74
X_TICK_BASELINE, X_LABEL_BASELINE = 470, 490
EMPTY_X_LABEL_BASELINE = 467  # no tick labels: the x label moves up under the axes
PATCH_WIDTH, PATCH_TOP, PATCH_BOTTOM = round(20 * PT), 64, 74  # handlelength 2 em, handleheight 0.7 em
HANDLE_TEXT_PAD, COLUMN_SPACING = 0.8 * 10 * PT, 2 * 10 * PT
# zlib level 1: a quarter of the default level's time for a PNG about 15% larger.
PNG_OPTIONS = {"compress_level": 1}

Box = tuple[int, int, int, int]
# A release diff's chart: a bar a kind of change, across; its names on the left, in the room left of DIFF_LEFT.
DIFF_LEFT, DIFF_TOP = 170, 50
DIFF_BAR_HEIGHT = 0.7  # of a row
# The colours, by what changed: which genes there are, their symbol and fields, their cross-references.
KIND_COLOURS = {kind: 1 if kind in ("added", "merged", "withdrawn") else 3 if kind.startswith("xrefs") else 2
                for kind in CHANGE_KINDS}


class PillowPlotRenderer:
    """Renders any number of plots; the fonts and the turned y label are made once per renderer."""

    def render(self, results: JobResults) -> bytes:
        per_year = results.by_year_and_locus_group
        # First the text and ticks, antialiased on white; then the bars, in their own palette levels.
        canvas = Image.new("L", SIZE, WHITE)
        draw = ImageDraw.Draw(canvas)
        scope = results.locus_group or "all locus groups"
        draw.text(((LEFT + RIGHT) / 2, TITLE_BASELINE),
                  f"HGNC approvals per year, {results.start_date} to {results.end_date} ({scope})",
                  font=self._title_font, fill=INK, anchor="ms")
        bars = _Bars(per_year) if per_year else None
        draw.text(((LEFT + RIGHT) / 2, X_LABEL_BASELINE if bars else EMPTY_X_LABEL_BASELINE), "year approved",
                  font=self._font, fill=INK, anchor="ms")
        if bars is not None:
            self._draw_y_label(canvas, self._draw_ticks(draw, bars))
            patches = self._draw_legend(draw, bars.groups)
        else:
            draw.text(((LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2), "no gene approved in this range",
                      font=self._font, fill=INK, anchor="mm")
            self._draw_y_label(canvas, LEFT)
        canvas = canvas.point(FREE_GREYS)
        draw = ImageDraw.Draw(canvas)
        if bars is not None:
            for box, group in [*bars.boxes(), *patches]:
                draw.rectangle(box, fill=GROUP_COLOURS[group])
        draw.rectangle((LEFT, TOP, RIGHT, BOTTOM), outline=INK)  # the spines, over the bars
        return _png(canvas)

    def render_release_diff(self, diff: ReleaseDiff) -> bytes:
        counts = diff.counts
        canvas = Image.new("L", SIZE, WHITE)
        draw = ImageDraw.Draw(canvas)
        draw.text(((DIFF_LEFT + RIGHT) / 2, TITLE_BASELINE),
                  f"HGNC changes from release {diff.from_release} to {diff.to_release}",
                  font=self._title_font, fill=INK, anchor="ms")
        highest = max(*counts.values(), 1) * 1.1  # room for the largest count's label

        def x(value: float) -> float:
            return DIFF_LEFT + value / highest * (RIGHT - DIFF_LEFT)

        row = (BOTTOM - DIFF_TOP) / len(counts)
        bars: list[tuple[Box, int]] = []
        for n, (kind, count) in enumerate(counts.items()):
            middle = DIFF_TOP + (n + 0.5) * row
            draw.line((DIFF_LEFT - TICK, round(middle), DIFF_LEFT, round(middle)), fill=INK)
            draw.text((DIFF_LEFT - 2 * TICK, middle), kind.replace("_", " "), font=self._font, fill=INK, anchor="rm")
            end = max(round(x(count)), DIFF_LEFT + 2) if count else DIFF_LEFT  # a count of 1 shows too
            draw.text((end + TICK, middle), f"{count:,}", font=self._font, fill=INK, anchor="lm")
            if end > DIFF_LEFT:
                half = row * DIFF_BAR_HEIGHT / 2
                bars.append(((DIFF_LEFT, round(middle - half), end - 1, round(middle + half) - 1), KIND_COLOURS[kind]))
        for tick in _ticks(0, highest):
            at = round(x(tick))
            draw.line((at, BOTTOM, at, BOTTOM + TICK - 1), fill=INK)
            draw.text((at, X_TICK_BASELINE), f"{tick:,.0f}", font=self._font, fill=INK, anchor="ms")
        draw.text(((DIFF_LEFT + RIGHT) / 2, X_LABEL_BASELINE), "changes", font=self._font, fill=INK, anchor="ms")
        canvas = canvas.point(FREE_GREYS)
        draw = ImageDraw.Draw(canvas)
        for box, colour in bars:
            draw.rectangle(box, fill=colour)
        draw.rectangle((DIFF_LEFT, DIFF_TOP, RIGHT, BOTTOM), outline=INK)
        return _png(canvas)

    def _draw_ticks(self, draw: ImageDraw.ImageDraw, bars: _Bars) -> float:
        """Both axes' ticks and their labels; where the y tick labels start, on the left."""
        for year in _ticks(bars.first, bars.last, min_n_ticks=1):
            at = round(bars.x(year))
            draw.line((at, BOTTOM, at, BOTTOM + TICK - 1), fill=INK)
            draw.text((at, X_TICK_BASELINE), f"{year:.0f}", font=self._font, fill=INK, anchor="ms")
        widest = 0.0
        for count in _ticks(0, bars.highest):
            at = round(bars.y(count))
            draw.line((LEFT - TICK, at, LEFT, at), fill=INK)
            label = f"{count:.0f}"
            draw.text((LEFT - 2 * TICK, at), label, font=self._font, fill=INK, anchor="rm")
            widest = max(widest, self._font.getlength(label))
        return LEFT - 2 * TICK - widest

    def _draw_legend(self, draw: ImageDraw.ImageDraw, groups: list[str]) -> list[tuple[Box, str]]:
        """One row above the bars, centred: the name of each group drawn, and its title above; the patches' boxes."""
        widths = [PATCH_WIDTH + HANDLE_TEXT_PAD + self._font.getlength(group) for group in groups]
        left = (LEFT + RIGHT) / 2 - (sum(widths) + COLUMN_SPACING * (len(groups) - 1)) / 2
        draw.text(((LEFT + RIGHT) / 2, LEGEND_TITLE_BASELINE), "locus group", font=self._font, fill=INK, anchor="ms")
        patches = []
        for group, width in zip(groups, widths):
            start = round(left)
            patches.append(((start, PATCH_TOP, start + PATCH_WIDTH - 1, PATCH_BOTTOM - 1), group))
            draw.text((left + PATCH_WIDTH + HANDLE_TEXT_PAD, LEGEND_BASELINE), group, font=self._font, fill=INK,
                      anchor="ls")
            left += width + COLUMN_SPACING
        return patches

    def _draw_y_label(self, canvas: Image.Image, right_of: float) -> None:
        """"genes", turned a quarter left, centred on the axes, 4 pt left of `right_of` (the tick labels)."""
        label = self._y_label
        canvas.paste(INK, (round(right_of - 4 * PT - label.width), round((TOP + BOTTOM - label.height) / 2)), label)

    @cached_property
    def _font(self) -> ImageFont.FreeTypeFont:
        # matplotlib's 10 pt at 100 dpi; the basic layout: ~3x faster than raqm's, the same for this text
        return ImageFont.truetype(str(FONT), 10 * PT, layout_engine=ImageFont.Layout.BASIC)

    @cached_property
    def _title_font(self) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(FONT), 12 * PT, layout_engine=ImageFont.Layout.BASIC)

    @cached_property
    def _y_label(self) -> Image.Image:
        """The mask of the y label, turned: drawn once per renderer."""
        ascent, descent = self._font.getmetrics()
        mask = Image.new("L", (round(self._font.getlength("genes")), ascent + descent), 0)
        ImageDraw.Draw(mask).text((0, 0), "genes", font=self._font, fill=255)
        return mask.transpose(Image.Transpose.ROTATE_90)


class _Bars:
    """The stacked bars of the results: the axes' limits, data to pixels, each segment's box."""

    def __init__(self, per_year: Mapping[str, Mapping[str, int]]) -> None:
        self.per_year = per_year
        self.years = [int(year) for year in per_year]  # numbers, not labels: gaps show
        self.first, self.last = min(self.years) - 0.7, max(self.years) + 0.7  # a bar's width and a little
        self.highest = max(sum(groups.values()) for groups in per_year.values()) * 1.05
        self.groups = [group for group in LOCUS_GROUPS if any(groups.get(group) for groups in per_year.values())]

    def x(self, value: float) -> float:
        return LEFT + (value - self.first) / (self.last - self.first) * (RIGHT - LEFT)

    def y(self, value: float) -> float:
        return BOTTOM - value / self.highest * (BOTTOM - TOP)

    def boxes(self) -> list[tuple[Box, str]]:
        """Each year's segment of each group, stacked in the groups' order; none under half a pixel high."""
        boxes = []
        bottoms = [0] * len(self.years)
        for group in self.groups:
            counts = [groups.get(group, 0) for groups in self.per_year.values()]
            for year, bottom, count in zip(self.years, bottoms, counts):
                upper, lower = round(self.y(bottom + count)), round(self.y(bottom))
                if upper < lower:
                    left, right = round(self.x(year - BAR_WIDTH / 2)), round(self.x(year + BAR_WIDTH / 2))
                    boxes.append(((left, upper, right - 1, lower - 1), group))
            bottoms = [bottom + count for bottom, count in zip(bottoms, counts)]
        return boxes


def _png(canvas: Image.Image) -> bytes:
    """The canvas's levels as a PNG of PALETTE."""
    picture = Image.frombytes("P", SIZE, canvas.tobytes())
    picture.putpalette(PALETTE)
    buffer = io.BytesIO()
    picture.save(buffer, format="png", **PNG_OPTIONS)
    return buffer.getvalue()


def _ticks(low: float, high: float, min_n_ticks: int = 2) -> list[float]:
    """Whole-number ticks within [low, high], as matplotlib's axes chose them."""
    chosen = MaxNLocator(integer=True, min_n_ticks=min_n_ticks).tick_values(low, high)
    return [float(tick) for tick in chosen if low <= tick <= high]
