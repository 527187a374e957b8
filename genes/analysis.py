"""The analysis of a job: gene approvals in a date range, counted by year, locus and chromosome."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from genes.gene import LOCUS_GROUPS, GeneSummary
from genes.job import JobParameters

CHROMOSOME_ORDER = [str(n) for n in range(1, 23)] + ["X", "Y", "MT", "unknown"]


@dataclass(frozen=True)
class JobResults:
    """The analysis of one job: what `GET /results/<id>` answers and the plot draws.

    Each count maps a key (a year as "YYYY", a locus group...) to a number above 0, in a natural order.
    """

    start_date: date
    end_date: date
    locus_group: str | None
    total: int
    by_year: Mapping[str, int]
    by_locus_group: Mapping[str, int]
    by_locus_type: Mapping[str, int]
    by_chromosome: Mapping[str, int]
    by_year_and_locus_group: Mapping[str, Mapping[str, int]]


def analyse(genes: Iterable[GeneSummary], parameters: JobParameters) -> JobResults:
    """Counts over the genes approved (or reserved) within the range, in the locus group if given.

    Genes without an approval date are never counted. Years with no gene are left out.
    """
    first, last = parameters.start_date.isoformat(), parameters.end_date.isoformat()
    locus_group = parameters.locus_group
    by_year: Counter[str] = Counter()
    by_year_and_group: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_locus_group: Counter[str] = Counter()
    by_locus_type: Counter[str] = Counter()
    by_chromosome: Counter[str] = Counter()
    for gene in genes:
        approved = gene.date_approved
        if approved is None or not first <= approved <= last:
            continue
        if locus_group is not None and gene.locus_group != locus_group:
            continue
        year = approved[:4]
        by_year[year] += 1
        by_year_and_group[year][gene.locus_group] += 1
        by_locus_group[gene.locus_group] += 1
        by_locus_type[gene.locus_type] += 1
        by_chromosome[gene.chromosome] += 1
    return JobResults(
        start_date=parameters.start_date,
        end_date=parameters.end_date,
        locus_group=locus_group,
        total=sum(by_year.values()),
        by_year=dict(sorted(by_year.items())),
        by_locus_group=_in_order(by_locus_group, LOCUS_GROUPS),
        by_locus_type=dict(by_locus_type.most_common()),
        by_chromosome=_in_order(by_chromosome, CHROMOSOME_ORDER),
        by_year_and_locus_group={
            year: _in_order(by_year_and_group[year], LOCUS_GROUPS) for year in sorted(by_year_and_group)
        },
    )


def encode_results(results: JobResults) -> bytes:
    """Compact JSON, in the fields' order; the dates as YYYY-MM-DD: as results are stored and sent between processes."""
    return json.dumps(asdict(results), separators=(",", ":"), default=date.isoformat).encode()


def decode_results(encoded: bytes) -> JobResults:
    return results_from_json(json.loads(encoded))


def results_from_json(fields: dict[str, Any]) -> JobResults:
    return JobResults(**{**fields, "start_date": date.fromisoformat(fields["start_date"]),
                         "end_date": date.fromisoformat(fields["end_date"])})


def _in_order(counts: Counter[str], order: Iterable[str]) -> dict[str, int]:
    """The counts in a natural order (chromosome 1..22, X, Y...), any other key last; no zeros."""
    ordered = {key: counts[key] for key in order if counts[key]}
    ordered.update((key, n) for key, n in sorted(counts.items()) if key not in ordered)
    return ordered
