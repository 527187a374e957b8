"""The multi-symbol checker: how each pasted symbol matches the approved set and the withdrawn entries."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping, Sequence

from genes.errors import TooManySymbols
from genes.ports import FromSet, GeneCatalog, WithdrawnStore
from genes.withdrawn import WithdrawnEntry

MAX_INPUTS = 100_000
# What separates pasted symbols: new lines, commas, spaces, tabs. Our pattern, never the user's.
_SEPARATORS = re.compile(r"[\s,]+")


class MatchType(str, Enum):
    """How an input matched, best first; the values are HGNC's checker's words."""

    APPROVED = "Approved symbol"
    PREVIOUS = "Previous symbol"
    ALIAS = "Alias symbol"
    WITHDRAWN = "Entry withdrawn"
    UNMATCHED = "Unmatched"


_RANK = {match_type: rank for rank, match_type in enumerate(MatchType)}


@dataclass(frozen=True, slots=True)
class Replacement:
    hgnc_id: str
    symbol: str | None  # None when the replacing id is not in the approved set loaded now


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One match of one input; an input matching nothing has one `Unmatched` row."""

    input: str
    match_type: MatchType
    approved_symbol: str | None = None
    approved_name: str | None = None
    hgnc_id: str | None = None
    location: str | None = None
    replaced_by: tuple[Replacement, ...] = ()


def split_pasted(text: str) -> list[str]:
    """The symbols of pasted text: one a line, or separated by commas, spaces or tabs."""
    return [symbol for symbol in _SEPARATORS.split(text) if symbol]


def cleaned(inputs: Iterable[str]) -> list[str]:
    """The inputs without surrounding space, empty ones dropped; at most MAX_INPUTS."""
    symbols = [stripped for stripped in (text.strip() for text in inputs) if stripped]
    if len(symbols) > MAX_INPUTS:
        raise TooManySymbols(len(symbols), MAX_INPUTS)
    return symbols


@dataclass(frozen=True, slots=True)
class _Named:
    """What the checker reads of a record: a tenth of its size, and no JSON to decode again."""

    hgnc_id: str
    symbol: str
    name: str | None
    location: str | None
    prev_symbol: tuple[str, ...]
    alias_symbol: tuple[str, ...]

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> _Named:
        return cls(record["hgnc_id"], record["symbol"], record.get("name"), record.get("location"),
                   tuple(record.get("prev_symbol", ())), tuple(record.get("alias_symbol", ())))


class SymbolChecker:
    """Held one per process: what it has read of each gene of the live set is kept until the set
    changes, so that a record is decoded once, not at every check that names it (its decoding was
    nearly half a check's time)."""

    def __init__(self, catalog: GeneCatalog, withdrawn: WithdrawnStore) -> None:
        self._catalog = catalog
        self._withdrawn = withdrawn
        self._named: tuple[str | None, dict[str, _Named]] = (None, {})

    def check(self, inputs: Sequence[str], case_sensitive: bool = False) -> FromSet[list[CheckRow]]:
        """A row per match of each input, in input order: approved before previous before alias
        before withdrawn, each gene once; matching is literal, in any case unless `case_sensitive`."""
        symbols = cleaned(inputs)
        keys = list(dict.fromkeys(symbol.lower() for symbol in symbols))
        found = self._catalog.find([("symbol", key) for key in keys])
        withdrawn = dict(zip(keys, self._withdrawn.named(keys)))
        wanted = {hgnc_id for ids in found.value for hgnc_id in ids}
        wanted.update(hgnc_id for entries in withdrawn.values() for entry in entries for hgnc_id in entry.replaced_by)
        records = self._records(found.set_id, list(wanted))
        candidates = dict(zip(keys, found.value))
        rows: list[CheckRow] = []
        for symbol in symbols:
            key, before = symbol.lower(), len(rows)
            matched = _ranked(symbol, [records[i] for i in candidates[key] if i in records], case_sensitive)
            rows += [_approved_row(symbol, match_type, record) for match_type, record in matched]
            rows += [_withdrawn_row(symbol, entry, records) for entry in withdrawn[key]
                     if not case_sensitive or entry.symbol == symbol]
            if len(rows) == before:
                rows.append(CheckRow(symbol, MatchType.UNMATCHED))
        return FromSet(found.set_id, rows)

    def _records(self, set_id: str | None, hgnc_ids: list[str]) -> dict[str, _Named]:
        if set_id is None or not hgnc_ids:
            return {}
        held_set, held = self._named
        if held_set != set_id:
            held = {}
            self._named = (set_id, held)  # replaced whole; filled in place, one id at a time
        missing = [hgnc_id for hgnc_id in hgnc_ids if hgnc_id not in held]
        if missing:
            for hgnc_id, record in zip(missing, self._catalog.records(set_id, missing)):
                if record is not None:
                    held[hgnc_id] = _Named.of(record)
        return {hgnc_id: held[hgnc_id] for hgnc_id in hgnc_ids if hgnc_id in held}


def _ranked(symbol: str, records: list[_Named], case_sensitive: bool) -> list[tuple[MatchType, _Named]]:
    """Each record the symbol names, with its best match type; approved first, then previous, then alias."""
    wanted = symbol if case_sensitive else symbol.lower()

    def same(name: str) -> bool:
        return (name if case_sensitive else name.lower()) == wanted

    ranked = []
    for record in records:
        if same(record.symbol):
            ranked.append((MatchType.APPROVED, record))
        elif any(map(same, record.prev_symbol)):
            ranked.append((MatchType.PREVIOUS, record))
        elif any(map(same, record.alias_symbol)):
            ranked.append((MatchType.ALIAS, record))
    return sorted(ranked, key=lambda pair: _RANK[pair[0]])  # stable: the index's order within a type


def _approved_row(symbol: str, match_type: MatchType, record: _Named) -> CheckRow:
    return CheckRow(symbol, match_type, record.symbol, record.name, record.hgnc_id, record.location)


def _withdrawn_row(symbol: str, entry: WithdrawnEntry, records: Mapping[str, _Named]) -> CheckRow:
    replaced_by = tuple(Replacement(hgnc_id, records[hgnc_id].symbol if hgnc_id in records else None)
                        for hgnc_id in entry.replaced_by)
    return CheckRow(symbol, MatchType.WITHDRAWN, None, entry.name, entry.hgnc_id, None, replaced_by)
