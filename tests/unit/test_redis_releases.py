"""Releases held side by side on fakeredis: what a load records, the live choice, the bound, the upgrade."""
from __future__ import annotations

from datetime import date

import fakeredis
import pytest
import redis

from adapters.gene_cache import GeneCache
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_keys import CURRENT_KEY, LIVE_RELEASE_KEY, RELEASES_KEY, RETIRED_SET_GRACE_SECONDS
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_releases import RedisReleaseRegistry
from genes.errors import InvalidRelease, UnknownRelease
from genes.gene import Gene
from genes.gene_service import GeneService
from tests.first_release import store_as_before_releases
from tests.unit.gene_fakes import FakeGeneSource

JULY, AUGUST, OCTOBER, NOVEMBER = date(2024, 7, 1), date(2024, 8, 1), date(2024, 10, 18), date(2024, 11, 1)


def gene(hgnc_id: str, symbol: str, modified: str | None = None) -> Gene:
    record = {"hgnc_id": hgnc_id, "symbol": symbol, "locus_group": "other"}
    return Gene(hgnc_id, record | {"date_modified": modified} if modified else record)


@pytest.fixture
def client() -> redis.Redis:
    return fakeredis.FakeRedis()


def registry_of(client: redis.Redis, kept: int = 3) -> RedisReleaseRegistry:
    return RedisReleaseRegistry(client, kept=kept)


def service_of(client: redis.Redis, kept: int = 3) -> GeneService:
    registry = registry_of(client, kept)
    return GeneService(RedisGeneRepository(client, releases=registry), FakeGeneSource([], "no default"))


def load(client: redis.Redis, release: date | None, *symbols: str, source: str = "request body", kept: int = 3,
         modified: str | None = None) -> None:
    genes = [gene(f"HGNC:{n}", symbol, modified) for n, symbol in enumerate(symbols, start=1)]
    service_of(client, kept).load(FakeGeneSource(genes, source), release)


def held(client: redis.Redis) -> list[tuple[str, int, bool]]:
    return [(r.date.isoformat(), r.count, r.live) for r in registry_of(client).held()]


def live_symbol(client: redis.Redis) -> str | None:
    found = RedisGeneCatalog(client).record_json("HGNC:1").value
    return None if found is None else found.split('"symbol":"')[1].split('"')[0]


def test_each_load_is_held_as_its_release_newest_first_and_the_newest_is_live(client: redis.Redis) -> None:
    load(client, OCTOBER, "OCT", "B")
    load(client, JULY, "JUL")
    assert held(client) == [("2024-10-18", 2, True), ("2024-07-01", 1, False)]
    assert live_symbol(client) == "OCT"
    registry = registry_of(client)
    assert registry.resolve() is not None and registry.resolve().date == OCTOBER  # type: ignore[union-attr]
    assert registry.resolve(JULY) is not None and registry.resolve(JULY).count == 1  # type: ignore[union-attr]
    with pytest.raises(UnknownRelease) as unknown:
        registry.resolve(AUGUST)
    assert unknown.value.held == ["2024-10-18", "2024-07-01"]
    assert "2024-10-18, 2024-07-01" in str(unknown.value)


def test_the_release_is_the_one_given_else_the_file_names_else_the_newest_date_modified(client: redis.Redis) -> None:
    service = service_of(client)
    named = service.load(FakeGeneSource([gene("HGNC:1", "A", "2024-01-05")], "/data/hgnc_complete_set_2024-07-01.txt.gz"))
    given = service.load(FakeGeneSource([gene("HGNC:1", "A", "2024-01-05")], "/data/hgnc_complete_set_2024-07-01.txt"),
                         AUGUST)
    modified = service.load(FakeGeneSource([gene("HGNC:1", "A", "2024-01-05"), gene("HGNC:2", "B", "2023-03-01")],
                                           "request body"))
    assert (named.release, given.release, modified.release) == (JULY, AUGUST, date(2024, 1, 5))
    assert client.hget(f"genes:{client.hget(RELEASES_KEY, '2024-07-01').decode()}:meta", "release") == b"2024-07-01"


def test_a_source_without_any_date_is_refused_and_nothing_is_stored(client: redis.Redis) -> None:
    load(client, OCTOBER, "OCT")
    before = set(client.keys("*"))
    with pytest.raises(InvalidRelease, match=r"\?release=YYYY-MM-DD"):
        load(client, None, "UNDATED")
    assert set(client.keys("*")) == before
    assert held(client) == [("2024-10-18", 1, True)]


def test_loading_a_held_release_again_replaces_it_and_retires_its_set(client: redis.Redis) -> None:
    load(client, OCTOBER, "OCT")
    load(client, JULY, "OLD_JUL")
    old_july = client.hget(RELEASES_KEY, "2024-07-01").decode()
    load(client, JULY, "JUL", "B")
    assert held(client) == [("2024-10-18", 1, True), ("2024-07-01", 2, False)]
    assert 0 < client.ttl(f"genes:{old_july}:records") <= RETIRED_SET_GRACE_SECONDS
    assert live_symbol(client) == "OCT"


def test_beyond_the_releases_kept_the_oldest_not_live_goes(client: redis.Redis) -> None:
    load(client, JULY, "JUL", kept=2)
    load(client, AUGUST, "AUG", kept=2)
    july_set = client.hget(RELEASES_KEY, "2024-07-01").decode()
    registry_of(client).choose_live(JULY)
    load(client, OCTOBER, "OCT", kept=2)  # July is live: August, the oldest not live, goes
    assert held(client) == [("2024-10-18", 1, False), ("2024-07-01", 1, True)]
    assert live_symbol(client) == "JUL" and client.get(CURRENT_KEY).decode() == july_set
    load(client, NOVEMBER, "NOV", kept=2)
    assert held(client) == [("2024-11-01", 1, False), ("2024-07-01", 1, True)]


