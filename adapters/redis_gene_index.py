"""The names index of a set in Redis: one hash from each name (lower case) to its ids, comma-joined, best first."""
from __future__ import annotations

from typing import Iterable

from redis.client import Pipeline

from adapters.redis_gene_keys import set_key
from genes.name_index import NameIndex

NAMES_PART = "names"


def name_entries(index: NameIndex, names: Iterable[str]) -> dict[str, str]:
    """The stored entries of `names` as the index ranks them now."""
    return {name: ",".join(index.ids(name)) for name in names}


def write_names(pipe: Pipeline, generation: str, entries: dict[str, str]) -> None:
    if entries:
        pipe.hset(set_key(generation, NAMES_PART), mapping=entries)


def read_named(pipe: Pipeline, generation: str, name: str) -> None:
    """Queue the read of the ids `name` finds; `decode_ids` reads the answer."""
    pipe.hget(set_key(generation, NAMES_PART), name.lower())


def decode_ids(entry: bytes | None) -> list[str]:
    return entry.decode().split(",") if entry else []
