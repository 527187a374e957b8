"""What changed between two HGNC releases: genes added, merged or withdrawn, renamed, and changed fields.

A pure function over the records of both releases (as stored: list fields as lists), and the
fields each release holds: a field only one of them holds (a custom download may lack
`location`) is not compared, and said so.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Collection, Iterable, Iterator, Mapping

from genes.lookup import LOOKUP_FIELDS

# The lookup fields that name the gene in another database (LOOKUP_FIELDS less names and places), and
# the other databases HGNC links to: each value added or removed between two releases is a change.
_NOT_REFERENCES = {"prev_symbol", "alias_symbol", "locus_type", "location", "locus_group"}
CROSS_REFERENCE_FIELDS = tuple(sorted({
    *(name for name in LOOKUP_FIELDS if name not in _NOT_REFERENCES),
    "enzyme_id", "cosmic", "mirbase", "lncipedia", "orphanet", "agr", "homeodb", "snornabase", "bioparadigms_slc",
    "pseudogene.org", "horde_id", "merops", "imgt", "iuphar", "kznf_gene_catalog", "mamit-trnadb", "cd",
    "lncrnadb", "intermediate_filament_db", "gtrnadb", "gencc", "lsdb",
}))
# The fields whose value changing is a change of its own kind: name_changed, locus_type_changed...
CHANGED_FIELDS = ("name", "locus_type", "location")
# Every kind of change, in the order the results list them.
CHANGE_KINDS = ("added", "merged", "withdrawn", "renamed", *(f"{name}_changed" for name in CHANGED_FIELDS),
                "xrefs_added", "xrefs_removed")


@dataclass(frozen=True)
class ReleaseContent:
    """One release as the diff reads it: its records, streamed once, and the fields it holds (None: those
    its records hold)."""

    release: date
    records: Iterable[Mapping[str, Any]]
    fields: Collection[str] | None = None


@dataclass(frozen=True)
class GeneRef:
    hgnc_id: str
    symbol: str


@dataclass(frozen=True)
class Merged:
    """A gene gone from the newer release whose symbol is a previous symbol of the genes it went into."""

    hgnc_id: str
    symbol: str
    into: tuple[GeneRef, ...]


@dataclass(frozen=True)
class Renamed:
    hgnc_id: str
    before: str  # "from" in the results
    after: str  # "to"


@dataclass(frozen=True)
class FieldChange:
    """One field of a gene in both releases, with another value (None: absent) in the newer one."""

    hgnc_id: str
    symbol: str  # the newer release's
    before: str | None
    after: str | None


@dataclass(frozen=True)
class XrefChange:
    """One value of a cross-reference field that one release holds and the other not."""

    hgnc_id: str
    symbol: str  # the newer release's
    field: str
    value: str


@dataclass(frozen=True)
class ReleaseDiff:
    """The changes from `from_release` to `to_release`, each list in a stable order (id number, field, value)."""

    from_release: date
    to_release: date
    added: tuple[GeneRef, ...] = ()
    merged: tuple[Merged, ...] = ()
    withdrawn: tuple[GeneRef, ...] = ()
    renamed: tuple[Renamed, ...] = ()
    name_changed: tuple[FieldChange, ...] = ()
    locus_type_changed: tuple[FieldChange, ...] = ()
    location_changed: tuple[FieldChange, ...] = ()
    xrefs_added: tuple[XrefChange, ...] = ()
    xrefs_removed: tuple[XrefChange, ...] = ()
    fields_not_compared: tuple[str, ...] = field(default=())  # held by one release only

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in CHANGE_KINDS}


def diff_releases(old: ReleaseContent, new: ReleaseContent) -> ReleaseDiff:
    """The changes from `old` to `new` (see CHANGE_KINDS)."""
    old_genes, old_fields = _read(old)
    new_genes, new_fields = _read(new)
    both_hold = old_fields & new_fields
    compared_xrefs = [name for name in CROSS_REFERENCE_FIELDS if name in both_hold]
    compared_changes = [name for name in CHANGED_FIELDS if name in both_hold]
    gone = sorted(old_genes.keys() - new_genes.keys(), key=id_number)
    into: dict[str, list[str]] = {}  # a previous symbol -> the newer genes that had it
    for hgnc_id in sorted(new_genes, key=id_number):
        for symbol in new_genes[hgnc_id].prev_symbols:
            into.setdefault(symbol, []).append(hgnc_id)

    merged, withdrawn = [], []
    for hgnc_id in gone:
        symbol = old_genes[hgnc_id].symbol
        if symbol in into:
            merged.append(Merged(hgnc_id, symbol, tuple(GeneRef(i, new_genes[i].symbol) for i in into[symbol])))
        else:
            withdrawn.append(GeneRef(hgnc_id, symbol))
    renamed: list[Renamed] = []
    changes: dict[str, list[FieldChange]] = {name: [] for name in CHANGED_FIELDS}
    xrefs_added: list[XrefChange] = []
    xrefs_removed: list[XrefChange] = []
    for hgnc_id in sorted(old_genes.keys() & new_genes.keys(), key=id_number):
        before, after = old_genes[hgnc_id], new_genes[hgnc_id]
        if before.symbol != after.symbol:
            renamed.append(Renamed(hgnc_id, before.symbol, after.symbol))
        if before.compared == after.compared:  # most genes of two releases of one format
            continue
        was, now = before.values(), after.values()
        for name in compared_changes:
            if (was_text := _text(was.get(name))) != (now_text := _text(now.get(name))):
                changes[name].append(FieldChange(hgnc_id, after.symbol, was_text, now_text))
        for name in compared_xrefs:
            old_values, new_values = set(was.get(name, ())), set(now.get(name, ()))
            if old_values != new_values:
                xrefs_added += (XrefChange(hgnc_id, after.symbol, name, v) for v in sorted(new_values - old_values))
                xrefs_removed += (XrefChange(hgnc_id, after.symbol, name, v) for v in sorted(old_values - new_values))
    added = [GeneRef(hgnc_id, new_genes[hgnc_id].symbol)
             for hgnc_id in sorted(new_genes.keys() - old_genes.keys(), key=id_number)]
    compared = set(CROSS_REFERENCE_FIELDS) | set(CHANGED_FIELDS)
    return ReleaseDiff(
        from_release=old.release, to_release=new.release, added=tuple(added), merged=tuple(merged),
        withdrawn=tuple(withdrawn), renamed=tuple(renamed),
        name_changed=tuple(changes["name"]), locus_type_changed=tuple(changes["locus_type"]),
        location_changed=tuple(changes["location"]),
        xrefs_added=tuple(xrefs_added), xrefs_removed=tuple(xrefs_removed),
        fields_not_compared=tuple(sorted((old_fields ^ new_fields) & compared)),
    )


def id_number(hgnc_id: str) -> int:
    """The number of an HGNC id, what the lists are ordered by: HGNC:5 before HGNC:37133."""
    return int(hgnc_id.rpartition(":")[2])


# What separates a gene's compared fields, and a field's name and values, in `_Gene.compared`: control
# characters that no HGNC text holds.
_FIELD, _VALUE = "\x1f", "\x1e"
_COMPARED_FIELDS = (*CHANGED_FIELDS, *CROSS_REFERENCE_FIELDS)


@dataclass(frozen=True, slots=True)
class _Gene:
    """What the diff keeps of a record: its symbols, and its compared fields as one text. Two releases
    of ~44,000 genes kept as dicts of sets of text took ~250 MiB (bench_diff); as one text a gene, a
    tenth of it."""

    symbol: str
    prev_symbols: tuple[str, ...]
    compared: str  # name, values, name, values... of the _COMPARED_FIELDS it holds, each value as text

    def values(self) -> dict[str, list[str]]:
        """Each compared field the record holds, and its values as text (a scalar: one)."""
        if not self.compared:
            return {}
        return {name: values for name, *values in (part.split(_VALUE) for part in self.compared.split(_FIELD))}


def _read(content: ReleaseContent) -> tuple[dict[str, _Gene], set[str]]:
    """The genes of a release by id, each reduced to what is compared; the fields it holds."""
    genes: dict[str, _Gene] = {}
    held: set[str] = set()
    for record in content.records:
        if content.fields is None:
            held.update(record)
        compared = _FIELD.join(
            _VALUE.join((name, *map(str, value))) if isinstance(value, list) else f"{name}{_VALUE}{value}"
            for name in _COMPARED_FIELDS if (value := record.get(name)) is not None)
        prev = record.get("prev_symbol") or ()
        genes[str(record["hgnc_id"])] = _Gene(
            symbol=str(record["symbol"]),
            prev_symbols=tuple(prev) if isinstance(prev, list) else (str(prev),),
            compared=compared,
        )
    return genes, set(content.fields) if content.fields is not None else held


def _text(values: list[str] | None) -> str | None:
    """A changed field's value as the results give it: a list's values "|"-joined; None when absent."""
    return "|".join(values) if values is not None else None


# -- the changes as stored (JSON), and one change a row -----------------------------------------

KIND = "release_diff"  # what tells stored diff results from an analysis's


def diff_json(diff: ReleaseDiff) -> dict[str, Any]:
    """The diff as `GET /results/<id>` answers it (and as it is stored): dates as YYYY-MM-DD."""

    def ref(gene: GeneRef) -> dict[str, str]:
        return {"hgnc_id": gene.hgnc_id, "symbol": gene.symbol}

    def changed(change: FieldChange) -> dict[str, Any]:
        return {"hgnc_id": change.hgnc_id, "symbol": change.symbol, "from": change.before, "to": change.after}

    def xref(change: XrefChange) -> dict[str, str]:
        return {"hgnc_id": change.hgnc_id, "symbol": change.symbol, "field": change.field, "value": change.value}

    return {
        "kind": KIND, "from": diff.from_release.isoformat(), "to": diff.to_release.isoformat(),
        "counts": diff.counts, "fields_not_compared": list(diff.fields_not_compared),
        "added": [ref(gene) for gene in diff.added],
        "merged": [{**ref(GeneRef(m.hgnc_id, m.symbol)), "into": [ref(gene) for gene in m.into]} for m in diff.merged],
        "withdrawn": [ref(gene) for gene in diff.withdrawn],
        "renamed": [{"hgnc_id": r.hgnc_id, "from": r.before, "to": r.after} for r in diff.renamed],
        **{f"{name}_changed": [changed(c) for c in getattr(diff, f"{name}_changed")] for name in CHANGED_FIELDS},
        "xrefs_added": [xref(c) for c in diff.xrefs_added],
        "xrefs_removed": [xref(c) for c in diff.xrefs_removed],
    }


def diff_from_json(fields: Mapping[str, Any]) -> ReleaseDiff:
    def refs(items: Iterable[Mapping[str, str]]) -> tuple[GeneRef, ...]:
        return tuple(GeneRef(item["hgnc_id"], item["symbol"]) for item in items)

    def changes(items: Iterable[Mapping[str, Any]]) -> tuple[FieldChange, ...]:
        return tuple(FieldChange(c["hgnc_id"], c["symbol"], c["from"], c["to"]) for c in items)

    def xrefs(items: Iterable[Mapping[str, str]]) -> tuple[XrefChange, ...]:
        return tuple(XrefChange(c["hgnc_id"], c["symbol"], c["field"], c["value"]) for c in items)

    return ReleaseDiff(
        from_release=date.fromisoformat(fields["from"]), to_release=date.fromisoformat(fields["to"]),
        added=refs(fields["added"]),
        merged=tuple(Merged(m["hgnc_id"], m["symbol"], refs(m["into"])) for m in fields["merged"]),
        withdrawn=refs(fields["withdrawn"]),
        renamed=tuple(Renamed(r["hgnc_id"], r["from"], r["to"]) for r in fields["renamed"]),
        name_changed=changes(fields["name_changed"]), locus_type_changed=changes(fields["locus_type_changed"]),
        location_changed=changes(fields["location_changed"]),
        xrefs_added=xrefs(fields["xrefs_added"]), xrefs_removed=xrefs(fields["xrefs_removed"]),
        fields_not_compared=tuple(fields.get("fields_not_compared", ())),
    )


def encode_diff(diff: ReleaseDiff) -> bytes:
    return json.dumps(diff_json(diff), separators=(",", ":"), ensure_ascii=False).encode()


ROW_COLUMNS = ("change", "hgnc_id", "symbol", "field", "from", "to")


def change_rows(diff: ReleaseDiff) -> Iterator[tuple[str, str, str, str, str, str]]:
    """One change a row (ROW_COLUMNS), kind after kind in CHANGE_KINDS' order; what a field lacks is empty.

    A merge's `to` names the genes it went into, as `HGNC:1 SYMBOL, HGNC:2 SYMBOL`."""
    for gene in diff.added:
        yield "added", gene.hgnc_id, gene.symbol, "", "", ""
    for merged in diff.merged:
        into = ", ".join(f"{gene.hgnc_id} {gene.symbol}" for gene in merged.into)
        yield "merged", merged.hgnc_id, merged.symbol, "", "", into
    for gene in diff.withdrawn:
        yield "withdrawn", gene.hgnc_id, gene.symbol, "", "", ""
    for renamed in diff.renamed:
        yield "renamed", renamed.hgnc_id, renamed.after, "symbol", renamed.before, renamed.after
    for name in CHANGED_FIELDS:
        kind = f"{name}_changed"
        for change in getattr(diff, kind):
            yield kind, change.hgnc_id, change.symbol, name, change.before or "", change.after or ""
    for xref in diff.xrefs_added:
        yield "xrefs_added", xref.hgnc_id, xref.symbol, xref.field, "", xref.value
    for xref in diff.xrefs_removed:
        yield "xrefs_removed", xref.hgnc_id, xref.symbol, xref.field, xref.value, ""
