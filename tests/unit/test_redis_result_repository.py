"""The Redis result store (db 3) on fakeredis: results and plot together."""
from __future__ import annotations

from dataclasses import replace

import fakeredis
import pytest

from adapters.redis_result_repository import RedisResultRepository, plot_key, results_key
from tests.unit.job_fakes import LATE_EIGHTIES_RESULTS


@pytest.fixture
def results_redis() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(server=fakeredis.FakeServer(), db=3)


@pytest.fixture
def results(results_redis: fakeredis.FakeRedis) -> RedisResultRepository:
    return RedisResultRepository(results_redis)


PNG = b"\x89PNG\r\n\x1a\n\x00\xff binary, not text"


def test_saved_results_and_plot_read_back_identical(results: RedisResultRepository) -> None:
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG)

    assert results.get("6f1c") == LATE_EIGHTIES_RESULTS
    assert list(results.get("6f1c").by_chromosome) == ["19", "MT"]  # order kept
    assert results.plot("6f1c") == PNG


def test_results_of_a_job_never_saved_read_as_none(results: RedisResultRepository) -> None:
    assert results.get("nope") is None
    assert results.plot("nope") is None


def test_saving_again_overwrites_the_results_and_the_plot(results: RedisResultRepository) -> None:
    results.save("6f1c", replace(LATE_EIGHTIES_RESULTS, total=1), b"first")
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG)

    assert (results.get("6f1c"), results.plot("6f1c")) == (LATE_EIGHTIES_RESULTS, PNG)


def test_the_results_are_stored_as_compact_json_and_the_plot_as_raw_bytes(
        results: RedisResultRepository, results_redis: fakeredis.FakeRedis) -> None:
    results.save("6f1c", LATE_EIGHTIES_RESULTS, PNG)

    assert results_redis.get(results_key("6f1c")) == (
        b'{"start_date":"1985-01-01","end_date":"1989-12-31","locus_group":null,"total":2,"by_year":{"1989":2},'
        b'"by_locus_group":{"protein-coding gene":1,"non-coding RNA":1},'
        b'"by_locus_type":{"gene with protein product":1,"RNA, transfer":1},"by_chromosome":{"19":1,"MT":1},'
        b'"by_year_and_locus_group":{"1989":{"protein-coding gene":1,"non-coding RNA":1}}}')
    assert results_redis.get(plot_key("6f1c")) == PNG
