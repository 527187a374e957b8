"""Redis goes away under the running API: the gene reads it holds go on, the rest answer 503, and
nothing stale is answered once Redis is back."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.conftest import StartApi
from tests.e2e.reliability.cutting_proxy import CuttingProxy
from tests.problem_details import assert_problem
from tests.support import RedisServer, eventually

SAMPLE_TSV = Path(__file__).parent.parent / "fixtures" / "hgnc_sample.tsv"
RECOVERY_SECONDS = 30
OUTAGE_SECONDS = 20
# What a process holds is its own: with one server process, the reads that warm it are the reads it
# answers through the outage (each of several processes holds what it alone has read).
ONE_PROCESS = {"WEB_CONCURRENCY": "1"}
# Every kind of gene read an API process answers from the set it holds: GET, then POST with a JSON body.
HELD_READS: list[tuple[str, str, object]] = [
    ("GET", "/genes/HGNC:5", None),
    ("GET", "/genes/HGNC:7?fields=symbol,entrez_id", None),
    ("GET", "/genes?symbol=A1BG", None),
    ("GET", "/genes?entrez_id=2", None),
    ("GET", "/genes?symbol=a2m&fields=name", None),
    ("POST", "/genes/query", {"q": ["A1BG", "A2M", "NOSUCH"], "scopes": ["symbol", "entrez_id"]}),
    ("POST", "/genes/query", {"q": ["HGNC:5"], "scopes": ["hgnc_id"], "fields": ["symbol"]}),
]
NEEDS_REDIS = [("GET", "/genes"), ("GET", "/info"), ("GET", "/data")]  # not held: from Redis alone


@pytest.fixture
def redis_server(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, append-only: stopped and started again, it keeps its data."""
    server = RedisServer(redis_binary, tmp_path / "redis", appendonly=True).start()
    yield server
    server.stop()


def read(session: requests.Session, url: str, method: str, path: str, body: object) -> tuple[int, bytes]:
    response = session.request(method, url + path, json=body, timeout=30)
    return response.status_code, response.content


def held_answers(url: str) -> list[tuple[int, bytes]]:
    """Each held read, asked twice: the first learns the live set, the second reads its hashes whole."""
    with requests.Session() as session:
        for method, path, body in HELD_READS:
            read(session, url, method, path, body)
        return [read(session, url, method, path, body) for method, path, body in HELD_READS]


def assert_503_to_retry(response: requests.Response) -> None:
    assert_problem(response.status_code, response.headers, response.content, 503)
    assert response.headers["Retry-After"].isdigit()


@pytest.mark.parametrize("gene_cache", ["on", "off"])
def test_with_redis_stopped_held_reads_go_on_unless_the_cache_is_off_and_nothing_stale_comes_after(
        redis_binary: str, start_api: StartApi, hgnc_data_path: Path, tmp_path: Path, gene_cache: str) -> None:
    server = RedisServer(redis_binary, tmp_path / "redis").start()  # no persistence: it comes back empty
    try:
        api = start_api(server.host, server.port, hgnc_data_path, extra_env={"GENE_CACHE": gene_cache, **ONE_PROCESS})
        assert requests.post(f"{api.url}/data", data=SAMPLE_TSV.read_bytes(), timeout=60).status_code == 201
        before = held_answers(api.url)
        assert {status for status, _ in before} == {200}

        server.stop()
        answers = held_answers(api.url)
        assert_503_to_retry(requests.get(f"{api.url}/health", timeout=30))
        assert requests.get(f"{api.url}/health/live", timeout=30).json() == {"status": "alive"}
        ready = requests.get(f"{api.url}/health/ready", timeout=30)
        if gene_cache == "on":
            assert answers == before
            assert (ready.status_code, ready.json()) == (200, {"status": "ready", "redis": "down", "genes": "held"})
        else:
            assert {status for status, _ in answers} == {503}
            assert_503_to_retry(ready)
            assert (ready.json()["redis"], ready.json()["genes"]) == ("down", "not held")
        assert api.process.is_running(), "the API died with Redis:\n" + api.process.log_tail()

        server.start()  # same port, empty: the set held is no longer live
        eventually(lambda: requests.get(f"{api.url}/genes/HGNC:5", timeout=30).status_code == 404, RECOVERY_SECONDS,
                   "the API sees that no set is loaded any more")
        assert requests.get(f"{api.url}/health/ready", timeout=30).json()["redis"] == "up"
        reloaded = requests.post(f"{api.url}/data", data=SAMPLE_TSV.read_bytes(), timeout=60)
        assert reloaded.status_code == 201, reloaded.text
        assert api.client.get("/genes/HGNC:5", timeout=60).json()["symbol"] == "A1BG"
    finally:
        server.stop()


