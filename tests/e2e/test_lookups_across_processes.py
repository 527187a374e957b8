"""Lookups under the server with two processes, each holding the indexes in its memory: a reload through
one process is what the very next lookup finds, in both, even when their watch on Redis was cut."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import FIXTURES, StartProcess
from tests.support import SERVER_COMMAND, ApiClient, RedisServer, eventually, free_port

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
def served(redis_server: RedisServer, start_process: StartProcess) -> ApiClient:
    port = free_port()
    api = ApiClient(f"http://127.0.0.1:{port}")
    start_process(SERVER_COMMAND,
                  env={"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "PORT": str(port),
                       "HGNC_SOURCE": str(FIXTURES / "hgnc_sample.tsv"), "WEB_CONCURRENCY": "2",
                       "GUNICORN_THREADS": "4", "LOG_LEVEL": "INFO"},
                  name="server", ready=api.is_healthy)
    return api


def upload(api: ApiClient, body: bytes) -> None:
    answer = api.post("/data", data=body, headers={"Content-Type": "text/tab-separated-values"}, timeout=30)
    assert answer.status_code == 201, answer.text


def lookups(api: ApiClient, count: int) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    """`count` pairs of answers, each on new connections spread over both processes: ?entrez_id=2 and =999999."""
    def one(_: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        def ask(entrez: str) -> tuple[str, ...]:
            # A client of its own on each thread; "close": the next request connects anew, maybe to the other process.
            answer = ApiClient(api.url).get("/genes", params={"entrez_id": entrez}, headers={"Connection": "close"},
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


def until_both_processes_watch(api: ApiClient, redis_server: RedisServer, entrez: str) -> None:
    """Lookups until each process has answered one: each then watches, and holds the entrez_id index."""
    answers: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()

    def both_watch() -> bool:
        if watching(redis_server) >= 2:
            return True
        answers.update(lookups(api, 16))
        return False

    eventually(both_watch, 30, "both processes watch Redis", interval=0)
    assert answers <= only(entrez)
    assert watching(redis_server) == 2, redis_server.client().client_list()


def test_each_reload_is_what_the_next_lookup_finds_in_every_process(
        served: ApiClient, redis_server: RedisServer) -> None:
    upload(served, SETS["2"])
    until_both_processes_watch(served, redis_server, "2")

    for entrez in ["999999", "2"] * 5:
        upload(served, SETS[entrez])
        assert lookups(served, 16) == only(entrez)


def test_a_cut_watch_costs_no_stale_answer_and_is_made_again(served: ApiClient, redis_server: RedisServer) -> None:
    upload(served, SETS["2"])
    until_both_processes_watch(served, redis_server, "2")
    assert redis_server.client().client_kill_filter(_type="pubsub") == 2  # each process's watch

    upload(served, SETS["999999"])  # no process is told
    assert lookups(served, 40) == only("999999")
    until_both_processes_watch(served, redis_server, "999999")
    upload(served, SETS["2"])
    assert lookups(served, 16) == only("2")
