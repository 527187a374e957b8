"""Finding genes by a field's value: which fields, and what each value is found by."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from itertools import chain, compress, filterfalse, repeat
from typing import Any

from genes.gene import Gene

# The fields `GET /genes?<field>=` looks up beside `symbol` (approved, previous or alias, ranked).
LOOKUP_FIELDS = (
    "entrez_id", "ensembl_gene_id", "uniprot_ids", "refseq_accession", "ccds_id", "vega_id", "ucsc_id",
    "ena", "omim_id", "mgd_id", "rgd_id", "mane_select", "rna_central_id", "prev_symbol", "alias_symbol",
    "locus_type", "location", "locus_group",
)
SEARCHABLE_FIELDS = ("symbol", *LOOKUP_FIELDS)
# What a batch query may match a term against.
SCOPES = ("hgnc_id", *SEARCHABLE_FIELDS)
# Accessions that may carry a version (`NM_007294.4`): found with or without it.
VERSIONED_FIELDS = frozenset({
    "ensembl_gene_id", "refseq_accession", "ccds_id", "vega_id", "ucsc_id", "ena", "mane_select", "rna_central_id",
})
# One place of an HGNC location: a chromosome, an arm and a band ("17q21.31", a few with a letter:
# "17q12b"), or a centromere ("13cen"); the second end of a range may leave out its chromosome
# ("17q24.2-q24.3").
_PLACE = re.compile(r"(?P<chromosome>1[0-9]|2[0-2]|[1-9]|X|Y)?(?P<place>CEN|[PQ](?:[0-9]+(?:\.[0-9]+)?[A-Z]?)?)?")
_PLACE_SEPARATORS = re.compile(r"[\s,\-]+")


def query_term(field: str, text: str) -> str:
    """What `?<field>=<text>` looks up: the names index is lower case, every other index canonical."""
    return text.lower() if field == "symbol" else canonical(text)


def canonical(text: str) -> str:
    """The one form of a text that matching in any case compares: upper case. Cheap when the text
    is already in it, as nearly every accession is (a load meets ~470,000 of them)."""
    return text if text.isupper() or text.isdigit() else text.upper()


def terms_of(field: str, value: Any) -> tuple[str, ...]:
    """What one value of a field is found by, in canonical form: itself; an accession also without
    its version; a location also by each band that contains it (`17q21.31`: `17q21.3`, `17q21`,
    `17q2`, `17q`, `17`)."""
    text = canonical(str(value))
    if field == "location":
        return _location_terms(text)
    if field in VERSIONED_FIELDS:
        base = unversioned(text)
        if base is not None:
            return (text, base)
    return (text,)


def unversioned(accession: str) -> str | None:
    """`NM_007294` for `NM_007294.4`; None for an accession without a version."""
    base, dot, version = accession.rpartition(".")
    return base if dot and base and version.isdigit() else None


@lru_cache(maxsize=8192)  # ~1,500 distinct locations in the full set, each met ~30 times
def _location_terms(text: str) -> tuple[str, ...]:
    terms = {text: None}
    chromosome = None
    for token in _PLACE_SEPARATORS.split(text):
        match = _PLACE.fullmatch(token) if token else None
        if match is None:
            continue
        chromosome = match["chromosome"] or chromosome
        place = match["place"] or ""
        if chromosome is None or (match["chromosome"] is None and not place):
            continue
        terms[chromosome] = None
        if place == "CEN":
            terms[chromosome + place] = None
            continue
        for end in range(1, len(place) + 1):
            if place[end - 1] != ".":
                terms[chromosome + place[:end]] = None
    return tuple(terms)


# Fields with few distinct values, each held by many genes: indexed by value, expanded at the end.
_GROUPED_FIELDS = frozenset({"location", "locus_type", "locus_group"})
# The lookup fields that hold a list: one of its values matching is enough.
LIST_LOOKUPS = frozenset({"uniprot_ids", "refseq_accession", "ccds_id", "ena", "omim_id", "mgd_id", "rgd_id",
                          "mane_select", "prev_symbol", "alias_symbol"})


_LIST_POSITIONS = [position for position, field in enumerate(LOOKUP_FIELDS) if field in LIST_LOOKUPS]


class LookupIndex:
    """Each lookup field's terms to the ids of the genes holding them, in the order added, each once.

    Built batch by batch as a set is read, so that a store can write most entries before the last
    gene is seen: `add` gives the accessions of a batch, each with its last holder in the batch
    (nearly all final: an accession is rarely shared); `final_entries` the rest, to be written
    after them: the shared accessions, and every term of the fields of few values. The full set
    holds ~470,000 values: the work goes a column at a time, in comprehensions and set operations,
    and a value already in canonical form is used as it is, not copied.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []  # every gene added, in order: positions to ids
        # What is kept for the whole load is out of the garbage collector's sight, or each of its
        # collections would walk ~470,000 references: dicts of text (never tracked). Only the first
        # holder of each accession is kept, and every holder of the few held by more than one gene:
        # not every batch's terms and holders again (7 MiB of tuples at the end of the full set).
        self._first: dict[str, dict[str, str]] = {}  # field -> each accession -> its first holder
        self._shared: dict[str, dict[str, list[str]]] = {}  # field -> accession held twice or more -> every holder
        self._grouped: dict[str, dict[str, list[int]]] = {field: {} for field in _GROUPED_FIELDS}

    @staticmethod
    def row_of(gene: Gene) -> tuple[Any, ...]:
        """The gene's values of `LOOKUP_FIELDS` (None where it has none), as `add_rows` takes them.

        Lists become tuples: a tuple of text is soon untracked by the garbage collector, while a
        row kept until its batch is indexed would otherwise keep the record's lists alive through
        collections (~0.3 s more of them in a load of the full set).
        """
        row: list[Any] = list(map(gene.record.get, LOOKUP_FIELDS))
        for position in _LIST_POSITIONS:
            if row[position] is not None:
                row[position] = tuple(row[position])
        return tuple(row)

    def add(self, genes: list[Gene]) -> dict[str, list[str]]:
        """Index a batch of genes; per field, its accessions flat: term, id, term, id, ..."""
        return self.add_rows([gene.hgnc_id for gene in genes], [self.row_of(gene) for gene in genes])

    def add_rows(self, ids: list[str], rows: list[tuple[Any, ...]]) -> dict[str, list[str]]:
        """`add`, from each gene's id and `row_of`."""
        start, self._ids = len(self._ids), self._ids + ids
        # The work runs a column at a time in C (filter, compress, map): Python bytecode per value
        # would cost a load of the full set ~1 s more.
        columns = zip(*rows) if rows else ((),) * len(LOOKUP_FIELDS)
        flat: dict[str, list[str]] = {}
        for field, column in zip(LOOKUP_FIELDS, columns):
            if field in _GROUPED_FIELDS:
                by_value = self._grouped[field]
                for position, value in enumerate(column, start):
                    if value is not None:
                        by_value.setdefault(value, []).append(position)
                continue
            held = list(filter(None, column))
            if field in LIST_LOOKUPS:
                values = list(chain.from_iterable(held))
                holders = list(chain.from_iterable(map(repeat, compress(ids, column), map(len, held))))
            else:
                values, holders = held, list(compress(ids, column))
            if not values:
                continue
            terms = _canonical_all(values)
            if field in VERSIONED_FIELDS:
                dotted = [index for index, term in enumerate(terms) if "." in term]
                bases = [(unversioned(terms[index]), holders[index]) for index in dotted]
                terms += [base for base, _ in bases if base is not None]
                holders += [holder for base, holder in bases if base is not None]
            self._remember(field, terms, holders)
            flat[field] = [""] * (2 * len(terms))
            flat[field][0::2], flat[field][1::2] = terms, holders
        return flat

    def _remember(self, field: str, terms: list[str], holders: list[str]) -> None:
        first, shared = self._first.setdefault(field, {}), self._shared.setdefault(field, {})
        batch = dict(zip(reversed(terms), reversed(holders)))  # each term's first holder in the batch
        again = batch.keys() & first.keys()  # held by a gene of an earlier batch too
        if len(batch) < len(terms):  # a term held twice within the batch
            again.update(term for term, count in Counter(terms).items() if count > 1)
        for term in again:
            if term not in shared:
                shared[term] = [first[term]] if term in first else []
        if again:  # their holders in this batch, in order; picked out in C, as the new terms below
            held_again = list(map(again.__contains__, terms))
            for term, holder in zip(compress(terms, held_again), compress(holders, held_again)):
                shared[term].append(holder)
        # Not `batch.keys() - first.keys()`: that walks every term seen so far, at each batch.
        new = list(filterfalse(first.__contains__, batch))
        first.update(zip(new, map(batch.__getitem__, new)))

    def final_entries(self) -> dict[str, dict[str, str]]:
        """Per field, the terms whose ids `add` did not give in full, each with its ids comma-joined in order.

        The last call: the first holders go first, being the bulk of the index (~35 MiB of the
        full set's) and no longer needed, so that they and these entries are never held at once.
        """
        self._first = {}
        final: dict[str, dict[str, str]] = {
            field: {term: ",".join(dict.fromkeys(each)) for term, each in shared.items()}
            for field, shared in self._shared.items() if shared}
        ids = self._ids
        for field, by_value in self._grouped.items():
            positions: dict[str, list[list[int]]] = {}
            for value, held in by_value.items():
                for term in terms_of(field, str(value)):
                    positions.setdefault(term, []).append(held)
            final[field] = {
                term: ",".join(map(ids.__getitem__, runs[0] if len(runs) == 1 else sorted(chain.from_iterable(runs))))
                for term, runs in positions.items()
            }
        return final

    def entries(self) -> dict[str, dict[str, str]]:
        """The whole index: per field, each term and its ids, comma-joined in the order added. The last call."""
        every = {field: dict(first) for field, first in self._first.items()}
        for field, final in self.final_entries().items():
            every.setdefault(field, {}).update(final)
        return every


def _canonical_all(values: list[Any]) -> list[str]:
    """`canonical` of each value, in C where the values are text (they always are from HGNC's files)."""
    try:
        return list(map(str.upper, values))
    except TypeError:  # a JSON source may hold a number
        return [canonical(str(value)) for value in values]
