"""The gene summaries of the live set held in a process's memory: what a worker reads for every job."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from operator import attrgetter

import redis

from adapters.redis_client import as_bytes
from adapters.redis_gene_keys import set_key
from adapters.redis_gene_summaries import decode_summaries
from genes.gene import GeneSummary


class HeldSummaries:
    """The summaries of the last set read, in memory: a set never changes once live, so a worker
    reads and decodes them once per load, not once per job (51-135 ms a job before: bench/README.md).
    Without `hold`, read and decoded at every call."""

    def __init__(self, client: redis.Redis, hold: bool = True) -> None:
        self._redis = client
        self._hold = hold
        self._held: SetSummaries | None = None

    def of(self, set_id: str) -> SetSummaries:
        held = self._held
        if held is None or held.set_id != set_id:
            encoded = self._redis.get(set_key(set_id, "summaries"))
            held = SetSummaries(set_id, decode_summaries(as_bytes(encoded)) if encoded else [])
            if self._hold:
                self._held = held  # one assignment: a reader on another thread sees the old or the new
        return held


class SetSummaries:
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
