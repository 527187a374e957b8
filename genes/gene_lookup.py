"""Use cases that read the gene data: one gene, the ids a query finds, the whole set."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from genes.errors import GeneNotFound, InvalidGeneId
from genes.gene import is_hgnc_id
from genes.ports import GeneCatalog


@dataclass(frozen=True)
class GeneQuery:
    """A search over the ids; every criterion is optional and they combine with AND."""

    symbol: str | None = None
    locus_group: str | None = None
    offset: int = 0
    limit: int | None = None


class GeneLookup:
    def __init__(self, catalog: GeneCatalog) -> None:
        self._catalog = catalog

    def get_json(self, hgnc_id: str) -> str:
        """The record of one gene as JSON text."""
        if not is_hgnc_id(hgnc_id):
            raise InvalidGeneId(hgnc_id)
        found = self._catalog.record_json(hgnc_id)
        if found is None:
            raise GeneNotFound(hgnc_id)
        return found

    def find_ids(self, query: GeneQuery = GeneQuery()) -> list[str]:
        if query.symbol is None and query.locus_group is None:
            return self._catalog.ids(query.offset, query.limit)
        ids = self._catalog.ids_named(query.symbol) if query.symbol is not None else None
        if query.locus_group is not None:
            in_group = self._catalog.ids_in_locus_group(query.locus_group)
            ids = in_group if ids is None else [hgnc_id for hgnc_id in ids if hgnc_id in set(in_group)]
        end = None if query.limit is None else query.offset + query.limit
        return (ids or [])[query.offset:end]

    def export_json(self) -> Iterator[str]:
        """Every record as JSON text, from one consistent set; nothing when no data is loaded."""
        return self._catalog.export_json()
