"""The plot of a job's results: approvals per year, stacked by locus group (matplotlib, Agg)."""
from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display in a worker container
from matplotlib.collections import PolyCollection  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator, ScalarFormatter  # noqa: E402

from genes.gene import LOCUS_GROUPS  # noqa: E402

# One colour per group whatever groups a plot shows, so that two plots compare at a glance.
GROUP_COLOURS = dict(zip(LOCUS_GROUPS, ("tab:blue", "tab:orange", "tab:green", "tab:red")))
BAR_WIDTH = 0.8
LEGEND_POINTS = 46  # the height of the one-row legend above the bars
# zlib level 1: a quarter of the default level's time for a PNG about 15% larger.
PNG_OPTIONS = {"compress_level": 1}

Box = tuple[tuple[float, float], ...]


class MatplotlibPlotRenderer:
    def render(self, results: dict[str, Any]) -> bytes:
        per_year: dict[str, dict[str, int]] = results["by_year_and_locus_group"]
        years = [int(year) for year in per_year]  # numbers, not labels: gaps show
        # A Figure made directly (not pyplot) keeps no global state between jobs.
        figure = Figure(figsize=(10, 5), dpi=100)
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.1, top=0.82)  # fixed: a layout engine doubles the cost
        axes = figure.subplots()
        tops = [0] * len(years)
        for group, colour in GROUP_COLOURS.items():
            counts = [groups.get(group, 0) for groups in per_year.values()]
            if any(counts):
                # One collection per group, not one Rectangle per bar: ~160 bar patches took longer
                # to add and draw than all the rest of the figure.
                bars = PolyCollection(_boxes(years, tops, counts), facecolors=colour, edgecolors="none", label=group)
                axes.add_collection(bars, autolim=False)
                tops = [top + count for top, count in zip(tops, counts)]
        scope = results["locus_group"] or "all locus groups"
        # An explicit y keeps the title where it is, sparing a measure of every tick label; the pad
        # leaves room for the legend, which sits between title and bars so that it never hides a bar.
        axes.set_title(f"HGNC approvals per year, {results['start_date']} to {results['end_date']} ({scope})",
                       y=1.0, pad=LEGEND_POINTS)
        axes.set_xlabel("year approved")
        axes.set_ylabel("genes")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        axes.xaxis.set_major_formatter(ScalarFormatter(useOffset=False))  # 2000, not 0 with "+2e3"
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if years:
            axes.set_xlim(min(years) - 0.7, max(years) + 0.7)  # a bar's width and a little: no empty year at the edges
            axes.set_ylim(0, max(tops) * 1.05)
            axes.legend(title="locus group", loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(LOCUS_GROUPS),
                        frameon=False)
        else:
            axes.set_xticks([])
            axes.set_yticks([])
            axes.text(0.5, 0.5, "no gene approved in this range", ha="center", va="center", transform=axes.transAxes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", pil_kwargs=PNG_OPTIONS)
        return buffer.getvalue()


def _boxes(years: list[int], bottoms: list[int], counts: list[int]) -> list[Box]:
    """The corners of each year's bar segment, stacked on `bottoms`; none where the count is 0."""
    half = BAR_WIDTH / 2
    return [
        ((year - half, bottom), (year - half, bottom + count), (year + half, bottom + count), (year + half, bottom))
        for year, bottom, count in zip(years, bottoms, counts) if count
    ]
