"""ReleaseReaders on fakeredis: a release asked for gets readers of its own, held while used, never stale."""
from __future__ import annotations

from datetime import date

import fakeredis
import pytest

from adapters.gene_cache import GeneCache
from adapters.gene_cache.release_readers import ReleaseReaders
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_releases import RedisReleaseRegistry
from adapters.redis_withdrawn_store import RedisWithdrawnStore
from genes.errors import UnknownRelease
from genes.gene_lookup import GeneQuery
from genes.hgnc_search import HgncMirror
from genes.symbol_check import SymbolChecker
from tests.unit.test_gene_cache import A1BG, A2M, NEW_A1BG, RELEASE, CountingStoreRedis, ToldWatch

JULY = date(2024, 7, 1)
IDLE = 600.0


class ClosingWatch(ToldWatch):
    closed = False

    def close(self) -> None:
        self.closed = True


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client() -> CountingStoreRedis:
    client = CountingStoreRedis(server=fakeredis.FakeServer())
    RedisGeneRepository(client).replace_all([A1BG, A2M], "october", RELEASE)
    RedisGeneRepository(client).replace_all([NEW_A1BG], "july", JULY)
    return client


def readers_of(client: CountingStoreRedis, clock: Clock, watches: list[ClosingWatch],
               cache_enabled: bool = True) -> ReleaseReaders:
    def new_watch() -> ClosingWatch:
        watches.append(ClosingWatch())
        return watches[-1]

    live_cache = GeneCache(client, watch=ToldWatch())
    catalog = RedisGeneCatalog(client, live_cache)
    withdrawn = RedisWithdrawnStore(client)
    return ReleaseReaders(client, catalog, SymbolChecker(catalog, withdrawn), HgncMirror(catalog, withdrawn), withdrawn,
                          RedisReleaseRegistry(client), live_cache=live_cache, cache_enabled=cache_enabled,
                          idle_seconds=IDLE, clock=clock, new_watch=new_watch)


def july_reads(readers: ReleaseReaders) -> list[object]:
    lookup = readers.lookup(JULY)
    return [lookup.get_json("HGNC:5").value, lookup.find_ids(GeneQuery({"entrez_id": "1"})).value]


def checked(readers: ReleaseReaders) -> list[str]:
    return [row.match_type.value for row in readers.checker(JULY).check(["A1BG-NEW", "A2M"]).value]


def test_a_release_asked_for_is_read_from_its_own_cache_then_from_memory(client: CountingStoreRedis) -> None:
    watches: list[ClosingWatch] = []
    readers = readers_of(client, Clock(), watches)
    first = july_reads(readers)
    assert '"A1BG-NEW"' in str(first[0]) and first[1] == ["HGNC:5"]
    assert checked(readers) == ["Approved symbol", "Unmatched"]
    before = client.commands
    assert july_reads(readers) == first
    assert client.commands == before  # vouched by its watch: no round trip
    assert readers.lookup(None).get_json("HGNC:7").value is not None  # the live release is still read as it was
    assert len(watches) == 1


def test_the_live_release_asked_for_by_date_reads_the_live_caches_copy(client: CountingStoreRedis) -> None:
    readers = readers_of(client, Clock(), [])
    readers.lookup(None).get_json("HGNC:7")  # learns the live set's id
    live = readers.lookup(None).get_json("HGNC:7").value  # the live cache now holds October's records
    assert readers.lookup(RELEASE).get_json("HGNC:7").value == live  # learns October's set id
    before = client.commands
    assert readers.lookup(RELEASE).get_json("HGNC:5").value is not None
    assert client.commands == before  # no second copy of the records read


def test_a_release_unused_for_the_idle_time_is_let_go_and_read_again_when_asked(client: CountingStoreRedis) -> None:
    watches: list[ClosingWatch] = []
    clock = Clock()
    readers = readers_of(client, clock, watches)
    first = july_reads(readers)
    clock.now += IDLE - 1
    assert readers.held_releases() == [JULY]
    clock.now += 1
    assert readers.held_releases() == [] and watches[0].closed
    assert july_reads(readers) == first and len(watches) == 2


def test_a_release_loaded_again_is_read_anew_once_its_watch_is_told(client: CountingStoreRedis) -> None:
    watches: list[ClosingWatch] = []
    readers = readers_of(client, Clock(), watches)
    july_reads(readers)
    RedisGeneRepository(client).replace_all([A2M], "july again", JULY)
    watches[0].key_changed()
    assert readers.lookup(JULY).get_json("HGNC:7").value is not None
    assert readers.lookup(JULY).find_ids().value == ["HGNC:7"]


def test_with_the_cache_off_every_read_of_a_release_asks_redis(client: CountingStoreRedis) -> None:
    watches: list[ClosingWatch] = []
    readers = readers_of(client, Clock(), watches, cache_enabled=False)
    first = july_reads(readers)
    before = client.commands
    assert july_reads(readers) == first
    assert client.commands >= before + 3 and watches == []


def test_a_release_not_held_is_unknown(client: CountingStoreRedis) -> None:
    readers = readers_of(client, Clock(), [])
    with pytest.raises(UnknownRelease) as unknown:
        readers.lookup(date(2024, 8, 1)).find_ids()
    assert unknown.value.held == ["2024-10-18", "2024-07-01"]
