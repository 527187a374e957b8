"""The gene cache on fakeredis: reads from memory, through a Redis outage, never stale after it; GENE_CACHE=off."""
from __future__ import annotations

from datetime import date
from typing import Any

import fakeredis
import pytest

from adapters.gene_cache import GeneCache
from adapters.redis_client import StoreRedis
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_repository import RedisGeneRepository
from genes.errors import StoreUnavailable
from genes.gene import Gene
from genes.gene_lookup import GeneLookup, GeneQuery

RELEASE = date(2024, 10, 18)


class CountingStoreRedis(StoreRedis, fakeredis.FakeRedis):
    """fakeredis behind the service's own client (an outage raises StoreUnavailable), counting the commands
    sent: alone or on pipelines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.commands += 1
        return super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction, shard_hint)
        execute = pipe.execute

        def counted(raise_on_error: bool = True) -> Any:
            self.commands += len(pipe.command_stack)
            return execute(raise_on_error)
        pipe.execute = counted  # type: ignore[method-assign]
        return pipe


class ToldWatch:
    """A LiveSetWatch whose notices the test gives, as Redis would (fakeredis has no CLIENT TRACKING)."""

    def __init__(self) -> None:
        self.notices = 0
        self._vouched: str | None = None
        self._learned: str | None = None

    def live_set_id(self) -> str | None:
        return self._vouched

    def mark(self) -> int | None:
        return self.notices

    def learn(self, set_id: str | None, mark: int | None) -> None:
        vouched = set_id is not None and mark == self.notices
        self._vouched = self._learned = set_id if vouched else None

    def last_learned(self) -> str | None:
        return self._learned

    def listen_now(self) -> None:
        pass

    def key_changed(self) -> None:
        self.notices += 1
        self._vouched = self._learned = None

    def connection_lost(self) -> None:
        """Redis went away: nothing vouched for now, but nothing said the key changed."""
        self.notices += 1
        self._vouched = None


def gene(hgnc_id: str, symbol: str, entrez_id: str) -> Gene:
    return Gene(hgnc_id, {"hgnc_id": hgnc_id, "symbol": symbol, "entrez_id": entrez_id, "locus_group": "other",
                          "locus_type": "unknown", "date_approved_reserved": "1989-06-30"})


A1BG, A2M, NEW_A1BG = gene("HGNC:5", "A1BG", "1"), gene("HGNC:7", "A2M", "2"), gene("HGNC:5", "A1BG-NEW", "1")


@pytest.fixture
def server() -> fakeredis.FakeServer:
    return fakeredis.FakeServer()


@pytest.fixture
def client(server: fakeredis.FakeServer) -> CountingStoreRedis:
    client = CountingStoreRedis(server=server)
    RedisGeneRepository(client).replace_all([A1BG, A2M], "first", RELEASE)
    return client


@pytest.fixture
def watch() -> ToldWatch:
    return ToldWatch()


def lookup_with(client: CountingStoreRedis, cache: GeneCache) -> GeneLookup:
    return GeneLookup(RedisGeneCatalog(client, cache))


def every_read(lookup: GeneLookup) -> list[Any]:
    """The reads an API process answers from the set it holds: a record, ?fields=, a lookup, a batch."""
    return [lookup.get_json("HGNC:5"), lookup.get_fields("HGNC:7", ["symbol"]),
            lookup.find_ids(GeneQuery({"entrez_id": "2"})), lookup.find_records(GeneQuery({"symbol": "a1bg"}), ["entrez_id"]),
            lookup.match(["A2M", "nosuch"])]


def test_with_the_cache_on_reads_of_the_vouched_set_send_no_command(client: CountingStoreRedis, watch: ToldWatch) -> None:
    lookup = lookup_with(client, GeneCache(client, watch=watch))
    first = every_read(lookup)  # learns the set, reads its hashes whole
    before = client.commands

    assert every_read(lookup) == first
    assert client.commands == before


def test_with_the_cache_off_every_read_asks_redis(client: CountingStoreRedis) -> None:
    lookup = lookup_with(client, GeneCache(client, enabled=False))
    first = every_read(lookup)
    before = client.commands

    assert every_read(lookup) == first
    assert client.commands >= before + 5


def test_through_an_outage_the_held_set_answers_as_before_without_asking_redis(
        client: CountingStoreRedis, server: fakeredis.FakeServer, watch: ToldWatch) -> None:
    cache = GeneCache(client, watch=watch, probe_seconds=3600)  # a test's whole outage between two probes
    lookup = lookup_with(client, cache)
    before = every_read(lookup)

    server.connected = False
    watch.connection_lost()
    assert every_read(lookup) == before  # the first finds Redis down; the rest do not ask
    asked = client.commands
    assert every_read(lookup) == before
    assert client.commands == asked
    with pytest.raises(StoreUnavailable):
        lookup.find_ids()  # the ids in load order: not held
    with pytest.raises(StoreUnavailable):
        lookup.info()
    assert cache.redis_down() and cache.held_set_id() == before[0].set_id


def test_a_change_noticed_before_the_outage_is_never_answered_through_it(
        client: CountingStoreRedis, server: fakeredis.FakeServer, watch: ToldWatch) -> None:
    lookup = lookup_with(client, GeneCache(client, watch=watch))
    every_read(lookup)

    watch.key_changed()  # a load elsewhere, told just before Redis went away
    server.connected = False
    watch.connection_lost()
    with pytest.raises(StoreUnavailable):
        lookup.get_json("HGNC:5")


def test_after_the_outage_a_set_loaded_meanwhile_is_answered_before_the_old_one(
        client: CountingStoreRedis, server: fakeredis.FakeServer, watch: ToldWatch) -> None:
    cache = GeneCache(client, watch=watch, probe_seconds=0)  # every read asks Redis whether it is back
    lookup = lookup_with(client, cache)
    lookup.get_json("HGNC:5")  # learns the live set's id; the next read holds its records
    old = lookup.get_json("HGNC:5")
    server.connected = False
    watch.connection_lost()
    assert lookup.get_json("HGNC:5") == old

    server.connected = True  # back, with a set loaded by a process that could still reach it
    RedisGeneRepository(CountingStoreRedis(server=server)).replace_all([NEW_A1BG], "second", RELEASE)
    new = lookup.get_json("HGNC:5")

    assert new.set_id != old.set_id and '"A1BG-NEW"' in new.value
    assert not cache.redis_down()
    assert lookup.get_json("HGNC:5") == new


def test_with_the_cache_off_an_outage_fails_every_read(client: CountingStoreRedis, server: fakeredis.FakeServer) -> None:
    cache = GeneCache(client, enabled=False)
    lookup = lookup_with(client, cache)
    every_read(lookup)

    server.connected = False
    for read in (lambda: lookup.get_json("HGNC:5"), lambda: lookup.match(["A2M"]),
                 lambda: lookup.find_ids(GeneQuery({"entrez_id": "2"}))):
        with pytest.raises(StoreUnavailable):
            read()
    assert cache.held_set_id() is None and not cache.redis_down()


def test_with_the_cache_off_a_worker_reads_the_summaries_at_every_job(client: CountingStoreRedis) -> None:
    repository = RedisGeneRepository(client, GeneCache(client, enabled=False))
    first = repository.summaries()
    before = client.commands

    assert repository.summaries() == first == [A1BG.summary(), A2M.summary()]
    assert client.commands == before + 2  # the live set's id, its summaries
