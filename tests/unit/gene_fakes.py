"""The gene ports in memory: one store that is both the repository and the read side, as Redis is."""
from __future__ import annotations

import json
from datetime import date
from typing import Iterable, Iterator

from genes.errors import InvalidGeneSource
from genes.gene import Gene, GeneSummary
from genes.name_index import NameIndex


class InMemoryGenes:
    """GeneRepository and GeneCatalog over a dict in load order; names ranked by the domain's NameIndex."""

    def __init__(self) -> None:
        self._genes: dict[str, Gene] = {}
        self._names = NameIndex()

    # GeneRepository
    def replace_all(self, genes: Iterable[Gene], source: str) -> int:
        loaded = {gene.hgnc_id: gene for gene in genes}  # a failing source raises before the swap
        if loaded:
            self._genes, self._names = loaded, NameIndex()
            for gene in loaded.values():
                self._names.add(gene)
        return len(loaded)

    def clear(self) -> bool:
        had, self._genes, self._names = bool(self._genes), {}, NameIndex()
        return had

    def is_loaded(self) -> bool:
        return bool(self._genes)

    def summaries(self) -> list[GeneSummary]:
        return [gene.summary() for gene in self._genes.values()]

    def summaries_approved_between(self, first: date, last: date) -> list[GeneSummary]:
        return [s for s in self.summaries() if s.date_approved and first.isoformat() <= s.date_approved <= last.isoformat()]

    # GeneCatalog
    def record_json(self, hgnc_id: str) -> str | None:
        gene = self._genes.get(hgnc_id)
        return json.dumps(dict(gene.record)) if gene else None

    def ids(self, offset: int = 0, limit: int | None = None) -> list[str]:
        return list(self._genes)[offset:None if limit is None else offset + limit]

    def ids_named(self, name: str) -> list[str]:
        return self._names.ids(name)

    def ids_in_locus_group(self, locus_group: str) -> list[str]:
        return [s.hgnc_id for s in self.summaries() if s.locus_group == locus_group]

    def export_json(self) -> Iterator[str]:
        return (json.dumps(dict(gene.record)) for gene in self._genes.values())


class FakeGeneSource:
    """A source of given genes; `fail_after` makes it break down midway."""

    def __init__(self, genes: list[Gene], name: str = "fake source", fail_after: int | None = None) -> None:
        self._genes, self._name, self._fail_after = genes, name, fail_after

    def describe(self) -> str:
        return self._name

    def read(self) -> Iterator[Gene]:
        for number, gene in enumerate(self._genes):
            if number == self._fail_after:
                raise InvalidGeneSource(f"record {number + 1} is not an object")
            yield gene
