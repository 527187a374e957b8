"""The ports the domain needs, as Protocols: adapters satisfy them without inheriting."""
from __future__ import annotations

from typing import Iterable, Iterator, Protocol

from genes.gene import Gene, GeneSummary


class GeneSource(Protocol):
    """Where a set of genes comes from: a URL, a file, an uploaded body."""

    def describe(self) -> str:
        """A short text naming the source, for the load summary."""

    def read(self) -> Iterator[Gene]:
        """Every gene of the source; raises InvalidGeneSource or GeneSourceUnavailable."""


class GeneRepository(Protocol):
    def replace_all(self, genes: Iterable[Gene], source: str) -> int:
        """Store `genes` as the whole set, atomically replacing the previous one; the count."""

    def clear(self) -> bool:
        """Forget the whole set; whether there was one."""

    def is_loaded(self) -> bool: ...

    def get(self, hgnc_id: str) -> Gene | None: ...

    def ids(self, offset: int = 0, limit: int | None = None) -> list[str]:
        """The ids in load order; empty when nothing is loaded."""

    def ids_named(self, name: str) -> list[str]:
        """The ids whose symbol, previous symbol or alias is `name` (any case), best match first."""

    def summaries(self) -> list[GeneSummary]:
        """One summary per gene, in load order."""

    def export_json(self) -> Iterator[str]:
        """Every record as its JSON text, in load order, from one consistent set.

        The records are stored encoded; handing them on as text saves decoding and re-encoding
        32 MB for a full export.
        """
