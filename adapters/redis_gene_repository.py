"""The gene sets in Redis as the loader and the jobs see them: store a release, clear, read the summaries."""
from __future__ import annotations

from datetime import date, datetime, timezone
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
from adapters.redis_releases import RedisReleaseRegistry
from genes.errors import StoreNotReplicated
from genes.gene import Gene, GeneSummary
from genes.releases import Release


class RedisGeneRepository:
    def __init__(self, client: redis.Redis, cache: GeneCache | None = None,
                 replicas: ReplicaAcks = ReplicaAcks(), releases: RedisReleaseRegistry | None = None) -> None:
        """`replicas`: how many replicas must hold a load before it is acknowledged (none by default)."""
        self._redis = client
        self._cache = cache or GeneCache(client)
        self._replicas = replicas
        self._releases = releases or RedisReleaseRegistry(client)

    def replace_all(self, genes: Iterable[Gene], source: str, release: date | None = None) -> Release | None:
        set_id = new_set_id()
        try:
            written = write_set(self._redis, set_id, genes, source, release)
            if written.count:
                self._confirm_stored(set_id)
        except BaseException:
            self._redis.unlink(*set_keys(set_id))
            raise
        if written.release is None:
            return None
        self._register(set_id, written.release)
        return Release(written.release, set_id, written.count, datetime.now(timezone.utc), source,
                       live=current_set_id(self._redis) == set_id)

    def _confirm_stored(self, set_id: str) -> None:
        """Before the set goes live: a replica holds all of it, or StoreNotReplicated (and it goes)."""
        if self._replicas.required:
            pipe = self._redis.pipeline(transaction=False)
            pipe.hset(set_key(set_id, "meta"), "format", SET_FORMAT)  # a write of its own, for WAIT to count
            self._replicas.wait_in(pipe)
            if not self._replicas.confirmed(pipe.execute()):
                raise StoreNotReplicated("the gene set")

    def _register(self, set_id: str, release: date) -> None:
        """The set is held as its release (live if it is the live one); unless a replica confirms that
        in time, the releases before are put back. The sets no longer held are retired."""
        pipe = self._redis.pipeline(transaction=False)
        self._releases.register(release, set_id, client=pipe)
        self._replicas.wait_in(pipe)
        replies = pipe.execute()
        previous, before, dropped = self._releases.registered(replies[0])
        if not self._replicas.confirmed(replies):
            self._releases.put_back(release, set_id, previous, before)
            self._redis.unlink(*set_keys(set_id))
            raise StoreNotReplicated("the gene set")
        for retired in dropped:
            retire(self._redis, retired)

    def clear(self, release: date | None = None) -> bool:
        """Forget every release, or the one given (the newest left goes live if it was); whether any was held."""
        dropped = self._releases.forget(release)
        for retired in dropped:
            retire(self._redis, retired)
        return bool(dropped)

    def choose_live(self, release: date | None) -> None:
        self._releases.choose_live(release)

    def outdated_set(self) -> tuple[StoredGeneSource, date] | None:
        set_id = current_set_id(self._redis)
        if set_id is None:
            return None
        stored_format, source = self._redis.hmget(set_key(set_id, "meta"), ["format", "source"])
        if stored_format is not None and as_text(stored_format) == SET_FORMAT:
            return None
        live = self._releases.resolve()
        if live is None or live.set_id != set_id:  # another load went live meanwhile: nothing outdated
            return None
        return StoredGeneSource(self._redis, set_id, as_text(source) if source else "the stored set"), live.date

    def register_stored_set(self) -> date | None:
        return self._releases.register_stored_set()

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
