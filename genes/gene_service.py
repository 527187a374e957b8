"""Use cases over the gene data: load, list, find, get, export, clear."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

from genes.errors import GeneNotFound, InvalidGeneId, InvalidGeneSource
from genes.gene import Gene, is_hgnc_id
from genes.ports import GeneRepository, GeneSource

Found = TypeVar("Found")


@dataclass(frozen=True)
class LoadSummary:
    count: int
    source: str
    seconds: float


@dataclass(frozen=True)
class GeneQuery:
    """A search over the ids; every criterion is optional and they combine with AND."""

    symbol: str | None = None
    locus_group: str | None = None
    offset: int = 0
    limit: int | None = None


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

    def clear(self) -> bool:
        return self._repository.clear()

    def get(self, hgnc_id: str) -> Gene:
        return self._found(hgnc_id, self._repository.get)

    def get_json(self, hgnc_id: str) -> str:
        """The record of one gene as JSON text: what `get` gives, without decoding and re-encoding it."""
        return self._found(hgnc_id, self._repository.get_json)

    def _found(self, hgnc_id: str, fetch: Callable[[str], Found | None]) -> Found:
        if not is_hgnc_id(hgnc_id):
            raise InvalidGeneId(hgnc_id)
        found = fetch(hgnc_id)
        if found is None:
            raise GeneNotFound(hgnc_id)
        return found

    def find_ids(self, query: GeneQuery = GeneQuery()) -> list[str]:
        if query.symbol is None and query.locus_group is None:
            return self._repository.ids(query.offset, query.limit)
        if query.symbol is not None:
            ids = self._repository.ids_named(query.symbol)
            if query.locus_group is not None:
                in_group = {s.hgnc_id for s in self._repository.summaries() if s.locus_group == query.locus_group}
                ids = [hgnc_id for hgnc_id in ids if hgnc_id in in_group]
        else:
            ids = [s.hgnc_id for s in self._repository.summaries() if s.locus_group == query.locus_group]
        end = None if query.limit is None else query.offset + query.limit
        return ids[query.offset:end]

    def export_json(self) -> Iterator[str]:
        """Every record as JSON text, from one consistent set; nothing when no data is loaded."""
        return self._repository.export_json()
