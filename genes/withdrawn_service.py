"""Use cases of the withdrawn entries: load them beside the approved set, clear them."""
from __future__ import annotations

import time
from typing import Iterator, Protocol

from genes.errors import InvalidGeneSource
from genes.gene_service import LoadSummary
from genes.ports import WithdrawnStore
from genes.withdrawn import WithdrawnEntry


class WithdrawnSource(Protocol):
    def describe(self) -> str: ...

    def read(self) -> Iterator[WithdrawnEntry]:
        """Every withdrawn entry of the source; raises InvalidGeneSource or GeneSourceUnavailable."""


class WithdrawnService:
    def __init__(self, store: WithdrawnStore, default_source: WithdrawnSource) -> None:
        self._store = store
        self._default_source = default_source

    def load(self, source: WithdrawnSource | None = None) -> LoadSummary:
        """Replace the withdrawn entries with the source's; on any failure the old ones stay."""
        source = source or self._default_source
        started = time.perf_counter()
        count = self._store.replace_all(source.read(), source.describe())
        if count == 0:
            raise InvalidGeneSource("the source holds no withdrawn entries")
        return LoadSummary(count, source.describe(), round(time.perf_counter() - started, 3))

    def load_any(self, source: WithdrawnSource) -> LoadSummary | None:
        """What `load` does, when the source holds withdrawn entries (a custom download); else nothing."""
        entries = list(source.read())
        if not entries:
            return None
        started = time.perf_counter()
        count = self._store.replace_all(entries, source.describe())
        return LoadSummary(count, source.describe(), round(time.perf_counter() - started, 3))

    def clear(self) -> bool:
        return self._store.clear()
