"""Releases on a real Redis: loads at once from several threads leave the releases, the live one and the
current set agreeing, and every set no longer held expiring."""
from __future__ import annotations

import threading
from datetime import date

import redis

from adapters.redis_gene_keys import CURRENT_KEY, RELEASES_KEY, RETIRED_SET_GRACE_SECONDS
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_releases import RedisReleaseRegistry
from genes.gene import Gene

KEPT = 2
LOADS_PER_THREAD = 5
THREADS = 4


def genes_of(day: date) -> list[Gene]:
    return [Gene(f"HGNC:{n}", {"hgnc_id": f"HGNC:{n}", "symbol": f"G{n}-{day}", "locus_group": "other"})
            for n in range(1, 201)]


def test_concurrent_loads_keep_the_releases_and_the_live_set_in_agreement(real_redis_client: redis.Redis) -> None:
    days = [date(2024, 1 + n % 12, 1 + n // 12) for n in range(THREADS * LOADS_PER_THREAD)]
    failures: list[BaseException] = []

    def load(mine: list[date]) -> None:
        try:
            repository = RedisGeneRepository(real_redis_client, releases=RedisReleaseRegistry(real_redis_client, KEPT))
            for day in mine:
                repository.replace_all(genes_of(day), f"load of {day}", day)
        except BaseException as error:  # noqa: BLE001  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=load, args=(days[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    held = RedisReleaseRegistry(real_redis_client).held()
    assert len(held) == KEPT
    assert [release.live for release in held] == [True, False] and held[0].date == max(days)  # the newest is live
    assert real_redis_client.get(CURRENT_KEY) == held[0].set_id.encode()
    kept_sets = {set_id.decode() for set_id in real_redis_client.hvals(RELEASES_KEY)}
    set_ids = {key.decode().split(":")[1] for key in real_redis_client.keys("genes:*:meta")}
    for set_id in set_ids - kept_sets:
        assert 0 < real_redis_client.ttl(f"genes:{set_id}:meta") <= RETIRED_SET_GRACE_SECONDS
    for set_id in kept_sets:
        assert real_redis_client.ttl(f"genes:{set_id}:meta") == -1
    assert len(set_ids) == len(days)
