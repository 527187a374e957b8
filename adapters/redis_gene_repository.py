"""The gene set in Redis as the loader and the jobs see it: replace it whole, clear it, read its summaries."""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Iterator

import orjson
import redis

from adapters.gene_cache import GeneCache
from adapters.hgnc_format import genes_of_records
from adapters.redis_client import ReplicaAcks, as_text
from adapters.redis_gene_catalog import stored_records
from adapters.redis_gene_keys import (
    CURRENT_KEY, SET_FORMAT, current_set_id, new_set_id, retire, set_key, set_keys,
)
from adapters.redis_gene_load import write_set
from genes.errors import StoreNotReplicated
from genes.gene import Gene, GeneSummary

# A load no replica confirmed in time, undone: KEYS[1] names the set it made live (ARGV[1]) again the
# one before (ARGV[2]; '' for none), unless another load has replaced it since.
_PUT_BACK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
end
"""


class RedisGeneRepository:
    def __init__(self, client: redis.Redis, cache: GeneCache | None = None,
                 replicas: ReplicaAcks = ReplicaAcks()) -> None:
        """`replicas`: how many replicas must hold a load before it is acknowledged (none by default)."""
        self._redis = client
        self._cache = cache or GeneCache(client)
        self._replicas = replicas
        self._put_back = client.register_script(_PUT_BACK)

    def replace_all(self, genes: Iterable[Gene], source: str) -> int:
        set_id = new_set_id()
        try:
            count = write_set(self._redis, set_id, genes, source)
            if count:
                self._confirm_stored(set_id)
        except BaseException:
            self._redis.unlink(*set_keys(set_id))
            raise
        if count:
            self._make_live(set_id)
        return count

    def _confirm_stored(self, set_id: str) -> None:
        """Before the set goes live: a replica holds all of it, or StoreNotReplicated (and it goes)."""
        if self._replicas.required:
            pipe = self._redis.pipeline(transaction=False)
            pipe.hset(set_key(set_id, "meta"), "format", SET_FORMAT)  # a write of its own, for WAIT to count
            self._replicas.wait_in(pipe)
            if not self._replicas.confirmed(pipe.execute()):
                raise StoreNotReplicated("the gene set")

    def _make_live(self, set_id: str) -> None:
        """The set goes live; unless a replica confirms that in time, the set before is put back."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(CURRENT_KEY, set_id, get=True)  # SET with GET answers the value it replaced
        self._replicas.wait_in(pipe)
        replies = pipe.execute()
        previous = as_text(replies[0]) if isinstance(replies[0], (bytes, str)) else None
        if not self._replicas.confirmed(replies):
            self._put_back(keys=[CURRENT_KEY], args=[set_id, previous or ""])
            self._redis.unlink(*set_keys(set_id))
            raise StoreNotReplicated("the gene set")
        if previous is not None:
            retire(self._redis, previous)

    def clear(self) -> bool:
        previous = self._redis.getdel(CURRENT_KEY)
        if previous is None:
            return False
        retire(self._redis, as_text(previous))
        return True

    def outdated_set(self) -> StoredGeneSource | None:
        set_id = current_set_id(self._redis)
        if set_id is None:
            return None
        stored_format, source = self._redis.hmget(set_key(set_id, "meta"), ["format", "source"])
        if stored_format is not None and as_text(stored_format) == SET_FORMAT:
            return None
        return StoredGeneSource(self._redis, set_id, as_text(source) if source else "the stored set")

    def is_loaded(self) -> bool:
        return self._redis.exists(CURRENT_KEY) == 1

    def summaries(self) -> list[GeneSummary]:
        set_id = current_set_id(self._redis)
        return list(self._cache.summaries(set_id).in_load_order) if set_id else []

    def loaded_set_id(self) -> str | None:
        return current_set_id(self._redis)

    def summaries_approved_between(self, first: date, last: date, set_id: str | None = None) -> list[GeneSummary]:
        set_id = set_id or current_set_id(self._redis)
        return self._cache.summaries(set_id).approved_between(first, last) if set_id else []

    def records_of(self, set_id: str) -> Iterator[dict[str, Any]]:
        return (orjson.loads(text) for batch in stored_records(self._redis, set_id) for text in batch)

    def fields_of(self, set_id: str) -> tuple[str, ...] | None:
        fields = self._redis.hget(set_key(set_id, "meta"), "fields")
        return tuple(orjson.loads(fields)) if fields else None


class StoredGeneSource:
    """A set as Redis holds it, to be loaded again: by a version that stores more of it."""

    def __init__(self, client: redis.Redis, set_id: str, source: str) -> None:
        self._redis = client
        self._set_id = set_id
        self._source = source

    def describe(self) -> str:
        """Where the stored set first came from: loading it again changes nothing of that."""
        return self._source

    def read(self) -> Iterator[Gene]:
        batches = stored_records(self._redis, self._set_id)
        return genes_of_records(orjson.loads(text) for batch in batches for text in batch)
