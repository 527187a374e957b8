"""Use cases that read the gene data: one gene, the genes a query finds, a batch of terms, the whole set."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from genes.errors import GeneNotFound, GeneWithdrawn, InvalidGeneId
from genes.gene import chosen_fields, is_hgnc_id
from genes.lookup import query_term
from genes.ports import FromSet, GeneCatalog, SetInfo, WithdrawnStore

DEFAULT_SCOPES = ("hgnc_id", "symbol")


@dataclass(frozen=True)
class GeneQuery:
    """A search over the genes: every criterion (searchable field -> value) must hold; then a page."""

    criteria: Mapping[str, str] = field(default_factory=dict)
    offset: int = 0
    limit: int | None = None


class GeneLookup:
    def __init__(self, catalog: GeneCatalog, withdrawn: WithdrawnStore | None = None) -> None:
        self._catalog = catalog
        self._withdrawn = withdrawn

    def get_json(self, hgnc_id: str) -> FromSet[str]:
        """The record of one gene as JSON text."""
        _check_id(hgnc_id)
        found = self._catalog.record_json(hgnc_id)
        if found.value is None:
            entry = self._withdrawn.entry(hgnc_id) if self._withdrawn is not None else None
            if entry is not None:
                raise GeneWithdrawn(entry.hgnc_id, entry.symbol, entry.status.value, entry.replaced_by)
            raise GeneNotFound(hgnc_id)
        return FromSet(found.set_id, found.value)

    def get_fields(self, hgnc_id: str, fields: Sequence[str]) -> FromSet[dict[str, Any]]:
        """The gene's `hgnc_id` and the chosen fields of its record."""
        found = self.get_json(hgnc_id)
        return FromSet(found.set_id, chosen_fields(json.loads(found.value), fields))

    def find_ids(self, query: GeneQuery = GeneQuery()) -> FromSet[list[str]]:
        """The ids that meet every criterion: ranked as `symbol` ranks when it is one, else in load
        order; then the page."""
        if not query.criteria:
            return self._catalog.ids(query.offset, query.limit)
        keys = [(name, query_term(name, value)) for name, value in query.criteria.items()]
        found = self._catalog.find(keys)
        ranked = [ids for (name, _), ids in zip(keys, found.value) if name == "symbol"]
        ordered = ranked[0] if ranked else min(found.value, key=len)  # the fewest: the cheapest to filter
        for others in (set(ids) for ids in found.value if ids is not ordered):
            ordered = [hgnc_id for hgnc_id in ordered if hgnc_id in others]
        end = None if query.limit is None else query.offset + query.limit
        return FromSet(found.set_id, ordered[query.offset:end])

    def find_records(self, query: GeneQuery, fields: Sequence[str]) -> FromSet[list[dict[str, Any]]]:
        """What `find_ids` finds, each gene as its `hgnc_id` and the chosen fields, in the same order."""
        found = self.find_ids(query)
        if found.set_id is None or not found.value:
            return FromSet(found.set_id, [])
        records = self._catalog.records(found.set_id, found.value)
        return FromSet(found.set_id, [chosen_fields(record, fields) for record in records if record is not None])

    def match(self, terms: Sequence[str], scopes: Sequence[str] = DEFAULT_SCOPES,
              fields: Sequence[str] | None = None) -> FromSet[list[dict[str, Any]]]:
        """Each term against each scope: one answer per gene found per term, in the order of the
        terms (then of the scopes, each gene once per term); `{"query": term, "notfound": True}`
        for a term that finds none. An answer is the gene's record, or its `hgnc_id` and `fields`."""
        keys = [(scope, query_term(scope, term)) for term in terms for scope in scopes]
        found = self._catalog.find(keys)
        if found.set_id is None:
            return FromSet(None, [{"query": term, "notfound": True} for term in terms])
        per_term = [
            list(dict.fromkeys(hgnc_id for ids in found.value[start:start + len(scopes)] for hgnc_id in ids))
            for start in range(0, len(keys), len(scopes))
        ]
        wanted = list(dict.fromkeys(hgnc_id for ids in per_term for hgnc_id in ids))
        records = dict(zip(wanted, self._catalog.records(found.set_id, wanted)))
        answers: list[dict[str, Any]] = []
        for term, ids in zip(terms, per_term):
            matched = [records[hgnc_id] for hgnc_id in ids if records[hgnc_id] is not None]
            if not matched:
                answers.append({"query": term, "notfound": True})
            for record in matched:
                assert record is not None
                answers.append({"query": term, **(record if fields is None else chosen_fields(record, fields))})
        return FromSet(found.set_id, answers)

    def export_json(self) -> FromSet[Iterator[str]]:
        """Every record as JSON text, from one consistent set; nothing when no data is loaded."""
        return self._catalog.export_json()

    def export_tsv(self) -> FromSet[Iterator[str]]:
        """Every record as a line of HGNC's TSV, after the header line."""
        return self._catalog.export_tsv()

    def info(self) -> FromSet[SetInfo | None]:
        return self._catalog.info()


def _check_id(hgnc_id: str) -> None:
    if not is_hgnc_id(hgnc_id):
        raise InvalidGeneId(hgnc_id)
