"""The gene set in Redis as the loader and the jobs see it: replace it whole, clear it, read its summaries."""
from __future__ import annotations

from datetime import date
from typing import Iterable

import redis

from adapters.redis_client import as_text
from adapters.redis_gene_keys import CURRENT_KEY, current_generation, new_generation, retire, set_keys
from adapters.redis_gene_load import write_generation
from adapters.redis_gene_summaries import SummariesCache
from genes.gene import Gene, GeneSummary


class RedisGeneRepository:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._summaries = SummariesCache(client)

    def replace_all(self, genes: Iterable[Gene], source: str) -> int:
        generation = new_generation()
        try:
            count = write_generation(self._redis, generation, genes, source)
        except BaseException:
            self._redis.unlink(*set_keys(generation))
            raise
        if count:
            previous = self._redis.set(CURRENT_KEY, generation, get=True)
            if isinstance(previous, (bytes, str)):  # SET with GET answers the value it replaced
                retire(self._redis, as_text(previous))
        return count

    def clear(self) -> bool:
        previous = self._redis.getdel(CURRENT_KEY)
        if previous is None:
            return False
        retire(self._redis, as_text(previous))
        return True

    def is_loaded(self) -> bool:
        return self._redis.exists(CURRENT_KEY) == 1

    def summaries(self) -> list[GeneSummary]:
        generation = current_generation(self._redis)
        return list(self._summaries.of(generation).in_load_order) if generation else []

    def loaded_set(self) -> str | None:
        return current_generation(self._redis)

    def summaries_approved_between(self, first: date, last: date, gene_set: str | None = None) -> list[GeneSummary]:
        generation = gene_set or current_generation(self._redis)
        return self._summaries.of(generation).approved_between(first, last) if generation else []
