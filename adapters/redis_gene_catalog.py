"""The read side of the gene set in Redis: what the views show (ids, a record, names, the export)."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import redis
from redis.client import Pipeline

from adapters.redis_gene_index import decode_ids, read_named
from adapters.redis_gene_keys import CURRENT_KEY, current_generation, set_key
from adapters.redis_gene_summaries import SummariesCache

READ_BATCH = 1_000


class RedisGeneCatalog:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._last_generation: str | None = None  # a guess that saves each read a round trip
        self._summaries = SummariesCache(client)

    def record_json(self, hgnc_id: str) -> str | None:
        encoded = self._read(lambda pipe, generation: pipe.hget(set_key(generation, "records"), hgnc_id))
        return encoded.decode() if encoded is not None else None

    def ids(self, offset: int = 0, limit: int | None = None) -> list[str]:
        if limit is not None and limit <= 0:
            return []
        end = -1 if limit is None else offset + limit - 1
        ids = self._read(lambda pipe, generation: pipe.lrange(set_key(generation, "ids"), offset, end))
        return [i.decode() for i in ids or ()]

    def ids_named(self, name: str) -> list[str]:
        return decode_ids(self._read(lambda pipe, generation: read_named(pipe, generation, name)))

    def ids_in_locus_group(self, locus_group: str) -> list[str]:
        generation = current_generation(self._redis)
        if generation is None:
            return []
        return [s.hgnc_id for s in self._summaries.of(generation).in_load_order if s.locus_group == locus_group]

    def export_json(self) -> Iterator[str]:
        generation = current_generation(self._redis)
        if generation is None:
            return iter(())
        return self._export(generation)

    def _export(self, generation: str) -> Iterator[str]:
        ids_key, records_key = set_key(generation, "ids"), set_key(generation, "records")
        for start in range(0, self._redis.llen(ids_key), READ_BATCH):
            ids = self._redis.lrange(ids_key, start, start + READ_BATCH - 1)
            for encoded in self._redis.hmget(records_key, ids):
                if encoded is not None:
                    yield encoded.decode()

    def _read(self, queue: Callable[[Pipeline, str], object]) -> Any:
        """What `queue` reads from the live set, None when nothing is loaded; in one round trip.

        The generation is read together with the read queued on the generation this process saw
        last; only after a reload does that guess miss and cost a second trip. A reload between
        the two reads is harmless: the guessed set stays readable for its grace period, as it
        would for a reader that had resolved it just before.
        """
        guess = self._last_generation
        pipe = self._redis.pipeline(transaction=False)
        pipe.get(CURRENT_KEY)
        if guess is not None:
            queue(pipe, guess)
        current, *answer = pipe.execute()
        if current is None:
            return None
        generation = current.decode()
        if generation != guess:
            self._last_generation = generation
            pipe = self._redis.pipeline(transaction=False)
            queue(pipe, generation)
            answer = pipe.execute()
        return answer[0]
