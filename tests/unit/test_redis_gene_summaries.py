"""The gene summaries a worker reads for each job: read from Redis once per loaded set, then from memory."""
from __future__ import annotations

from datetime import date

import fakeredis
import pytest

from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_gene_summaries import decode_summaries, encode_summary_rows, summary_row
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


RELEASE = date(2024, 10, 18)  # each load the same release: it replaces the one before
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
    repository.replace_all([A1BG, A2M], "test", RELEASE)

    first, second = repository.summaries(), repository.summaries()

    assert first == second == [A1BG.summary(), A2M.summary()]
    assert summaries_gets(client) == 1


def test_after_a_reload_the_new_sets_summaries_are_read(repository: RedisGeneRepository) -> None:
    repository.replace_all([A1BG, A2M], "old", RELEASE)
    repository.summaries()

    repository.replace_all([MT_TF], "new", RELEASE)

    assert [s.hgnc_id for s in repository.summaries()] == ["HGNC:7482"]
    assert repository.summaries()[0].chromosome == "19"


def test_a_reload_seen_by_another_process_is_read_there_too(client: CountingFakeRedis) -> None:
    api, worker = RedisGeneRepository(client), RedisGeneRepository(client)
    api.replace_all([A1BG], "first", RELEASE)
    assert [s.hgnc_id for s in worker.summaries()] == ["HGNC:5"]

    api.replace_all([A2M, MT_TF], "second", RELEASE)

    assert [s.hgnc_id for s in worker.summaries()] == ["HGNC:7", "HGNC:7482"]


def test_after_a_clear_there_are_no_summaries(repository: RedisGeneRepository) -> None:
    repository.replace_all([A1BG], "test", RELEASE)
    repository.summaries()

    repository.clear()

    assert repository.summaries() == []


def test_changing_the_list_returned_changes_nothing_for_the_next_reader(repository: RedisGeneRepository) -> None:
    repository.replace_all([A1BG, A2M], "test", RELEASE)

    repository.summaries().clear()

    assert len(repository.summaries()) == 2


def undated(hgnc_id: str, symbol: str) -> Gene:
    return Gene(hgnc_id, {"hgnc_id": hgnc_id, "symbol": symbol, "locus_group": "other", "locus_type": "unknown"})


def test_a_range_read_gives_the_genes_approved_within_it_both_ends_included(repository: RedisGeneRepository) -> None:
    repository.replace_all([A1BG, A2M, MT_TF, undated("HGNC:9", "NODATE")], "test", RELEASE)

    def approved_between(first: str, last: str) -> list[str]:
        found = repository.summaries_approved_between(date.fromisoformat(first), date.fromisoformat(last))
        return sorted(s.hgnc_id for s in found)

    assert approved_between("1989-06-30", "1989-10-12") == ["HGNC:5", "HGNC:7482"]
    assert approved_between("1986-01-01", "1986-01-01") == ["HGNC:7"]
    assert approved_between("1989-07-01", "1989-10-11") == []
    assert approved_between("1900-01-01", "2100-12-31") == ["HGNC:5", "HGNC:7", "HGNC:7482"]  # never the undated


def test_a_range_read_agrees_with_filtering_every_summary_and_costs_no_more_reads(
        repository: RedisGeneRepository, client: CountingFakeRedis) -> None:
    genes = [gene(f"HGNC:{n}", f"G{n}", f"{1980 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}") for n in range(1, 400)]
    repository.replace_all(genes, "test", RELEASE)
    everything = repository.summaries()

    for first, last in [("1990-01-01", "1995-06-30"), ("2000-02-02", "2000-02-02"), ("2019-12-31", "2030-01-01")]:
        expected = {s.hgnc_id for s in everything if first <= s.date_approved <= last}
        found = repository.summaries_approved_between(date.fromisoformat(first), date.fromisoformat(last))
        assert {s.hgnc_id for s in found} == expected and len(found) == len(expected)

    assert summaries_gets(client) == 1


def test_a_range_read_with_nothing_loaded_is_empty(repository: RedisGeneRepository) -> None:
    assert repository.summaries_approved_between(date(1900, 1, 1), date(2100, 1, 1)) == []


def test_decoded_summaries_share_one_text_per_distinct_value() -> None:
    rows = [summary_row(each.summary()) for each in (A1BG, A2M, MT_TF, gene("HGNC:8", "A2MP1", "1986-01-01"))]

    summaries = decode_summaries(encode_summary_rows(rows))

    assert [summary_row(each) for each in summaries] == rows
    a2m, a2mp1 = summaries[1], summaries[3]
    assert a2m.date_approved is a2mp1.date_approved and a2m.locus_type is a2mp1.locus_type
    assert summaries[0].locus_group is a2m.locus_group and summaries[0].chromosome is a2m.chromosome
