"""Reads HGNC's withdrawn entries: withdrawn.txt or .json, a custom download, or a complete set that holds them."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator, Mapping

from adapters.hgnc_format import decompress, json_docs
from genes.errors import InvalidGeneSource
from genes.gene import is_hgnc_id
from genes.withdrawn import WithdrawnEntry, WithdrawnStatus, linked_ids

# Each part of an entry under the names HGNC's files give it: withdrawn.txt's, a custom
# download's, the complete set's.
_ID_NAMES = ("HGNC_ID", "HGNC ID", "hgnc_id")
_SYMBOL_NAMES = ("WITHDRAWN_SYMBOL", "Approved symbol", "symbol")
_STATUS_NAMES = ("STATUS", "Status", "status")
_NAME_NAMES = ("Approved name", "name")
_MERGED_PREFIX = "MERGED_INTO_REPORT"  # "MERGED_INTO_REPORT(S) (i.e HGNC_ID|SYMBOL|STATUS)"


def parse_withdrawn(content: bytes) -> Iterator[WithdrawnEntry]:
    """The withdrawn entries of HGNC data in any of its forms, the other rows left out; the format is
    recognised from the content itself."""
    content = decompress(content)
    if b"Withdrawn" not in content and b"Merged/Split" not in content:
        return  # no withdrawn row: spares a complete set's second parse when POST /data looks for them
    if content[:64].lstrip().startswith((b"{", b"[")):
        rows: Iterable[Mapping[str, Any]] = _json_rows(content)
    else:
        rows = _tsv_rows(content)
    for number, row in enumerate(rows, start=1):
        entry = _entry(number, row)
        if entry is not None:
            yield entry


def _json_rows(content: bytes) -> list[Mapping[str, Any]]:
    expected = 'expected a list of entries, or {"response": {"docs": [...]}}'
    rows = json_docs(content, expected)
    if not all(isinstance(row, dict) for row in rows):
        raise InvalidGeneSource(f"the JSON is not an HGNC download: {expected}")
    return rows


def _tsv_rows(content: bytes) -> Iterator[dict[str, str]]:
    try:
        reader = csv.DictReader(io.StringIO(content.decode("utf-8"), newline=""), delimiter="\t")
        header = reader.fieldnames or []
        if not any(name in header for name in _ID_NAMES) or not any(name in header for name in _STATUS_NAMES):
            raise InvalidGeneSource("the data is not HGNC's: no JSON, and no TSV header with an HGNC id and a status")
        yield from reader
    except csv.Error as error:
        raise InvalidGeneSource(f"TSV: {error}") from None
    except UnicodeDecodeError as error:
        raise InvalidGeneSource(f"the data is neither JSON, gzip nor UTF-8 text: {error}") from None


def _first(row: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    return next((row[name] for name in names if row.get(name) not in (None, "")), None)


def _entry(number: int, row: Mapping[str, Any]) -> WithdrawnEntry | None:
    status = WithdrawnStatus.of(str(_first(row, _STATUS_NAMES) or ""))
    if status is None:
        return None  # an approved row of a custom download or a complete set
    hgnc_id, symbol, name = _first(row, _ID_NAMES), _first(row, _SYMBOL_NAMES), _first(row, _NAME_NAMES)
    if not isinstance(hgnc_id, str) or not is_hgnc_id(hgnc_id):
        raise InvalidGeneSource(f"withdrawn row {number} has no valid HGNC id (found {hgnc_id!r})")
    if not isinstance(symbol, str):
        raise InvalidGeneSource(f"withdrawn row {number} ({hgnc_id}) has no symbol")
    merged = next((value for key, value in row.items() if key and key.startswith(_MERGED_PREFIX)), None)
    replaced_by = _merged_ids(merged) if merged else linked_ids(name) if isinstance(name, str) else ()
    return WithdrawnEntry(hgnc_id, symbol, status, name if isinstance(name, str) else None, replaced_by)


def _merged_ids(merged: Any) -> tuple[str, ...]:
    """The ids of withdrawn.txt's reports: "HGNC:12469|UBA1|Approved", several joined with commas."""
    reports = merged if isinstance(merged, list) else str(merged).split(",")
    ids = (str(report).strip().partition("|")[0] for report in reports)
    return tuple(dict.fromkeys(hgnc_id for hgnc_id in ids if is_hgnc_id(hgnc_id)))
