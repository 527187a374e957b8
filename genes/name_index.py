"""Which genes a name finds, and in what order: the ranking rule of `?symbol=`."""
from __future__ import annotations

from genes.gene import Gene


class NameIndex:
    """Names (any case) to the ids of the genes so named, best match first.

    A gene is found by its approved symbol, its previous symbols and its aliases, ranked in that
    order: every gene whose approved symbol is the name comes first, then those that had it as a
    previous symbol, then those that have it as an alias; within a rank, in the order the genes
    were added; each gene once. Built gene by gene as a set is read, so that a store may write
    most entries before the last gene is seen (`add` says which names are new).
    """

    def __init__(self) -> None:
        # rank -> lower-case name -> the ids so named, comma-joined in the order added. Text only:
        # the garbage collector soon stops tracking it (lists or objects here cost each load of
        # the full set ~50-100 ms more in collections).
        self._ids_by_rank: tuple[dict[str, str], ...] = ({}, {}, {})
        self._seen_once: set[str] = set()
        self._seen_again: set[str] = set()

    def add(self, gene: Gene) -> list[str]:
        """Index the gene under each of its names; the names (lower case) that no gene had before."""
        hgnc_id, new = gene.hgnc_id, []
        for rank, name in gene.names():
            named = self._ids_by_rank[rank]
            key = name.lower()
            known = named.get(key)
            named[key] = hgnc_id if known is None else f"{known},{hgnc_id}"
            if key in self._seen_once:
                self._seen_again.add(key)
            else:
                self._seen_once.add(key)
                new.append(key)
        return new

    def ids(self, name: str) -> list[str]:
        """The ids found by `name`, best match first; empty when no gene bears it."""
        key = name.lower()
        joined = ",".join(named[key] for named in self._ids_by_rank if key in named)
        return list(dict.fromkeys(joined.split(","))) if joined else []

    def shared_names(self) -> set[str]:
        """The names (lower case) added more than once, under another rank or for another gene:
        the only ones whose ids changed after `add` first reported them."""
        return set(self._seen_again)
