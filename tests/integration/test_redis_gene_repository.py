"""RedisGeneRepository and RedisGeneCatalog on a real Redis: the whole contract, then the full HGNC set."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import redis

from adapters.hgnc_source import HgncFileSource
from tests.gene_repository_contract import GeneStore, RedisGeneRepositoryContract
from tests.hgnc_reference import expected_records, names_of


class TestRedisGeneRepositoryOnRealRedis(RedisGeneRepositoryContract):
    @pytest.fixture
    def redis_client(self, real_redis_client: redis.Redis) -> redis.Redis:
        return real_redis_client


@pytest.fixture(scope="module")
def reference(hgnc_data_path: Path) -> dict[str, dict[str, Any]]:
    return expected_records(hgnc_data_path)


def test_the_full_hgnc_set_loads_and_reads_back_exactly(
        real_redis_client: redis.Redis, hgnc_data_path: Path, reference: dict[str, dict[str, Any]]) -> None:
    repository = GeneStore.on_redis(real_redis_client)
    source = HgncFileSource(hgnc_data_path)
    assert repository.replace_all(source.read(), source.describe()) == len(reference) == 43_882
    assert repository.ids() == list(reference)
    for hgnc_id in random.Random(2).sample(list(reference), 300) + ["HGNC:5", "HGNC:57", "HGNC:1100"]:
        assert repository.get(hgnc_id).record == reference[hgnc_id]
    assert [json.loads(text) for text in repository.export_json()] == list(reference.values())
    summaries = repository.summaries()
    assert [s.hgnc_id for s in summaries] == list(reference)
    assert sum(s.locus_group == "pseudogene" for s in summaries) == sum(
        r["locus_group"] == "pseudogene" for r in reference.values())
    for name in ("BRCA1", "rnf53", "ncrna00181", "amn"):
        named = {i for i, r in reference.items() if name.lower() in (n.lower() for n in names_of(r))}
        assert set(repository.ids_named(name)) == named
