"""The gene summaries of a set, stored column-wise as one JSON text, and a reader's cache of them."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from operator import attrgetter

import orjson
import redis

from adapters.redis_client import as_bytes
from adapters.redis_gene_keys import set_key

from genes.gene import GeneSummary

# Column-wise, 43,882 summaries read and decode in a few ms.
_COLUMNS = ("hgnc_id", "date_approved", "locus_group", "locus_type", "chromosome")
summary_row = attrgetter(*_COLUMNS)


def encode_summary_rows(rows: list[tuple[str | None, ...]]) -> bytes:
    """`rows` as `summary_row` gives them, one per gene, encoded for storing."""
    columns = zip(*rows) if rows else ((),) * len(_COLUMNS)
    return orjson.dumps(dict(zip(_COLUMNS, map(list, columns))))


def decode_summaries(encoded: bytes) -> list[GeneSummary]:
    columns = orjson.loads(encoded)
    return [GeneSummary(*row) for row in zip(*(columns[c] for c in _COLUMNS))]


class SummariesCache:
    """The summaries of the last set read, in memory: a set never changes once live,
    so a worker reads and decodes them once per load, not once per job."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._cached: CachedSummaries | None = None

    def of(self, set_id: str) -> CachedSummaries:
        cached = self._cached
        if cached is None or cached.set_id != set_id:
            encoded = self._redis.get(set_key(set_id, "summaries"))
            cached = CachedSummaries(set_id, decode_summaries(as_bytes(encoded)) if encoded else [])
            self._cached = cached  # one assignment: a reader on another thread sees the old or the new
        return cached


class CachedSummaries:
    """The summaries of one set, also sorted by approval date for range reads (bisect)."""

    def __init__(self, set_id: str, summaries: list[GeneSummary]) -> None:
        self.set_id = set_id
        self.in_load_order = summaries
        dated = sorted((s for s in summaries if s.date_approved), key=attrgetter("date_approved"))
        self._dates = [s.date_approved for s in dated if s.date_approved]  # all of them: typed str, not str | None
        self._by_date = dated

    def approved_between(self, first: date, last: date) -> list[GeneSummary]:
        start = bisect_left(self._dates, first.isoformat())
        return self._by_date[start:bisect_right(self._dates, last.isoformat(), lo=start)]
