"""The gene summaries a worker reads for each job: read from Redis once per loaded set, then from memory."""
from __future__ import annotations

import fakeredis
import pytest

from adapters.redis_gene_repository import RedisGeneRepository
from genes.gene import Gene


class CountingFakeRedis(fakeredis.FakeRedis):
    """Counts the GETs of each key, to see what a read costs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gets: list[str] = []

    def get(self, name):
        self.gets.append(name if isinstance(name, str) else name.decode())
        return super().get(name)


def gene(hgnc_id: str, symbol: str, approved: str, group: str = "protein-coding gene") -> Gene:
    return Gene(hgnc_id, {"hgnc_id": hgnc_id, "symbol": symbol, "locus_group": group,
                          "locus_type": "gene with protein product", "location": "19q13.43",
                          "date_approved_reserved": approved})


A1BG, A2M = gene("HGNC:5", "A1BG", "1989-06-30"), gene("HGNC:7", "A2M", "1986-01-01")
MT_TF = gene("HGNC:7482", "MT-TF", "1989-10-12", "non-coding RNA")


@pytest.fixture
def client() -> CountingFakeRedis:
    return CountingFakeRedis(server=fakeredis.FakeServer())


@pytest.fixture
def repository(client: CountingFakeRedis) -> RedisGeneRepository:
    return RedisGeneRepository(client)


def summaries_gets(client: CountingFakeRedis) -> int:
    return sum(1 for key in client.gets if key.endswith(":summaries"))


def test_the_summaries_of_a_set_are_read_from_redis_once_then_from_memory(
        repository: RedisGeneRepository, client: CountingFakeRedis) -> None:
    repository.replace_all([A1BG, A2M], "test")

    first, second = repository.summaries(), repository.summaries()

    assert first == second == [A1BG.summary(), A2M.summary()]
    assert summaries_gets(client) == 1


def test_after_a_reload_the_new_sets_summaries_are_read(repository: RedisGeneRepository) -> None:
    repository.replace_all([A1BG, A2M], "old")
    repository.summaries()

    repository.replace_all([MT_TF], "new")

    assert [s.hgnc_id for s in repository.summaries()] == ["HGNC:7482"]
    assert repository.summaries()[0].chromosome == "19"


def test_a_reload_seen_by_another_process_is_read_there_too(client: CountingFakeRedis) -> None:
    api, worker = RedisGeneRepository(client), RedisGeneRepository(client)
    api.replace_all([A1BG], "first")
    assert [s.hgnc_id for s in worker.summaries()] == ["HGNC:5"]

    api.replace_all([A2M, MT_TF], "second")

    assert [s.hgnc_id for s in worker.summaries()] == ["HGNC:7", "HGNC:7482"]


def test_after_a_clear_there_are_no_summaries(repository: RedisGeneRepository) -> None:
    repository.replace_all([A1BG], "test")
    repository.summaries()

    repository.clear()

    assert repository.summaries() == []


def test_changing_the_list_returned_changes_nothing_for_the_next_reader(repository: RedisGeneRepository) -> None:
    repository.replace_all([A1BG, A2M], "test")

    repository.summaries().clear()

    assert len(repository.summaries()) == 2
