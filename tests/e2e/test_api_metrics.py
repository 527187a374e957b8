"""The API served as in production, two processes: GET /metrics counts every request once, whichever process
answered it (and after one is killed); LOG_FORMAT=json makes every line of the server and the app JSON."""
from __future__ import annotations

import json
import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FIXTURES, StartProcess
from tests.support import SERVER_COMMAND, ApiClient, RedisServer, ServiceProcess, free_port

REQUESTS = 120
CLIENTS = 8


class ServedApi:
    def __init__(self, process: ServiceProcess, api: ApiClient) -> None:
        self.process = process
        self.api = api
        self.url = api.url

    def worker_pids(self) -> set[int]:
        return self.process.child_pids()

    def lines(self) -> list[str]:
        return self.process.log_path.read_text(errors="replace").splitlines()

    def access_lines(self) -> list[dict[str, object]]:
        return [fields for fields in map(json.loads, self.lines()) if fields["logger"] == "granian.access"]

    def jobs_requests_counted(self) -> float:
        """hgnc_http_requests_total of GET /jobs/<job_id> answered 404, as one scrape reads it."""
        page = self.api.get("/metrics", timeout=10).text
        return sum(sample.value for family in text_string_to_metric_families(page) for sample in family.samples
                   if sample.name == "hgnc_http_requests_total"
                   and sample.labels == {"method": "GET", "route": "/jobs/<job_id>", "status": "404"})


@pytest.fixture
def served(redis_server: RedisServer, start_process: StartProcess) -> ServedApi:
    """`python -m entrypoints.serve` as the image runs it: two processes, JSON logs, no metrics folder given."""
    port = free_port()
    env = {"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "PORT": str(port),
           "HGNC_SOURCE": str(FIXTURES / "hgnc_sample.tsv"), "WEB_CONCURRENCY": "2", "LOG_FORMAT": "json",
           "LOG_LEVEL": "INFO", "PROMETHEUS_MULTIPROC_DIR": ""}  # empty is unset: a fresh temporary folder
    api = ApiClient(f"http://127.0.0.1:{port}")
    process = start_process(SERVER_COMMAND, env=env, name="server", ready=api.is_healthy)
    served = ServedApi(process, api)
    process.wait_until(lambda: len(served.worker_pids()) == 2)
    return served


def get_unknown_jobs(url: str, count: int) -> None:
    """`count` GETs of unknown job ids, each on a connection of its own, from several clients at once."""
    def one(_: int) -> int:
        # A client of its own on each thread; "close": the next request connects anew, maybe to the other process.
        return ApiClient(url).get(f"/jobs/{uuid.uuid4()}", headers={"Connection": "close"}, timeout=10).status_code

    with ThreadPoolExecutor(CLIENTS) as clients:
        assert set(clients.map(one, range(count))) == {404}


def test_requests_spread_over_two_processes_are_each_counted_once(served: ServedApi) -> None:
    before = served.jobs_requests_counted()
    sent = 0
    for _ in range(20):  # the kernel hands each connection to one process: send until both have answered some
        get_unknown_jobs(served.url, REQUESTS)
        sent += REQUESTS
        answered_by = {line["pid"] for line in served.access_lines() if str(line["path"]).startswith("/jobs/")}
        if answered_by == served.worker_pids():
            break
    else:
        pytest.fail(f"one process answered all {sent} requests")

    for _ in range(5):  # whichever process answers the scrape, the sum is the same
        assert served.jobs_requests_counted() == before + sent


def test_the_counts_of_a_killed_process_stay_in_the_totals(served: ServedApi) -> None:
    get_unknown_jobs(served.url, REQUESTS)
    victim = min(served.worker_pids())

    os.kill(victim, signal.SIGKILL)
    served.process.wait_until(lambda: victim not in served.worker_pids() and len(served.worker_pids()) == 2)
    get_unknown_jobs(served.url, 10)

    assert served.jobs_requests_counted() == REQUESTS + 10


def test_with_log_format_json_every_line_is_one_json_object(served: ServedApi) -> None:
    get_unknown_jobs(served.url, 5)
    served.api.get("/genes/HGNC:5", timeout=10)
    time.sleep(0.2)  # the last access lines

    lines = served.lines()
    parsed = [json.loads(line) for line in lines]  # fails on any line that is not JSON

    assert all({"time", "level", "logger", "message"} <= set(fields) for fields in parsed)
    loggers = {fields["logger"] for fields in parsed}
    assert {"_granian", "granian.access"} <= loggers
    [gene] = [fields for fields in parsed if fields.get("path") == "/genes/HGNC:5"]
    assert (gene["method"], gene["status"], gene["level"]) == ("GET", 404, "INFO")
    assert isinstance(gene["duration_ms"], float)