def test_a_release_chosen_live_stays_live_through_loads_until_the_choice_is_dropped(client: redis.Redis) -> None:
    load(client, JULY, "JUL")
    load(client, OCTOBER, "OCT")
    registry = registry_of(client)
    registry.choose_live(JULY)
    assert live_symbol(client) == "JUL"
    load(client, NOVEMBER, "NOV")
    assert live_symbol(client) == "JUL"
    with pytest.raises(UnknownRelease):
        registry.choose_live(AUGUST)
    assert live_symbol(client) == "JUL"
    registry.choose_live(None)
    assert live_symbol(client) == "NOV" and client.get(LIVE_RELEASE_KEY) is None


def test_the_live_release_is_the_one_resolve_finds_through_loads_choices_and_deletions(client: redis.Redis) -> None:
    registry = registry_of(client)
    assert registry.live_release() is None
    load(client, JULY, "JUL")
    assert registry.live_release() == JULY
    load(client, OCTOBER, "OCT")
    assert registry.live_release() == OCTOBER
    registry.choose_live(JULY)
    assert registry.live_release() == JULY
    registry.choose_live(None)
    service_of(client).clear(OCTOBER)
    assert registry.live_release() == JULY == registry.resolve().date  # type: ignore[union-attr]
    service_of(client).clear()
    assert registry.live_release() is None


class _VouchingWatch:
    """A live set watch that vouches for one set id (as the real one does between notices)."""

    def __init__(self, set_id: str) -> None:
        self.set_id = set_id

    def live_set_id(self) -> str | None:
        return self.set_id


def test_while_the_cache_vouches_for_the_live_set_its_release_costs_no_round_trip(
        client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    load(client, JULY, "JUL")
    load(client, OCTOBER, "OCT")
    sets = {day.decode(): set_id.decode() for day, set_id in client.hgetall(RELEASES_KEY).items()}
    watch = _VouchingWatch(sets["2024-10-18"])
    registry = RedisReleaseRegistry(client, live_cache=GeneCache(client, watch=watch))  # type: ignore[arg-type]
    assert registry.live_release() == OCTOBER  # reads the set's release once
    commands: list[object] = []
    real = client.execute_command
    monkeypatch.setattr(client, "execute_command", lambda *args, **kw: commands.append(args[0]) or real(*args, **kw))
    assert [registry.live_release() for _ in range(3)] == [OCTOBER] * 3
    assert commands == []
    watch.set_id = sets["2024-07-01"]  # a notice, and the live set read anew: another set, read once
    assert registry.live_release() == JULY and commands == ["HMGET"]


def test_deleting_one_release_keeps_the_others_and_the_newest_left_goes_live(client: redis.Redis) -> None:
    service = service_of(client)
    load(client, JULY, "JUL")
    load(client, OCTOBER, "OCT")
    october_set = client.hget(RELEASES_KEY, "2024-10-18").decode()
    assert service.clear(AUGUST) is False
    assert service.clear(OCTOBER) is True
    assert held(client) == [("2024-07-01", 1, True)] and live_symbol(client) == "JUL"
    assert 0 < client.ttl(f"genes:{october_set}:records") <= RETIRED_SET_GRACE_SECONDS
    assert service.clear() is True
    assert held(client) == [] and client.get(CURRENT_KEY) is None and live_symbol(client) is None
    assert service.clear() is False


def test_a_set_stored_before_releases_reads_as_one_and_becomes_one_at_the_upgrade(client: redis.Redis) -> None:
    load(client, OCTOBER, "OCT", source="/data/hgnc_complete_set_2024-10-18.txt.gz")
    set_id = store_as_before_releases(client)
    assert held(client) == [("2024-10-18", 1, True)]  # before the upgrade ran: readers do not fail
    assert service_of(client).upgrade_stored_set() is None  # the set is current: nothing loaded again
    assert client.hgetall(RELEASES_KEY) == {b"2024-10-18": set_id.encode()}
    assert client.hget(f"genes:{set_id}:meta", "release") == b"2024-10-18"
    assert registry_of(client).register_stored_set() is None  # once


def test_before_the_upgrade_a_release_read_by_date_finds_the_stored_set(client: redis.Redis) -> None:
    load(client, OCTOBER, "OCT", source="/data/hgnc_complete_set_2024-10-18.txt.gz")
    store_as_before_releases(client)

    def catalog(release: date) -> RedisGeneCatalog:
        return RedisGeneCatalog(client, GeneCache(client, enabled=False), release=release, registry=registry_of(client))
    assert catalog(OCTOBER).ids().value == ["HGNC:1"]
    assert catalog(OCTOBER).info().value is not None
    with pytest.raises(UnknownRelease):
        catalog(JULY).ids()


@pytest.mark.parametrize(("source", "modified", "expected"), [
    ("/data/hgnc_complete_set_2024-07-01.txt", "2024-10-01", JULY),  # the file name first
    ("request body", "2024-08-01", AUGUST),  # else the newest date_modified
])
def test_the_upgrade_dates_a_stored_set_as_it_can(client: redis.Redis, source: str, modified: str,
                                                  expected: date) -> None:
    load(client, None, "A", source=source, modified=modified)
    store_as_before_releases(client)
    assert registry_of(client).register_stored_set() == expected


def test_a_stored_set_without_any_date_is_dated_by_its_load(client: redis.Redis) -> None:
    load(client, OCTOBER, "A")
    set_id = store_as_before_releases(client)
    client.hset(f"genes:{set_id}:meta", mapping={"last_modified": "", "loaded_at": "1700000000.5"})
    assert registry_of(client).register_stored_set() == date(2023, 11, 14)
