"""The gene set in Redis as the loader and the jobs see it: replace it whole, clear it, read its summaries."""
from __future__ import annotations

from datetime import date
from typing import Iterable, Iterator

import orjson
import redis

from adapters.gene_cache import GeneCache
from adapters.hgnc_format import genes_of_records
from adapters.redis_client import as_text
from adapters.redis_gene_catalog import stored_records
from adapters.redis_gene_keys import (
    CURRENT_KEY, SET_FORMAT, current_set_id, new_set_id, retire, set_key, set_keys,
)
from adapters.redis_gene_load import write_set
from genes.gene import Gene, GeneSummary


class RedisGeneRepository:
    def __init__(self, client: redis.Redis, cache: GeneCache | None = None) -> None:
        self._redis = client
        self._cache = cache or GeneCache(client)

    def replace_all(self, genes: Iterable[Gene], source: str) -> int:
        set_id = new_set_id()
        try:
            count = write_set(self._redis, set_id, genes, source)
        except BaseException:
            self._redis.unlink(*set_keys(set_id))
            raise
        if count:
            previous = self._redis.set(CURRENT_KEY, set_id, get=True)
            if isinstance(previous, (bytes, str)):  # SET with GET answers the value it replaced
                retire(self._redis, as_text(previous))
        return count

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
