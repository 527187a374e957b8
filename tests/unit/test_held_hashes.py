"""HeldHashes on fakeredis: each hash read once per set, another set's dropped, and
threads asking at once share one read."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import fakeredis
import pytest

from adapters.redis_gene_index import find_held, index_key, index_keys
from adapters.gene_cache.held_hashes import HeldHashes


class CountingRedis(fakeredis.FakeRedis):
    """fakeredis that counts the HGETALLs queued on its pipelines (HeldHashes reads through one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hgetalls = 0
        self.count_lock = threading.Lock()

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction, shard_hint)
        queue = pipe.hgetall

        def counted(name: str) -> Any:
            with self.count_lock:
                self.hgetalls += 1
            return queue(name)
        pipe.hgetall = counted  # type: ignore[method-assign]
        return pipe


@pytest.fixture
def client() -> CountingRedis:
    client = CountingRedis()
    for set_id, a2m_entrez in (("g1", "2"), ("g2", "999")):
        client.hset(index_key(set_id, "entrez_id"), mapping={a2m_entrez: "HGNC:7", "1": "HGNC:5"})
        client.hset(index_key(set_id, "symbol"), mapping={"a2m": "HGNC:7", "shared": "HGNC:5,HGNC:7"})
    return client


KEYS = [("entrez_id", "2"), ("entrez_id", "999"), ("symbol", "shared"), ("symbol", "nosuch")]


def test_each_hash_is_read_once_for_its_set_and_answers_as_redis_holds_it(client: CountingRedis) -> None:
    held = HeldHashes(client)
    hashes = held.hashes("g1", index_keys("g1", KEYS))
    assert find_held("g1", KEYS, hashes) == [["HGNC:7"], [], ["HGNC:5", "HGNC:7"], []]
    assert client.hgetalls == 2
    for _ in range(5):
        assert held.hashes("g1", index_keys("g1", KEYS[:1])) == {index_key("g1", "entrez_id"): hashes[
            index_key("g1", "entrez_id")]}
    assert client.hgetalls == 2


def test_another_set_is_read_afresh_and_the_old_one_dropped(client: CountingRedis) -> None:
    held = HeldHashes(client)
    held.hashes("g1", index_keys("g1", KEYS))
    g2 = held.hashes("g2", index_keys("g2", KEYS))
    assert find_held("g2", KEYS, g2) == [[], ["HGNC:7"], ["HGNC:5", "HGNC:7"], []]
    held.hashes("g1", index_keys("g1", KEYS[:1]))  # back to g1 (a reader still on it): read again
    assert client.hgetalls == 5


def test_threads_asking_at_once_share_one_read(client: CountingRedis) -> None:
    held = HeldHashes(client)
    start = threading.Barrier(8)

    def ask(_: int) -> list[list[str]]:
        start.wait()
        return find_held("g1", KEYS, held.hashes("g1", index_keys("g1", KEYS)))

    with ThreadPoolExecutor(8) as threads:
        answers = list(threads.map(ask, range(8)))
    assert all(answer == [["HGNC:7"], [], ["HGNC:5", "HGNC:7"], []] for answer in answers)
    assert client.hgetalls == 2


def test_release_lets_go_of_what_is_held(client: CountingRedis) -> None:
    held = HeldHashes(client)
    held.hashes("g1", index_keys("g1", KEYS))
    held.release()
    held.hashes("g1", index_keys("g1", KEYS))
    assert client.hgetalls == 4


def test_an_hgnc_id_is_found_in_the_held_records(client: CountingRedis) -> None:
    client.hset(index_key("g1", "hgnc_id"), mapping={"HGNC:7": '{"hgnc_id": "HGNC:7"}'})
    keys = [("hgnc_id", "HGNC:7"), ("hgnc_id", "HGNC:8"), ("entrez_id", "2")]
    held = HeldHashes(client)
    assert find_held("g1", keys, held.hashes("g1", index_keys("g1", keys))) == [["HGNC:7"], [], ["HGNC:7"]]
