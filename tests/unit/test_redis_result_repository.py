"""The Redis result store (db 3) on fakeredis: results and plot together, kept as long as their longest kept user."""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta

import fakeredis
import pytest

from adapters.redis_result_repository import RedisResultRepository, plot_key, reservation_key, results_key
from genes.release_diff import GeneRef, Merged, ReleaseDiff, XrefChange
from tests.unit.job_fakes import LATE_EIGHTIES_RESULTS


@pytest.fixture
def results_redis() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(server=fakeredis.FakeServer(), db=3)


@pytest.fixture
def results(results_redis: fakeredis.FakeRedis) -> RedisResultRepository:
    return RedisResultRepository(results_redis)


A_DAY = timedelta(days=1)
PNG = b"\x89PNG\r\n\x1a\n\x00\xff binary, not text"


def test_saved_results_and_plot_read_back_identical(results: RedisResultRepository) -> None:
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, A_DAY)

    assert results.get("6f1c") == LATE_EIGHTIES_RESULTS
    assert list(results.get("6f1c").by_chromosome) == ["19", "MT"]  # order kept
    assert results.plot("6f1c") == PNG


def test_results_of_a_job_never_saved_read_as_none(results: RedisResultRepository) -> None:
    assert results.get("nope") is None
    assert results.plot("nope") is None


def test_saving_again_overwrites_the_results_and_the_plot(results: RedisResultRepository) -> None:
    results.save("6f1c", replace(LATE_EIGHTIES_RESULTS, total=1), b"first", A_DAY)
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, A_DAY)

    assert (results.get("6f1c"), results.plot("6f1c")) == (LATE_EIGHTIES_RESULTS, PNG)


def test_the_results_are_stored_as_compact_json_and_the_plot_as_raw_bytes(
        results: RedisResultRepository, results_redis: fakeredis.FakeRedis) -> None:
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, None)

    assert results_redis.get(results_key("6f1c")) == (
        b'{"start_date":"1985-01-01","end_date":"1989-12-31","locus_group":null,"total":2,"by_year":{"1989":2},'
        b'"by_locus_group":{"protein-coding gene":1,"non-coding RNA":1},'
        b'"by_locus_type":{"gene with protein product":1,"RNA, transfer":1},"by_chromosome":{"19":1,"MT":1},'
        b'"by_year_and_locus_group":{"1989":{"protein-coding gene":1,"non-coding RNA":1}}}')
    assert results_redis.get(plot_key("6f1c")) == PNG


def expiry(client: fakeredis.FakeRedis, results_id: str) -> tuple[int, int]:
    """When the results and the plot expire, in ms since the epoch (-1: never)."""
    return client.pexpiretime(results_key(results_id)), client.pexpiretime(plot_key(results_id))


def in_a_day() -> int:
    return round(time.time() * 1000) + 86_400_000


def test_new_results_are_kept_as_long_as_asked_and_a_claim_or_save_only_lengthens_it(
        results: RedisResultRepository, results_redis: fakeredis.FakeRedis) -> None:
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, A_DAY)
    first = expiry(results_redis, "6f1c")
    assert first[0] == first[1] and abs(first[0] - in_a_day()) < 5_000

    assert results.claim("6f1c", timedelta(seconds=5))  # shorter: changes nothing
    assert expiry(results_redis, "6f1c") == first
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, timedelta(seconds=5))
    assert expiry(results_redis, "6f1c") == first
    assert results.claim("6f1c", 2 * A_DAY)
    assert expiry(results_redis, "6f1c")[0] > first[0] + 80_000_000


def test_results_a_job_kept_for_ever_uses_are_kept_for_ever(
        results: RedisResultRepository, results_redis: fakeredis.FakeRedis) -> None:
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, A_DAY)

    assert results.claim("6f1c", None)
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, A_DAY)

    assert expiry(results_redis, "6f1c") == (-1, -1)


def test_claiming_results_never_saved_says_so_and_keeps_nothing(
        results: RedisResultRepository, results_redis: fakeredis.FakeRedis) -> None:
    assert not results.claim("nope", A_DAY)
    assert results_redis.keys() == []


def test_one_job_at_a_time_holds_the_reservation_of_a_results_id_until_it_lets_go_or_it_lapses(
        results: RedisResultRepository, results_redis: fakeredis.FakeRedis) -> None:
    assert results.reserve("set-1/2000-01-01/2000-12-31/all", "job-A", 0.2)
    assert not results.reserve("set-1/2000-01-01/2000-12-31/all", "job-B", 5)  # A computes them
    assert results.reserve("set-1/2000-01-01/2000-12-31/all", "job-A", 5)  # renewed by its holder
    results.release("set-1/2000-01-01/2000-12-31/all", "job-B")  # not B's to drop
    assert results_redis.get(reservation_key("set-1/2000-01-01/2000-12-31/all")) == b"job-A"

    results.release("set-1/2000-01-01/2000-12-31/all", "job-A")

    assert results.reserve("set-1/2000-01-01/2000-12-31/all", "job-B", 0.1)
    time.sleep(0.15)  # B's worker died: its reservation lapses
    assert results.reserve("set-1/2000-01-01/2000-12-31/all", "job-C", 5)


def test_a_release_diff_is_stored_as_json_saying_its_kind_and_reads_back_beside_analyses(
        results: RedisResultRepository, results_redis: fakeredis.FakeRedis) -> None:
    diff = ReleaseDiff(date(2024, 7, 23), date(2024, 10, 18), added=(GeneRef("HGNC:5", "A1BG"),),
                       merged=(Merged("HGNC:9", "OLD", (GeneRef("HGNC:5", "A1BG"),)),),
                       xrefs_removed=(XrefChange("HGNC:5", "A1BG", "mgd_id", "MGI:1"),), fields_not_compared=("location",))
    results.save("release_diff/a/b", diff, PNG, A_DAY)
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG, A_DAY)

    assert results.get("release_diff/a/b") == diff
    assert results.get("6f1c") == LATE_EIGHTIES_RESULTS
    assert results_redis.get(results_key("release_diff/a/b")).startswith(b'{"kind":"release_diff","from":"2024-07-23"')
