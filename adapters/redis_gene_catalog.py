"""The read side of the gene set in Redis: what the views show (records, ids, lookups, exports, what is loaded)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from itertools import chain
from typing import Any, Callable, Iterator, Sequence, TypeVar

import orjson
import redis
from redis.client import Pipeline

from adapters.hgnc_format import tsv_lines
from adapters.gene_cache import GeneCache
from adapters.redis_client import as_bytes, as_text
from adapters.redis_gene_index import find_held, index_keys, queue_find
from adapters.redis_gene_keys import CURRENT_KEY, RELEASES_KEY, set_key
from genes.errors import StoreUnavailable
from genes.gene import RECORD_FIELDS
from genes.ports import FromSet, ReleaseRegistry, SetInfo

READ_BATCH = 1_000
Value = TypeVar("Value")
# Queues the reads of one request on the pipeline of a set; gives what reads their answers.
Queue = Callable[[Pipeline, str], Callable[[list[Any]], Value]]


class RedisGeneCatalog:
    """The views' reads. While the gene cache vouches for the live set's id, none reads `genes:current`,
    and records and lookups answer from the hashes this process holds, with no round trip at all;
    through a Redis outage too (adapters.gene_cache).

    With a `release`, the reads of that held release instead: its set's id is its entry in
    `genes:releases`, which the cache (watching that key) vouches for in the same way. A release
    not held raises UnknownRelease; a store written before releases is asked of `registry`.
    """

    def __init__(self, client: redis.Redis, cache: GeneCache | None = None, release: date | None = None,
                 registry: ReleaseRegistry | None = None, live_cache: GeneCache | None = None) -> None:
        """`live_cache`, for a release's catalog: the live set's cache, whose hashes it reads while
        that release is the live one."""
        self._redis = client
        self._cache = cache or GeneCache(client)
        self._release = release
        self._registry = registry
        self._live_cache = live_cache

    def _queue_set_id(self, pipe: Pipeline) -> None:
        """Queue the read of the id of the set read: the live one's, or the release's."""
        if self._release is None:
            pipe.get(CURRENT_KEY)
        else:
            pipe.hget(RELEASES_KEY, self._release.isoformat())

    def _unregistered(self) -> str:
        """The set of a release `genes:releases` does not name: a store written before releases holds
        it under `genes:current` until the start-up upgrade registers it; else UnknownRelease."""
        assert self._release is not None and self._registry is not None
        held = self._registry.resolve(self._release)
        assert held is not None  # resolve raises for a release not held
        return held.set_id

    def _set_id(self) -> str | None:
        pipe = self._redis.pipeline(transaction=False)
        self._queue_set_id(pipe)
        (found,) = pipe.execute()
        if found is not None:
            return as_text(found)
        return self._unregistered() if self._release is not None else None

    def record_json(self, hgnc_id: str) -> FromSet[str | None]:
        def queue(pipe: Pipeline, set_id: str) -> Callable[[list[Any]], str | None]:
            pipe.hget(set_key(set_id, "records"), hgnc_id)
            return lambda answers: _text(answers[0])

        def from_held(set_id: str) -> str | None:
            return _text(self._held_records(set_id).get(hgnc_id.encode()))
        return self._read(queue, None, held=from_held)

    def ids(self, offset: int = 0, limit: int | None = None) -> FromSet[list[str]]:
        end = -1 if limit is None else offset + limit - 1

        def queue(pipe: Pipeline, set_id: str) -> Callable[[list[Any]], list[str]]:
            if limit is not None and limit <= 0:
                return lambda answers: []
            pipe.lrange(set_key(set_id, "ids"), offset, end)
            return lambda answers: [i.decode() for i in answers[0]]
        return self._read(queue, [])

    def find(self, keys: Sequence[tuple[str, str]]) -> FromSet[list[list[str]]]:
        def from_held(set_id: str) -> list[list[str]]:
            return find_held(set_id, keys, self._holder(set_id).hashes(set_id, index_keys(set_id, keys)))

        nothing: list[list[str]] = [[] for _ in keys]
        return self._read(lambda pipe, set_id: queue_find(pipe, set_id, keys), nothing, held=from_held)

    def records(self, set_id: str, hgnc_ids: Sequence[str]) -> list[dict[str, Any] | None]:
        if not hgnc_ids:
            return []
        encoded: list[bytes | str | None]
        if self._cache.answers_from_memory(set_id) or self._holder(set_id) is not self._cache:
            held = self._held_records(set_id)
            encoded = [held.get(hgnc_id.encode()) for hgnc_id in hgnc_ids]
        else:
            encoded = self._redis.hmget(set_key(set_id, "records"), list(hgnc_ids))
        return [orjson.loads(text) if text is not None else None for text in encoded]

    def export_json(self) -> FromSet[Iterator[str]]:
        set_id = self._set_id()
        if set_id is None:
            return FromSet(None, iter(()))
        texts = (text.decode() for batch in stored_records(self._redis, set_id) for text in batch)
        return FromSet(set_id, texts)

    def export_tsv(self) -> FromSet[Iterator[str]]:
        info = self.info()
        if info.set_id is None or info.value is None:
            return FromSet(None, iter([tsv_lines(RECORD_FIELDS, [])]))
        columns = (*RECORD_FIELDS, *(f for f in info.value.fields if f not in RECORD_FIELDS))
        batches = stored_records(self._redis, info.set_id)
        lines = (tsv_lines(columns, [orjson.loads(text) for text in batch], header=False) for batch in batches)
        return FromSet(info.set_id, chain([tsv_lines(columns, [])], lines))

    def info(self) -> FromSet[SetInfo | None]:
        def queue(pipe: Pipeline, set_id: str) -> Callable[[list[Any]], SetInfo | None]:
            pipe.hgetall(set_key(set_id, "meta"))
            return lambda answers: _set_info(answers[0])
        return self._read(queue, None)

    def _held_records(self, set_id: str) -> dict[bytes, bytes]:
        key = set_key(set_id, "records")
        return self._holder(set_id).hashes(set_id, [key])[key]

    def _holder(self, set_id: str) -> GeneCache:
        """The cache that holds `set_id`'s hashes: the live cache when the release read is the live one
        (one copy in memory, not two), else this catalog's own."""
        live = self._live_cache
        return live if live is not None and live.answers_from_memory(set_id) else self._cache

    def _read(self, queue: Queue[Value], nothing: Value,
              held: Callable[[str], Value] | None = None) -> FromSet[Value]:
        """What `queue` reads from the live set, in one round trip; `nothing` when no set is loaded.
        While the cache vouches for the set's id, or Redis is down, what `held` answers from the
        hashes this process holds instead, if given: no round trip.

        Without the watch's word, the set's id is read together with the reads queued on the
        id this process saw last; only after a reload does that guess miss and cost a
        second trip. A reload between the two reads is harmless: the guessed set stays readable
        for its grace period, as it would for a reader that had resolved it just before.
        """
        held_through = self._cache.through_outage() if held is not None else None  # the others ask Redis
        if held is not None and held_through is not None:
            return FromSet(held_through, held(held_through))
        try:
            return self._read_live(queue, nothing, held)
        except StoreUnavailable:
            held_through = self._cache.redis_lost()
            if held is None or held_through is None:
                raise
            return FromSet(held_through, held(held_through))

    def _read_live(self, queue: Queue[Value], nothing: Value, held: Callable[[str], Value] | None) -> FromSet[Value]:
        known = self._cache.live_set_id()
        if known is not None:
            return FromSet(known, held(known)) if held is not None else self._read_from(known, queue)
        mark = self._cache.mark()
        guess = self._cache.guess
        pipe = self._redis.pipeline(transaction=False)
        self._queue_set_id(pipe)
        read = queue(pipe, guess) if guess is not None else None
        current, *answers = pipe.execute()
        set_id = current.decode() if current is not None else None
        self._cache.learn(set_id, mark)
        if set_id is None and self._release is not None:
            set_id = self._unregistered()
        if set_id is None:
            return FromSet(None, nothing)
        if set_id != guess or read is None:
            return self._read_from(set_id, queue)
        return FromSet(set_id, read(answers))

    def _read_from(self, set_id: str, queue: Queue[Value]) -> FromSet[Value]:
        """What `queue` reads from `set_id`, in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        read = queue(pipe, set_id)
        return FromSet(set_id, read(pipe.execute()))


def stored_records(client: redis.Redis, set_id: str) -> Iterator[list[bytes]]:
    """The stored records of a set in load order, as JSON, a batch at a time."""
    ids_key, records_key = set_key(set_id, "ids"), set_key(set_id, "records")
    for start in range(0, client.llen(ids_key), READ_BATCH):
        ids = client.lrange(ids_key, start, start + READ_BATCH - 1)
        yield [as_bytes(encoded) for encoded in client.hmget(records_key, ids) if encoded is not None]


def _text(encoded: bytes | None) -> str | None:
    return encoded.decode() if encoded is not None else None


def _set_info(meta: dict[bytes, bytes]) -> SetInfo | None:
    if not meta:
        return None
    fields = meta.get(b"fields")
    return SetInfo(
        count=int(meta[b"count"]),
        loaded_at=datetime.fromtimestamp(float(meta[b"loaded_at"]), timezone.utc),
        source=meta[b"source"].decode(),
        release=meta.get(b"release", b"").decode() or None,
        last_modified=meta.get(b"last_modified", b"").decode() or None,
        fields=tuple(orjson.loads(fields)) if fields else (),
    )

