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


class SymbolChecker:
    def __init__(self, catalog: GeneCatalog, withdrawn: WithdrawnStore) -> None:
        self._catalog = catalog
        self._withdrawn = withdrawn

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

    def _records(self, set_id: str | None, hgnc_ids: list[str]) -> dict[str, Mapping[str, Any]]:
        if set_id is None or not hgnc_ids:
            return {}
        return {hgnc_id: record for hgnc_id, record in zip(hgnc_ids, self._catalog.records(set_id, hgnc_ids))
                if record is not None}


def _ranked(symbol: str, records: list[Mapping[str, Any]],
            case_sensitive: bool) -> list[tuple[MatchType, Mapping[str, Any]]]:
    """Each record the symbol names, with its best match type; approved first, then previous, then alias."""
    wanted = symbol if case_sensitive else symbol.lower()

    def same(name: str) -> bool:
        return (name if case_sensitive else name.lower()) == wanted

    ranked = []
    for record in records:
        if same(record["symbol"]):
            ranked.append((MatchType.APPROVED, record))
        elif any(map(same, record.get("prev_symbol", ()))):
            ranked.append((MatchType.PREVIOUS, record))
        elif any(map(same, record.get("alias_symbol", ()))):
            ranked.append((MatchType.ALIAS, record))
    order = list(MatchType)
    return sorted(ranked, key=lambda pair: order.index(pair[0]))  # stable: the index's order within a type


def _approved_row(symbol: str, match_type: MatchType, record: Mapping[str, Any]) -> CheckRow:
    return CheckRow(symbol, match_type, record["symbol"], record.get("name"), record["hgnc_id"], record.get("location"))


def _withdrawn_row(symbol: str, entry: WithdrawnEntry, records: Mapping[str, Mapping[str, Any]]) -> CheckRow:
    replaced_by = tuple(Replacement(hgnc_id, records[hgnc_id]["symbol"] if hgnc_id in records else None)
                        for hgnc_id in entry.replaced_by)
    return CheckRow(symbol, MatchType.WITHDRAWN, None, entry.name, entry.hgnc_id, None, replaced_by)
