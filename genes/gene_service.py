"""Use cases that change the gene data: load a set, clear it."""
from __future__ import annotations

import time
from dataclasses import dataclass

from genes.errors import InvalidGeneSource
from genes.ports import GeneRepository, GeneSource


@dataclass(frozen=True)
class LoadSummary:
    count: int
    source: str
    seconds: float


class GeneService:
    def __init__(self, repository: GeneRepository, default_source: GeneSource) -> None:
        self._repository = repository
        self._default_source = default_source

    def load(self, source: GeneSource | None = None) -> LoadSummary:
        """Replace the gene data with the source's; on any failure the old data stays."""
        source = source or self._default_source
        started = time.perf_counter()
        count = self._repository.replace_all(source.read(), source.describe())
        if count == 0:
            raise InvalidGeneSource("the source holds no gene records")
        return LoadSummary(count, source.describe(), round(time.perf_counter() - started, 3))

    def upgrade_stored_set(self) -> LoadSummary | None:
        """Load again, from its own records, a set that an earlier version stored without indexes
        this one reads; None when the loaded set is current, or none is loaded."""
        outdated = self._repository.outdated_set()
        return self.load(outdated) if outdated is not None else None

    def clear(self) -> bool:
        return self._repository.clear()
