"""RedisGeneRepository and RedisGeneCatalog on a real Redis: the whole contract, the full HGNC set, and lookups
from the indexes a catalog holds."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import redis

from adapters.gene_cache import GeneCache
from adapters.hgnc_source import HgncFileSource
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_repository import RedisGeneRepository
from genes.lookup import SEARCHABLE_FIELDS, query_term
from tests.conftest import FIXTURES
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


def commands_run(client: redis.Redis) -> int:
    """Commands Redis has run so far, but INFO (what asks)."""
    stats = client.info("commandstats")
    return sum(int(entry["calls"]) for name, entry in stats.items() if name != "cmdstat_info")


def every_lookup_of(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(field, term) for each value of each searchable field in `records`, as users write them and
    otherwise: in other case, without a version, a band that holds the location; and terms found by none."""
    keys = []
    for record in records:
        for field in SEARCHABLE_FIELDS:
            values = names_of(record) if field == "symbol" else record.get(field)
            for value in values if isinstance(values, list) else [values] if values is not None else []:
                text = str(value)
                keys += [(field, text), (field, text.lower()), (field, text.split(".")[0]), (field, text[:3])]
    keys += [(field, "nosuch") for field in SEARCHABLE_FIELDS]
    return [(field, query_term(field, text)) for field, text in keys]


def test_records_and_lookups_answered_from_held_hashes_are_redis_own_answers_with_no_command_sent(
        real_redis_client: redis.Redis) -> None:
    source = HgncFileSource(FIXTURES / "hgnc_sample.tsv")
    RedisGeneRepository(real_redis_client).replace_all(source.read(), source.describe())
    ids = [*expected_records(FIXTURES / "hgnc_sample.tsv"), "HGNC:999999"]
    keys = [*every_lookup_of(list(expected_records(FIXTURES / "hgnc_sample.tsv").values())),
            *(("hgnc_id", hgnc_id) for hgnc_id in ids)]
    asking = RedisGeneCatalog(real_redis_client, GeneCache(real_redis_client, enabled=False))  # GENE_CACHE=off
    holding = RedisGeneCatalog(real_redis_client)
    expected = asking.find(keys).value
    assert sum(map(bool, expected)) > len(keys) / 2  # most find something

    records = [asking.record_json(hgnc_id).value for hgnc_id in ids]
    assert records[0] is not None and records[-1] is None
    set_id = asking.find(keys[:1]).set_id
    assert set_id is not None
    decoded = asking.records(set_id, ids)
    assert decoded == [json.loads(text) if text else None for text in records]

    holding.find(keys[:1])  # learns the set's id
    assert holding.find(keys).value == expected  # reads every index, and the records, whole
    before = commands_run(real_redis_client)
    assert holding.find(keys).value == expected
    assert [holding.find([key]).value[0] for key in keys] == expected
    assert [holding.record_json(hgnc_id).value for hgnc_id in ids] == records
    assert holding.records(set_id, ids) == decoded
    assert commands_run(real_redis_client) == before
    assert asking.find(keys).value == expected and asking.records(set_id, ids) == decoded
    assert commands_run(real_redis_client) > before  # with the cache off, every read asks Redis

    source_again = HgncFileSource(FIXTURES / "hgnc_sample.tsv")
    RedisGeneRepository(real_redis_client).replace_all(
        (gene for gene in source_again.read() if gene.hgnc_id != "HGNC:5"), "without A1BG")
    assert holding.find([("symbol", "a1bg")]).value == [[]]  # the reload seen at once, not the held index

    RedisGeneRepository(real_redis_client).clear()
    assert holding.find([("symbol", "a2m")]).value == [[]]
