"""What a GeneRepository and its GeneCatalog promise together: GeneStoreContract, run on the in-memory
fake (unit), and, with what the Redis adapters promise besides (RedisGeneRepositoryContract), on
fakeredis (unit) and a real Redis (integration). So a fake cannot drift from the adapters it stands for.

A subclass named Test... provides the `repository` fixture (a GeneStore on an empty store), or for
Redis the `redis_client` fixture: an empty database.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import pytest
import redis

from adapters import redis_gene_catalog, redis_gene_load
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_keys import CURRENT_KEY, RETIRED_SET_GRACE_SECONDS
from adapters.redis_gene_repository import RedisGeneRepository
from genes.errors import InvalidGeneSource
from genes.gene import Gene, GeneSummary
from genes.lookup import query_term
from genes.ports import GeneCatalog, GeneRepository
from tests.hgnc_reference import expected_records

SAMPLE_TSV = Path(__file__).parent / "fixtures" / "hgnc_sample.tsv"
SAMPLE = [Gene(hgnc_id, record) for hgnc_id, record in expected_records(SAMPLE_TSV).items()]
SAMPLE_IDS = [gene.hgnc_id for gene in SAMPLE]
RELEASE = date(2024, 10, 18)


def many_genes(count: int, prefix: str = "G") -> list[Gene]:
    """Made-up genes, enough to span several write and read batches."""
    return [Gene(f"HGNC:{n}", {"hgnc_id": f"HGNC:{n}", "symbol": f"{prefix}{n}", "locus_group": "other"})
            for n in range(1, count + 1)]


def failing_midway(genes: list[Gene], after: int) -> Iterator[Gene]:
    yield from genes[:after]
    raise InvalidGeneSource(f"record {after + 1} is not an object")


def persistent_keys(client: redis.Redis) -> set[bytes]:
    """The keys without an expiry: the live set (and the pointer to it)."""
    return {key for key in client.keys("*") if client.ttl(key) == -1}


class GeneStore:
    """A repository and a catalog over one store, as the API and the worker have them."""

    def __init__(self, repository: GeneRepository, catalog: GeneCatalog) -> None:
        self.repository, self.catalog = repository, catalog

    @classmethod
    def on_redis(cls, client: redis.Redis) -> GeneStore:
        return cls(RedisGeneRepository(client), RedisGeneCatalog(client))

    def replace_all(self, genes: Iterator[Gene] | list[Gene], source: str, release: date = RELEASE) -> int:
        """A load as the release `release`: the same one each time unless told, so that each replaces the last."""
        stored = self.repository.replace_all(genes, source, release)
        return stored.count if stored is not None else 0

    def clear(self) -> bool:
        return self.repository.clear()

    def is_loaded(self) -> bool:
        return self.repository.is_loaded()

    def summaries(self) -> list[GeneSummary]:
        return self.repository.summaries()

    def summaries_approved_between(self, first: date, last: date) -> list[GeneSummary]:
        return self.repository.summaries_approved_between(first, last)

    def get(self, hgnc_id: str) -> Gene | None:
        text = self.catalog.record_json(hgnc_id).value
        return Gene(hgnc_id, json.loads(text)) if text is not None else None

    def ids(self, offset: int = 0, limit: int | None = None) -> list[str]:
        return self.catalog.ids(offset, limit).value

    def ids_named(self, name: str) -> list[str]:
        return self.catalog.find([("symbol", query_term("symbol", name))]).value[0]

    def export_json(self) -> Iterator[str]:
        return self.catalog.export_json().value


Snapshot = Callable[[], object]


class GeneStoreContract:
    @pytest.fixture
    def stored(self) -> Snapshot:
        """What the store holds, to compare before and after: nothing more to see in memory."""
        return lambda: None

    @pytest.fixture
    def live(self) -> Snapshot:
        """How much the store keeps for good (the live set), as opposed to what expires."""
        return lambda: None

    @pytest.fixture
    def loaded(self, repository: GeneStore) -> GeneStore:
        assert repository.replace_all(iter(SAMPLE), "hgnc_sample.tsv") == len(SAMPLE)
        return repository

    def test_an_empty_store_has_no_set_and_answers_with_nothing(self, repository: GeneStore) -> None:
        assert not repository.is_loaded()
        assert repository.ids() == []
        assert repository.get("HGNC:5") is None
        assert repository.ids_named("a1bg") == []
        assert repository.summaries() == []
        assert list(repository.export_json()) == []
        assert repository.clear() is False

    def test_a_loaded_set_gives_back_each_record_exactly(self, loaded: GeneStore) -> None:
        assert loaded.is_loaded()
        for gene in SAMPLE:
            stored = loaded.get(gene.hgnc_id)
            assert stored == gene
            assert list(stored.record) == list(gene.record)  # HGNC's field order is kept
        assert loaded.get("HGNC:424242") is None

    def test_ids_come_in_load_order_and_page(self, loaded: GeneStore) -> None:
        assert loaded.ids() == SAMPLE_IDS
        assert loaded.ids(3, 4) == SAMPLE_IDS[3:7]
        assert loaded.ids(10) == SAMPLE_IDS[10:]
        assert loaded.ids(12, 100) == SAMPLE_IDS[12:]
        assert loaded.ids(13) == []
        assert loaded.ids(0, 0) == []

    def test_names_find_genes_in_any_case_approved_symbol_first(self, loaded: GeneStore) -> None:
        assert loaded.ids_named("BRCA1") == ["HGNC:1100"]
        assert loaded.ids_named("rnf53") == ["HGNC:1100"]  # an alias
        assert loaded.ids_named("a1bgas") == ["HGNC:37133"]  # a previous symbol
        assert loaded.ids_named("Amn") == ["HGNC:14604", "HGNC:61"]  # AMN itself, then ABCD1's alias
        assert loaded.ids_named("nosuchgene") == []

    def test_summaries_are_one_per_gene_in_load_order(self, loaded: GeneStore) -> None:
        assert loaded.summaries() == [gene.summary() for gene in SAMPLE]

    def test_the_summaries_approved_in_a_range_are_those_dated_in_it_both_ends_included(self, loaded: GeneStore) -> None:
        in_range = loaded.summaries_approved_between(date(1986, 1, 1), date(1989, 6, 30))

        expected = [s for s in loaded.summaries() if s.date_approved and "1986-01-01" <= s.date_approved <= "1989-06-30"]
        assert set(in_range) == set(expected) and len(in_range) == len(expected)  # in any order, each once
        assert any(s.date_approved == "1989-06-30" for s in in_range)
        assert loaded.summaries_approved_between(date(1700, 1, 1), date(1700, 12, 31)) == []

    def test_the_export_is_every_record_as_json_text_in_load_order(self, loaded: GeneStore) -> None:
        assert [json.loads(text) for text in loaded.export_json()] == [gene.record for gene in SAMPLE]

    def test_a_reload_replaces_the_set_and_leaves_no_second_copy(self, loaded: GeneStore, live: Snapshot) -> None:
        live_after_first = live()
        assert loaded.replace_all(iter(SAMPLE[:3]), "three genes") == 3
        assert loaded.ids() == SAMPLE_IDS[:3]
        assert loaded.get("HGNC:1100") is None
        assert loaded.ids_named("brca1") == []
        assert live() == live_after_first

    def test_a_load_that_fails_midway_leaves_the_first_set_intact_and_no_debris(
            self, loaded: GeneStore, stored: Snapshot) -> None:
        before = stored()
        genes = many_genes(redis_gene_load.WRITE_BATCH * 2 + 7)
        with pytest.raises(InvalidGeneSource):
            loaded.replace_all(failing_midway(genes, len(genes) - 3), "broken upload")
        assert stored() == before
        assert loaded.ids() == SAMPLE_IDS
        assert loaded.get("HGNC:5") == SAMPLE[0]

    def test_a_source_naming_an_id_twice_is_refused_and_the_first_set_stays(
            self, loaded: GeneStore, stored: Snapshot) -> None:
        before = stored()
        with pytest.raises(InvalidGeneSource, match="HGNC:5"):
            loaded.replace_all(iter([*many_genes(3000, "X"), SAMPLE[0], SAMPLE[0]]), "duplicated")
        assert stored() == before
        assert loaded.ids() == SAMPLE_IDS

    def test_an_empty_source_stores_nothing_and_the_first_set_stays(self, loaded: GeneStore, stored: Snapshot) -> None:
        before = stored()
        assert loaded.replace_all(iter([]), "empty") == 0
        assert stored() == before
        assert loaded.ids() == SAMPLE_IDS

    def test_an_export_already_streaming_finishes_from_the_set_it_started_on(
            self, repository: GeneStore) -> None:
        first = many_genes(redis_gene_catalog.READ_BATCH * 2 + 5, "OLD")
        repository.replace_all(iter(first), "first")
        export = repository.export_json()
        head = [next(export) for _ in range(10)]
        repository.replace_all(iter(many_genes(50, "NEW")), "second")
        symbols = [json.loads(text)["symbol"] for text in [*head, *export]]
        assert symbols == [gene.symbol for gene in first]
        assert repository.ids() == [gene.hgnc_id for gene in many_genes(50)]

    def test_clearing_forgets_the_set(self, loaded: GeneStore) -> None:
        assert loaded.clear() is True
        assert not loaded.is_loaded()
        assert loaded.ids() == [] and loaded.get("HGNC:5") is None and loaded.summaries() == []
        assert loaded.clear() is False

    def test_a_load_after_clearing_works(self, loaded: GeneStore) -> None:
        loaded.clear()
        assert loaded.replace_all(iter(SAMPLE[::-1]), "reversed") == len(SAMPLE)
        assert loaded.ids() == SAMPLE_IDS[::-1]


class RedisGeneRepositoryContract(GeneStoreContract):
    """The contract on RedisGeneRepository and RedisGeneCatalog, and what they promise besides:
    a failed load leaves no key behind, a replaced or cleared set expires after a grace period."""

    @pytest.fixture
    def repository(self, redis_client: redis.Redis) -> GeneStore:
        return GeneStore.on_redis(redis_client)

    @pytest.fixture
    def stored(self, redis_client: redis.Redis) -> Snapshot:
        return lambda: set(redis_client.keys("*"))

    @pytest.fixture
    def live(self, redis_client: redis.Redis) -> Snapshot:
        return lambda: len(persistent_keys(redis_client))

    def test_the_replaced_set_expires_after_a_grace_period(
            self, loaded: GeneStore, redis_client: redis.Redis) -> None:
        first = redis_client.get(CURRENT_KEY)
        loaded.replace_all(iter(SAMPLE), "again")
        retired = redis_client.keys(f"genes:{first.decode()}:*")
        assert retired, "the replaced set was dropped at once: an export streaming from it would break"
        for key in retired:
            assert 0 < redis_client.ttl(key) <= RETIRED_SET_GRACE_SECONDS

    def test_a_cleared_set_keeps_no_key_for_good(self, loaded: GeneStore, redis_client: redis.Redis) -> None:
        loaded.clear()
        assert persistent_keys(redis_client) == set()