def test_20_s_of_redis_down_under_steady_reads_fail_no_held_read_and_apply_no_write(
        redis_server: RedisServer, start_api: StartApi, hgnc_data_path: Path) -> None:
    api = start_api(redis_server.host, redis_server.port, hgnc_data_path, extra_env=ONE_PROCESS)
    assert requests.post(f"{api.url}/data", data=SAMPLE_TSV.read_bytes(), timeout=60).status_code == 201
    job_id = requests.post(f"{api.url}/jobs", json={"start_date": "1980-01-01", "end_date": "2000-12-31"},
                           timeout=10).json()["id"]  # no worker: it stays submitted
    info = requests.get(f"{api.url}/info", timeout=10).json()
    before = held_answers(api.url)

    redis_server.stop()
    down = threading.Event()
    down.set()
    failures: list[str] = []
    counts: list[int] = []

    def steady_reads() -> None:
        done = 0
        with requests.Session() as session:
            while down.is_set():
                for (method, path, body), expected in zip(HELD_READS, before):
                    answer = read(session, api.url, method, path, body)
                    if answer != expected:
                        failures.append(f"{method} {path}: {answer[0]} {answer[1][:200]!r}")
                    done += 1
        counts.append(done)

    writes = [("POST", "/data", SAMPLE_TSV.read_bytes().replace(b"A1BG", b"Z1BG")), ("DELETE", "/data", None),
              ("POST", "/jobs", {"start_date": "1990-01-01", "end_date": "1990-12-31"}),
              ("DELETE", f"/jobs/{job_id}", None)]
    with ThreadPoolExecutor(3) as readers:
        for _ in range(3):
            readers.submit(steady_reads)
        ends = time.monotonic() + OUTAGE_SECONDS
        try:
            while time.monotonic() < ends:
                for method, path, body in writes:
                    data = body if isinstance(body, bytes) else None
                    assert_503_to_retry(requests.request(method, api.url + path, data=data,
                                                         json=None if data is not None else body, timeout=30))
                for method, path in NEEDS_REDIS:
                    assert_503_to_retry(requests.request(method, api.url + path, timeout=30))
                ready = requests.get(f"{api.url}/health/ready", timeout=30)
                assert (ready.status_code, ready.json()["genes"]) == (200, "held")
                assert requests.get(f"{api.url}/health/live", timeout=30).status_code == 200
                time.sleep(1)
        finally:
            down.clear()
    assert not failures, f"{len(failures)} of {sum(counts)} reads failed, the first: {failures[:3]}"
    assert sum(counts) > OUTAGE_SECONDS * len(HELD_READS)

    redis_server.start()  # the same data, from its append-only file
    eventually(lambda: requests.get(f"{api.url}/health", timeout=30).status_code == 200, RECOVERY_SECONDS,
               "the API reaches Redis again")
    assert held_answers(api.url) == before
    assert requests.get(f"{api.url}/info", timeout=10).json() == info  # neither reloaded nor deleted
    assert requests.get(f"{api.url}/jobs", timeout=10).json() == [job_id]  # no job added
    assert requests.get(f"{api.url}/jobs/{job_id}", timeout=10).json()["status"] == "submitted"  # nor cancelled


def test_a_set_loaded_elsewhere_while_this_api_could_not_reach_redis_is_what_it_answers_after(
        redis_server: RedisServer, start_api: StartApi, hgnc_data_path: Path) -> None:
    proxy = CuttingProxy(redis_server.host, redis_server.port)  # this API's way to Redis, which the test cuts
    try:
        api = start_api(proxy.host, proxy.port, hgnc_data_path, extra_env=ONE_PROCESS)
        other = start_api(redis_server.host, redis_server.port, hgnc_data_path, extra_env=ONE_PROCESS)
        assert requests.post(f"{api.url}/data", data=SAMPLE_TSV.read_bytes(), timeout=60).status_code == 201
        old = held_answers(api.url)[0]
        assert b'"A1BG"' in old[1]

        proxy.sever()
        assert held_answers(api.url)[0] == old
        renamed = SAMPLE_TSV.read_bytes().replace(b"alpha-1-B glycoprotein", b"renamed meanwhile")
        assert requests.post(f"{other.url}/data", data=renamed, timeout=60).status_code == 201
        assert held_answers(api.url)[0] == old  # still cut off: the set it holds

        proxy.mend()
        answers: list[tuple[int, bytes]] = []
        with requests.Session() as session:
            eventually(lambda: answers.append(read(session, api.url, "GET", "/genes/HGNC:5", None))
                       or b"renamed meanwhile" in answers[-1][1], RECOVERY_SECONDS, "the new set answered")
            answers += [read(session, api.url, "GET", "/genes/HGNC:5", None) for _ in range(50)]
        first_new = next(index for index, (_, body) in enumerate(answers) if b"renamed meanwhile" in body)
        assert all(answer == answers[first_new] for answer in answers[first_new:]), "an old answer after the new"
        assert all(answer == old for answer in answers[:first_new])  # before: the outage, as this API saw it
    finally:
        proxy.close()
