"""The plot of a job's results: approvals per year, stacked by locus group (matplotlib, Agg)."""
from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display in a worker container
from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

from genes.gene import LOCUS_GROUPS  # noqa: E402


class MatplotlibPlotRenderer:
    def render(self, results: dict[str, Any]) -> bytes:
        per_year: dict[str, dict[str, int]] = results["by_year_and_locus_group"]
        years = [int(year) for year in per_year]  # numbers, not labels: gaps show and drawing is fast
        # A Figure made directly (not pyplot) keeps no global state between jobs.
        figure = Figure(figsize=(10, 5), dpi=100)
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.1, top=0.93)  # fixed: a layout engine doubles the cost
        axes = figure.subplots()
        bottom = [0] * len(years)
        for group in LOCUS_GROUPS:
            counts = [groups.get(group, 0) for groups in per_year.values()]
            if any(counts):
                axes.bar(years, counts, bottom=bottom, label=group, width=0.8)
                bottom = [b + c for b, c in zip(bottom, counts)]
        scope = results["locus_group"] or "all locus groups"
        axes.set_title(f"HGNC approvals per year, {results['start_date']} to {results['end_date']} ({scope})")
        axes.set_xlabel("year approved")
        axes.set_ylabel("genes")
        axes.xaxis.get_major_locator().set_params(integer=True)
        if years:
            axes.legend(title="locus group")
        else:
            axes.text(0.5, 0.5, "no gene approved in this range", ha="center", va="center", transform=axes.transAxes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
