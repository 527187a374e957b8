"""Reads HGNC's custom-download TSV (genenames.org/download/custom: columns by display name) as
records under the complete set's field names, keeping only the fields the download has."""
from __future__ import annotations

import csv
import re
from typing import Any, Iterable, Iterator, Sequence

from genes.errors import InvalidGeneSource
from genes.gene import RECORD_FIELDS

# Display name (folded by `_folded`) -> the complete set's field. Where HGNC offers a column it
# curates and one "supplied by" another resource, the curated one is the complete set's field
# (`entrez_id` is HGNC's "NCBI Gene ID"): `_SUPPLIED` below gives way to it when both are there.
_CURATED = {
    "hgnc id": "hgnc_id",
    "approved symbol": "symbol",
    "approved name": "name",
    "status": "status",
    "locus type": "locus_type",
    "locus group": "locus_group",
    "previous symbols": "prev_symbol",
    "previous name": "prev_name",
    "previous names": "prev_name",
    "alias symbols": "alias_symbol",
    "synonyms": "alias_symbol",  # the name before 2018
    "alias names": "alias_name",
    "name synonyms": "alias_name",
    "chromosome": "location",
    "date approved": "date_approved_reserved",
    "date modified": "date_modified",
    "date symbol changed": "date_symbol_changed",
    "date name changed": "date_name_changed",
    "accession numbers": "ena",
    "enzyme ids": "enzyme_id",
    "ncbi gene id": "entrez_id",
    "entrez gene id": "entrez_id",
    "ensembl gene id": "ensembl_gene_id",
    "mouse genome database id": "mgd_id",
    "pubmed ids": "pubmed_id",
    "refseq ids": "refseq_accession",
    "gene group id": "gene_group_id",
    "gene group name": "gene_group",
    "ccds ids": "ccds_id",
    "vega ids": "vega_id",
    "locus specific databases": "lsdb",
}
_SUPPLIED = {
    "ncbi gene id(supplied by ncbi)": "entrez_id",
    "entrez gene id(supplied by ncbi)": "entrez_id",
    "ensembl id(supplied by ensembl)": "ensembl_gene_id",
    "refseq(supplied by ncbi)": "refseq_accession",
    "mouse genome database id(supplied by mgi)": "mgd_id",
    "vega id(supplied by vega)": "vega_id",
    # Only "supplied by" columns give these: they are the complete set's fields themselves.
    "uniprot id(supplied by uniprot)": "uniprot_ids",
    "omim id(supplied by omim)": "omim_id",
    "omim id(supplied by ncbi)": "omim_id",
    "rat genome database id(supplied by rgd)": "rgd_id",
    "ucsc id(supplied by ucsc)": "ucsc_id",
    "lncipedia id(supplied by lncipedia)": "lncipedia",
    "gtrnadb id(supplied by gtrnadb)": "gtrnadb",
    "agr hgnc id(supplied by alliance of genome resources)": "agr",
    "agr hgnc id(supplied by alliance of genomic resources)": "agr",
}
# The complete set's `mane_select` is one list, [Ensembl transcript, RefSeq transcript]: a custom
# download gives its two parts as two columns.
_MANE_SELECT = {
    "mane select ensembl transcript id(supplied by ncbi)": 0,
    "mane select refseq transcript id(supplied by ncbi)": 1,
}
# These fields are lists: a custom download joins their items with ", " (quoting an item that holds
# a comma, as in `"name, one", "name two"`), the gene groups with "|".
_LIST_FIELDS = frozenset({
    "prev_symbol", "prev_name", "alias_symbol", "alias_name", "ena", "enzyme_id", "mgd_id", "pubmed_id",
    "refseq_accession", "ccds_id", "lsdb", "uniprot_ids", "omim_id", "rgd_id",
})
_PIPE_LIST_FIELDS = frozenset({"gene_group_id", "gene_group"})
_FIELD_ORDER = {name: position for position, name in enumerate(RECORD_FIELDS)}
_SNAKE = re.compile(r"[^0-9a-z]+")


def is_custom_download(header: Sequence[str]) -> bool:
    """Whether a TSV header is a custom download's: HGNC ID and Approved symbol by their display names."""
    folded = {_folded(name) for name in header}
    return "hgnc id" in folded and "approved symbol" in folded


def field_names(header: Sequence[str]) -> list[str | None]:
    """Each column's field in the complete set's names: a curated column wins over one "supplied
    by" another resource for the same field (None: the column is left out); a column HGNC does not
    map to the complete set keeps its display name in snake_case ("Specialist database IDs" ->
    "specialist_database_ids"), its text as it is."""
    folded = [_folded(name) for name in header]
    curated = {_CURATED[name] for name in folded if name in _CURATED}
    names: list[str | None] = []
    for display, name in zip(header, folded):
        if name in _CURATED:
            names.append(_CURATED[name])
        elif name in _SUPPLIED:
            names.append(None if _SUPPLIED[name] in curated else _SUPPLIED[name])
        elif name in _MANE_SELECT:
            names.append("mane_select")
        else:
            names.append(_SNAKE.sub("_", name).strip("_") or None)
    return _first_of_each(names)


def records(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[dict[str, Any]]:
    """The rows after the header as records of the complete set's fields (lists split, integers
    still text), the empty fields absent."""
    # The columns in the order of the complete set's fields (the others after them, in file order),
    # so that a record lists its fields as one of the complete set does.
    columns = sorted(
        ((index, name, _MANE_SELECT.get(_folded(display)))
         for index, (display, name) in enumerate(zip(header, field_names(header))) if name is not None),
        key=lambda column: _FIELD_ORDER.get(column[1], len(_FIELD_ORDER)))
    for line_number, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise InvalidGeneSource(f"TSV line {line_number} has {len(row)} fields, the header {len(header)}")
        record: dict[str, Any] = {}
        mane: list[tuple[int, str]] = []
        for index, name, part in columns:
            value = row[index]
            if not value:
                continue
            if part is not None:
                mane.append((part, value))
                record[name] = None  # its place among the fields, filled below
            elif name in _LIST_FIELDS:
                record[name] = _items(value)
            elif name in _PIPE_LIST_FIELDS:
                record[name] = value.split("|")
            else:
                record[name] = value
        if mane:
            record["mane_select"] = [value for _, value in sorted(mane)]
        yield record


def _first_of_each(names: list[str | None]) -> list[str | None]:
    """The names, any repeated one (two columns of the same display name) after the first left out."""
    seen: set[str] = set()
    unique: list[str | None] = []
    for name in names:
        unique.append(None if name in seen and name != "mane_select" else name)
        if name is not None:
            seen.add(name)
    return unique


def _items(value: str) -> list[str]:
    """`A, B` or `"a, b", "c"` as its items."""
    if '"' not in value:
        return [item.strip() for item in value.split(",") if item.strip()]
    return [item for item in next(csv.reader([value], skipinitialspace=True)) if item]


def _folded(display_name: str) -> str:
    """A display name as it is looked up: lower case, single spaces, none before "(" (HGNC wrote
    both "NCBI Gene ID(supplied by NCBI)" and "LNCipedia ID (supplied by LNCipedia)")."""
    return " ".join(display_name.lower().split()).replace(" (", "(")
