"""The indexes of a set in Redis: names (lower case) and each lookup field (canonical terms) to ids, comma-joined;
and those an API process holds in memory (HeldIndexes)."""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Mapping, Sequence

import redis
from redis.client import Pipeline

from adapters.redis_gene_keys import lookup_key, set_key
from genes.name_index import NameIndex

NAMES_PART = "names"
Answers = Callable[[list[Any]], list[list[str]]]


def name_entries(index: NameIndex, names: Iterable[str]) -> dict[str, str]:
    """The stored entries of `names` as the index ranks them now."""
    return {name: ",".join(index.ids(name)) for name in names}


def write_names(pipe: Pipeline, generation: str, entries: dict[str, str]) -> None:
    if entries:
        pipe.hset(set_key(generation, NAMES_PART), mapping=entries)  # type: ignore[arg-type]  # see _to_hash


def write_lookups(pipe: Pipeline, generation: str, entries: dict[str, Any]) -> None:
    """Per field, entries as a mapping or flat (term, ids, term, ids, ...)."""
    for field, fields_entries in entries.items():
        if not fields_entries:
            continue
        if isinstance(fields_entries, dict):
            pipe.hset(lookup_key(generation, field), mapping=fields_entries)
        else:
            pipe.hset(lookup_key(generation, field), items=fields_entries)


def index_key(generation: str, field: str) -> str:
    """The hash a field other than `hgnc_id` is found by: the names for `symbol`, else its lookup hash."""
    return set_key(generation, NAMES_PART) if field == "symbol" else lookup_key(generation, field)


def index_keys(generation: str, keys: Sequence[tuple[str, str]]) -> set[str]:
    """The index hashes that finding `keys` reads."""
    return {index_key(generation, field) for field, _ in keys if field != "hgnc_id"}


def queue_find(pipe: Pipeline, generation: str, keys: Sequence[tuple[str, str]]) -> Answers:
    """Queue the reads of every (field, term) of `keys`, one command per field; the reader of their answers.

    A term of "hgnc_id" finds itself if the set holds its record.
    """
    by_field: dict[str, list[int]] = {}
    for index, (field, _) in enumerate(keys):
        by_field.setdefault(field, []).append(index)
    layout: list[tuple[str, list[int]]] = []
    for field, indexes in by_field.items():
        terms = [keys[index][1] for index in indexes]
        if field == "hgnc_id":
            for term in terms:
                pipe.hexists(set_key(generation, "records"), term)
        else:
            pipe.hmget(index_key(generation, field), terms)
        layout.append((field, indexes))

    def read(answers: list[Any]) -> list[list[str]]:
        found: list[list[str]] = [[] for _ in keys]
        replies = iter(answers)
        for field, indexes in layout:
            if field == "hgnc_id":
                for index in indexes:
                    found[index] = [keys[index][1]] if next(replies) else []
            else:
                for index, entry in zip(indexes, next(replies)):
                    found[index] = decode_ids(entry)
        return found

    return read


def find_held(generation: str, keys: Sequence[tuple[str, str]],
              held: Mapping[str, Mapping[bytes, bytes]]) -> list[list[str]]:
    """What `queue_find` finds, from the whole index hashes of `generation` (`HeldIndexes`); no "hgnc_id"."""
    return [decode_ids(held[index_key(generation, field)].get(term.encode())) for field, term in keys]


class HeldIndexes:
    """Index hashes of one generation, each read whole on its first use, then answered from this
    process's memory: a generation never changes once loaded, so what is held is exact for as long
    as it is live. Those of another generation are dropped when one is asked for.

    The full set's indexes take ~90 MB in all, the largest ~15 MB (`names`, 100,881 entries), and
    ~50-90 ms to read (bench/README.md); a process holds only those its lookups have used.
    """

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._lock = threading.Lock()  # one read of a hash, whichever thread asks first
        # Replaced whole, never changed in place: a reader without the lock sees one generation's hashes.
        self._held: tuple[str | None, dict[str, dict[bytes, bytes]]] = (None, {})

    def hashes(self, generation: str, keys: Iterable[str]) -> dict[str, dict[bytes, bytes]]:
        """The hashes `keys` of `generation`, whole; those not held yet are read now, in one round trip."""
        keys = list(keys)
        held_generation, held = self._held
        if held_generation != generation or not all(key in held for key in keys):
            with self._lock:
                held_generation, held = self._held
                if held_generation != generation:
                    held = {}
                missing = [key for key in keys if key not in held]
                if missing:
                    pipe = self._redis.pipeline(transaction=False)
                    for key in missing:
                        pipe.hgetall(key)
                    held = {**held, **dict(zip(missing, pipe.execute()))}
                self._held = (generation, held)
        return {key: held[key] for key in keys}

    def release(self) -> None:
        self._held = (None, {})


def decode_ids(entry: bytes | None) -> list[str]:
    return entry.decode().split(",") if entry else []
