"""Lookups under the server with two processes, each holding the indexes in its memory: a reload through
one process is what the very next lookup finds, in both, even when their watch on Redis was cut."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import FIXTURES, StartProcess
from tests.processes import SERVER_COMMAND, RedisServer, free_port

SAMPLE = (FIXTURES / "hgnc_sample.tsv").read_bytes()
A2M_ENTREZ = b"\t2\t"  # A2M's entrez_id, between its neighbours in the row
MOVED_ENTREZ = b"\t999999\t"
CLIENTS = 8


def with_a2m_renumbered() -> bytes:
    """The sample set, with A2M's Entrez id changed from 2 to 999999."""
    header, *rows = SAMPLE.split(b"\n")
    a2m = next(index for index, row in enumerate(rows) if row.startswith(b"HGNC:7\t"))
    assert rows[a2m].count(A2M_ENTREZ) == 1
    rows[a2m] = rows[a2m].replace(A2M_ENTREZ, MOVED_ENTREZ)
    return b"\n".join([header, *rows])


SETS = {"2": SAMPLE, "999999": with_a2m_renumbered()}  # the Entrez id that finds A2M in each


@pytest.fixture
def served(redis_server: RedisServer, start_process: StartProcess) -> str:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    start_process(SERVER_COMMAND,
                  env={"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "PORT": str(port),
                       "HGNC_SOURCE": str(FIXTURES / "hgnc_sample.tsv"), "WEB_CONCURRENCY": "2",
                       "GUNICORN_THREADS": "4", "LOG_LEVEL": "INFO"},
                  name="server", ready=lambda: requests.get(f"{url}/health", timeout=1).status_code == 200)
    return url


def upload(url: str, body: bytes) -> None:
    answer = requests.post(f"{url}/data", data=body, headers={"Content-Type": "text/tab-separated-values"},
                           timeout=30)
    assert answer.status_code == 201, answer.text


def lookups(url: str, count: int) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    """`count` pairs of answers, each on new connections spread over both processes: ?entrez_id=2 and =999999."""
    def one(_: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        def ask(entrez: str) -> tuple[str, ...]:
            answer = requests.get(f"{url}/genes", params={"entrez_id": entrez}, headers={"Connection": "close"},
                                  timeout=10)
            assert answer.status_code == 200, answer.text
            return tuple(answer.json())
        return ask("2"), ask("999999")

    with ThreadPoolExecutor(CLIENTS) as clients:
        return set(clients.map(one, range(count)))


def only(entrez: str) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    """What `lookups` gives when `entrez` alone finds A2M."""
    return {(("HGNC:7",), ())} if entrez == "2" else {((), ("HGNC:7",))}


def watching(redis_server: RedisServer) -> int:
    return sum(client["cmd"] == "subscribe" for client in redis_server.client().client_list())


def until_both_processes_watch(url: str, redis_server: RedisServer, entrez: str) -> None:
    """Lookups until each process has answered one: each then watches, and holds the entrez_id index."""
    deadline = time.monotonic() + 30
    while watching(redis_server) < 2:
        assert time.monotonic() < deadline, redis_server.client().client_list()
        assert lookups(url, 16) == only(entrez)
    assert watching(redis_server) == 2, redis_server.client().client_list()


def test_each_reload_is_what_the_next_lookup_finds_in_every_process(
        served: str, redis_server: RedisServer) -> None:
    upload(served, SETS["2"])
    until_both_processes_watch(served, redis_server, "2")

    for entrez in ["999999", "2"] * 5:
        upload(served, SETS[entrez])
        assert lookups(served, 16) == only(entrez)


def test_a_cut_watch_costs_no_stale_answer_and_is_made_again(served: str, redis_server: RedisServer) -> None:
    upload(served, SETS["2"])
    until_both_processes_watch(served, redis_server, "2")
    assert redis_server.client().client_kill_filter(_type="pubsub") == 2  # each process's watch

    upload(served, SETS["999999"])  # no process is told
    assert lookups(served, 40) == only("999999")
    until_both_processes_watch(served, redis_server, "999999")
    upload(served, SETS["2"])
    assert lookups(served, 16) == only("2")
