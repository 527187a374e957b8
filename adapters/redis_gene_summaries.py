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
    # A copy of its own size: orjson's answer keeps the buffer it grew (~16 MiB for ~2 MiB of JSON).
    return memoryview(orjson.dumps(dict(zip(_COLUMNS, map(list, columns))))).tobytes()


def decode_summaries(encoded: bytes) -> list[GeneSummary]:
    columns = orjson.loads(encoded)
    return [GeneSummary(*row) for row in zip(*(columns[c] for c in _COLUMNS))]


class SummariesCache:
    """The summaries of the last generation read, in memory: a generation never changes once live,
    so a worker reads and decodes them once per load, not once per job."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._cached: CachedSummaries | None = None

    def of(self, generation: str) -> CachedSummaries:
        cached = self._cached
        if cached is None or cached.generation != generation:
            encoded = self._redis.get(set_key(generation, "summaries"))
            cached = CachedSummaries(generation, decode_summaries(as_bytes(encoded)) if encoded else [])
            self._cached = cached  # one assignment: a reader on another thread sees the old or the new
        return cached


class CachedSummaries:
    """The summaries of one generation, also sorted by approval date for range reads (bisect)."""

    def __init__(self, generation: str, summaries: list[GeneSummary]) -> None:
        self.generation = generation
        self.in_load_order = summaries
        dated = sorted((s for s in summaries if s.date_approved), key=attrgetter("date_approved"))
        self._dates = [s.date_approved for s in dated if s.date_approved]  # all of them: typed str, not str | None
        self._by_date = dated

    def approved_between(self, first: date, last: date) -> list[GeneSummary]:
        start = bisect_left(self._dates, first.isoformat())
        return self._by_date[start:bisect_right(self._dates, last.isoformat(), lo=start)]
