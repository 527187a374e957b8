"""The gene summaries of a set, stored column-wise as one JSON text (held in memory: gene_cache.held_summaries)."""
from __future__ import annotations

from operator import attrgetter

import orjson

from genes.gene import GeneSummary

# Column-wise, 43,882 summaries read and decode in a few ms.
_COLUMNS = ("hgnc_id", "date_approved", "locus_group", "locus_type", "chromosome")
summary_row = attrgetter(*_COLUMNS)


def encode_summary_rows(rows: list[tuple[str | None, ...]]) -> bytes:
    """`rows` as `summary_row` gives them, one per gene, encoded for storing."""
    columns = zip(*rows) if rows else ((),) * len(_COLUMNS)
    # A copy of its own size: orjson's answer keeps the buffer it grew (~16 MiB for ~2 MiB of JSON).
    return memoryview(orjson.dumps(dict(zip(_COLUMNS, map(list, columns))))).tobytes()


def decode_summaries(encoded: bytes) -> list[GeneSummary]:
    columns = orjson.loads(encoded)
    hgnc_ids, *others = (columns[column] for column in _COLUMNS)
    # One text object per distinct date, locus group, type or chromosome (~4,900 for the full set's
    # 175,000 values): a job's analysis process, forked from the worker, reads them all, and every page
    # it touches is copied. Shared, they cut that first analysis from ~64 to ~45 ms (an ad-hoc fork test).
    texts: dict[str | None, str | None] = {}
    shared = [list(map(texts.setdefault, column, column)) for column in others]
    return [GeneSummary(*row) for row in zip(hgnc_ids, *shared)]
