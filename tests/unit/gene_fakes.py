"""The gene ports in memory: one store that is both the repository and the read side, as Redis is."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator, Sequence, TypeVar

from adapters.hgnc_format import tsv_lines
from genes.errors import InvalidGeneSource, InvalidRelease
from genes.gene import RECORD_FIELDS, Gene, GeneSummary
from genes.lookup import LookupIndex
from genes.name_index import NameIndex
from genes.ports import FromSet, SetInfo
from genes.releases import Release
from genes.withdrawn import WithdrawnEntry

Value = TypeVar("Value")


class InMemoryGenes:
    """GeneRepository and GeneCatalog over a dict in load order, indexed by the domain's NameIndex and LookupIndex."""

    def __init__(self) -> None:
        self._genes: dict[str, Gene] = {}
        self._names = NameIndex()
        self._lookups: dict[str, dict[str, str]] = {}
        self._loads = 0
        self._info: SetInfo | None = None
        self._release: date | None = None
        self._summaries_of_set: dict[str, list[GeneSummary]] = {}  # a replaced set stays readable, as in Redis
        self._records_of_set: dict[str, tuple[list[dict[str, Any]], tuple[str, ...]]] = {}

    # GeneRepository
    def replace_all(self, genes: Iterable[Gene], source: str, release: date | None = None) -> Release | None:
        """One release held at a time: each load replaces it (RedisGeneRepository holds several)."""
        loaded: dict[str, Gene] = {}  # a failing source raises before the swap
        for gene in genes:
            if gene.hgnc_id in loaded:
                raise InvalidGeneSource(f"{gene.hgnc_id} appears twice in the source")
            loaded[gene.hgnc_id] = gene
        if loaded:
            self._genes, self._names, lookups = loaded, NameIndex(), LookupIndex()
            for gene in loaded.values():
                self._names.add(gene)
            lookups.add(list(loaded.values()))
            self._lookups = lookups.entries()
            self._loads += 1
            self._summaries_of_set[f"load-{self._loads}"] = [gene.summary() for gene in loaded.values()]
            self._records_of_set[f"load-{self._loads}"] = (
                [dict(gene.record) for gene in loaded.values()],
                tuple(sorted({name for gene in loaded.values() for name in gene.record})))
            modified = [g.record["date_modified"] for g in loaded.values() if "date_modified" in g.record]
            if release is None and not modified:
                raise InvalidRelease("the release of this source cannot be told: give ?release=")
            held = self._release = release or date.fromisoformat(max(modified)[:10])
            self._info = SetInfo(len(loaded), datetime.now(timezone.utc), source, max(modified, default=None),
                                 tuple(sorted({name for gene in loaded.values() for name in gene.record})))
            return Release(held, f"load-{self._loads}", len(loaded), self._info.loaded_at, source, live=True)
        return None

    def clear(self, release: date | None = None) -> bool:
        if release is not None and release != self._release:
            return False
        had, self._genes, self._names, self._lookups, self._info = bool(self._genes), {}, NameIndex(), {}, None
        return had

    def choose_live(self, release: date | None) -> None:
        pass  # one release held: it is live

    def outdated_set(self) -> None:
        return None  # what memory holds was never stored by an earlier version

    def register_stored_set(self) -> None:
        return None

    def is_loaded(self) -> bool:
        return bool(self._genes)

    def summaries(self) -> list[GeneSummary]:
        return [gene.summary() for gene in self._genes.values()]

    def loaded_set_id(self) -> str | None:
        return f"load-{self._loads}" if self._genes else None

    def summaries_approved_between(self, first: date, last: date, set_id: str | None = None) -> list[GeneSummary]:
        summaries = self._summaries_of_set.get(set_id or self.loaded_set_id() or "", [])
        return [s for s in summaries if s.date_approved and first.isoformat() <= s.date_approved <= last.isoformat()]

    def records_of(self, set_id: str) -> Iterator[dict[str, Any]]:
        return iter(self._records_of_set.get(set_id, ([], ()))[0])

    def fields_of(self, set_id: str) -> tuple[str, ...] | None:
        return self._records_of_set[set_id][1] if set_id in self._records_of_set else None

    # GeneCatalog
    def _from_set(self, value: Value) -> FromSet[Value]:
        return FromSet(self.loaded_set_id(), value)

    def record_json(self, hgnc_id: str) -> FromSet[str | None]:
        gene = self._genes.get(hgnc_id)
        return self._from_set(json.dumps(dict(gene.record)) if gene else None)

    def ids(self, offset: int = 0, limit: int | None = None) -> FromSet[list[str]]:
        return self._from_set(list(self._genes)[offset:None if limit is None else offset + limit])

    def find(self, keys: Sequence[tuple[str, str]]) -> FromSet[list[list[str]]]:
        def found(field: str, term: str) -> list[str]:
            if field == "hgnc_id":
                return [term] if term in self._genes else []
            if field == "symbol":
                return self._names.ids(term)
            entry = self._lookups.get(field, {}).get(term)
            return entry.split(",") if entry else []
        return self._from_set([found(field, term) for field, term in keys])

    def records(self, set_id: str, hgnc_ids: Sequence[str]) -> list[dict[str, Any] | None]:
        return [dict(self._genes[i].record) if i in self._genes else None for i in hgnc_ids]

    def export_json(self) -> FromSet[Iterator[str]]:
        return self._from_set(json.dumps(dict(gene.record)) for gene in self._genes.values())

    def export_tsv(self) -> FromSet[Iterator[str]]:
        records = [gene.record for gene in self._genes.values()]
        return self._from_set(iter([tsv_lines(RECORD_FIELDS, records)]))

    def info(self) -> FromSet[SetInfo | None]:
        return self._from_set(self._info)


class InMemoryWithdrawn:
    """WithdrawnStore over a dict in load order."""

    def __init__(self) -> None:
        self._entries: dict[str, WithdrawnEntry] = {}
        self._loads = 0

    def replace_all(self, entries: Iterable[WithdrawnEntry], source: str) -> int:
        loaded = {entry.hgnc_id: entry for entry in entries}
        if loaded:
            self._entries, self._loads = loaded, self._loads + 1
        return len(loaded)

    def clear(self) -> bool:
        had, self._entries = bool(self._entries), {}
        return had

    def named(self, names: Sequence[str]) -> list[list[WithdrawnEntry]]:
        return [[e for e in self._entries.values() if e.symbol.lower() == name] for name in names]

    def entry(self, hgnc_id: str) -> WithdrawnEntry | None:
        return self._entries.get(hgnc_id)

    def entries(self) -> list[WithdrawnEntry]:
        return sorted(self._entries.values(), key=lambda entry: int(entry.hgnc_id[5:]))

    def loaded_set_id(self) -> str | None:
        return f"withdrawn-{self._loads}" if self._entries else None


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
