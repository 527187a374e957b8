"""The indexes of a set in Redis: names (lower case) and each lookup field (canonical terms) to ids, comma-joined;
and finding terms in them, in Redis or in their copies an API process holds (HeldHashes)."""
from __future__ import annotations

from itertools import chain
from typing import Any, Callable, Iterable, Mapping, Sequence

from redis.client import Pipeline

from adapters.redis_gene_keys import lookup_key, set_key
from genes.name_index import NameIndex

NAMES_PART = "names"
Answers = Callable[[list[Any]], list[list[str]]]


def name_entries(index: NameIndex, names: Iterable[str]) -> dict[str, str]:
    """The stored entries of `names` as the index ranks them now."""
    return {name: ",".join(index.ids(name)) for name in names}


def flat(entries: Mapping[Any, Any]) -> list[Any]:
    """A mapping's pairs flat (key, value, key, value, ...), as HSET's `items` takes them: built in
    C, where redis-py's `mapping` loops in Python (a load: ~44,000 records, ~100,000 names)."""
    return list(chain.from_iterable(entries.items()))


def write_names(pipe: Pipeline, set_id: str, entries: dict[str, str]) -> None:
    if entries:
        pipe.hset(set_key(set_id, NAMES_PART), items=flat(entries))


def write_lookups(pipe: Pipeline, set_id: str, entries: dict[str, Any]) -> None:
    """Per field, entries as a mapping or flat (term, ids, term, ids, ...)."""
    for field, fields_entries in entries.items():
        if not fields_entries:
            continue
        items = flat(fields_entries) if isinstance(fields_entries, dict) else fields_entries
        pipe.hset(lookup_key(set_id, field), items=items)


def index_key(set_id: str, field: str) -> str:
    """The hash a field is found by: the records for `hgnc_id`, the names for `symbol`, else its lookup hash."""
    if field == "hgnc_id":
        return set_key(set_id, "records")
    return set_key(set_id, NAMES_PART) if field == "symbol" else lookup_key(set_id, field)


def index_keys(set_id: str, keys: Sequence[tuple[str, str]]) -> set[str]:
    """The hashes that finding `keys` reads."""
    return {index_key(set_id, field) for field, _ in keys}


def queue_find(pipe: Pipeline, set_id: str, keys: Sequence[tuple[str, str]]) -> Answers:
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
                pipe.hexists(set_key(set_id, "records"), term)
        else:
            pipe.hmget(index_key(set_id, field), terms)
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


def find_held(set_id: str, keys: Sequence[tuple[str, str]],
              held: Mapping[str, Mapping[bytes, bytes]]) -> list[list[str]]:
    """What `queue_find` finds, from the whole hashes of `set_id` (`index_keys`, held by HeldHashes)."""
    return [([term] if term.encode() in held[index_key(set_id, field)] else []) if field == "hgnc_id"
            else decode_ids(held[index_key(set_id, field)].get(term.encode())) for field, term in keys]


def decode_ids(entry: bytes | None) -> list[str]:
    return entry.decode().split(",") if entry else []
