"""What an exposed API shows, over real sockets: the data routes refuse without ADMIN_TOKEN (before reading
the body) and change nothing; no answer lets a browser sniff or names a server version; the server
checks its settings once, at start."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Iterator

import pytest

from entrypoints.settings import OPEN_DATA_ROUTES_WARNING
from entrypoints.gene_views import MAX_UPLOAD_BYTES
from tests.conftest import FIXTURES, StartProcess
from tests.e2e.test_body_limits import pieces, send
from tests.problem_details import assert_problem
from tests.support import SERVER_COMMAND, ApiClient, ApiProcess, RedisServer, ServiceProcess, free_port

SAMPLE_SET = FIXTURES / "hgnc_sample.tsv"
TOKEN = "e2e-admin-token-5b7e0c"
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}
ROUTES = [("POST", "/data"), ("DELETE", "/data")]


@pytest.fixture(scope="module")
def guarded(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    """The API with ADMIN_TOKEN set, the sample set loaded."""
    process = ApiProcess(redis_server.host, redis_server.port, SAMPLE_SET, tmp_path_factory.mktemp("api") / "api.log",
                         extra_env={"ADMIN_TOKEN": TOKEN})
    try:
        api = process.wait_until_healthy().client
        assert api.post("/data", headers=AUTHORIZED).status_code == 201
        yield api
    finally:
        process.stop()


@pytest.fixture
def unchanged(guarded: ApiClient) -> Iterator[ApiClient]:
    """At the end of the test, the genes and the jobs are what they were at the start."""
    def state() -> tuple[bytes, bytes]:
        return guarded.get("/data").content, guarded.get("/jobs").content

    before = state()
    assert before[0].count(b'"hgnc_id"') == 13
    yield guarded
    assert state() == before, "a refused request changed the data"


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(("headers", "error"), [
    ({}, None), ({"Authorization": "Basic YWRtaW46YWRtaW4="}, None),
    ({"Authorization": "Bearer not-the-token"}, "invalid_token"), ({"Authorization": f"Bearer {TOKEN}x"}, "invalid_token"),
])
def test_without_the_right_token_the_data_routes_answer_401_and_change_nothing(
        unchanged: ApiClient, method: str, path: str, headers: dict[str, str], error: str | None) -> None:
    response = unchanged.request(method, path, headers=headers, data=SAMPLE_SET.read_bytes())
    assert_problem(response.status_code, response.headers, response.content, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hgnc"' + (f', error="{error}"' if error else "")


def test_with_the_right_token_the_data_routes_delete_and_load(guarded: ApiClient) -> None:
    assert guarded.delete("/data", headers=AUTHORIZED).json() == {"deleted": True}
    assert guarded.get("/genes").json() == []
    loaded = guarded.post("/data", headers=AUTHORIZED, data=SAMPLE_SET.read_bytes())
    assert loaded.status_code == 201 and loaded.json()["count"] == 13


def test_reads_and_jobs_need_no_token(guarded: ApiClient) -> None:
    assert guarded.get("/genes/HGNC:5").status_code == 200
    submitted = guarded.post("/jobs", json={"start_date": "2000-01-01", "end_date": "2000-12-31"})
    assert submitted.status_code == 202
    assert guarded.delete(f"/jobs/{submitted.json()['id']}").status_code == 200


def test_an_upload_of_100_mib_without_the_token_is_refused_before_it_is_sent(unchanged: ApiClient) -> None:
    declared = {"Content-Type": "application/octet-stream", "Content-Length": str(MAX_UPLOAD_BYTES)}
    answer = send(unchanged, "/data", declared, pieces(MAX_UPLOAD_BYTES), chunked=False)
    assert_problem(answer.status_code, answer.headers, answer.content, 401)
    assert answer.body_bytes_sent < MAX_UPLOAD_BYTES // 4, "the server read the body before refusing it"


def test_a_chunked_upload_without_the_token_is_refused_while_it_streams(unchanged: ApiClient) -> None:
    answer = send(unchanged, "/data", {"Content-Type": "application/octet-stream"}, pieces(MAX_UPLOAD_BYTES),
                  chunked=True)
    assert_problem(answer.status_code, answer.headers, answer.content, 401)
    assert answer.body_bytes_sent < MAX_UPLOAD_BYTES // 4, "the server read the body before refusing it"


@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("GET", "/genes/HGNC:5"), ("GET", "/nowhere"),
                                              ("POST", "/data"), ("GET", "/openapi.json")])
def test_no_answer_names_a_server_version_or_lets_a_browser_sniff(guarded: ApiClient, method: str, path: str) -> None:
    response = guarded.request(method, path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not re.search(r"[0-9]", response.headers["Server"]), response.headers["Server"]


def served(start_process: StartProcess, env: dict[str, str]) -> tuple[ApiClient, ServiceProcess]:
    port = free_port()
    process = start_process(SERVER_COMMAND, name="server", env={"PORT": str(port), "WEB_CONCURRENCY": "2", **env})
    return ApiClient(f"http://127.0.0.1:{port}"), process


def test_served_as_in_production_the_open_data_routes_are_warned_about_once_and_no_version_is_named(
        redis_server: RedisServer, start_process: StartProcess) -> None:
    api, process = served(start_process, {"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port)})
    process.wait_until(api.is_healthy)
    response = api.get("/genes/HGNC:5", timeout=10)
    assert response.headers["Server"] == "granian"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    time.sleep(1)  # both workers booted
    process.stop()
    log = process.log_path.read_text()
    assert log.count(OPEN_DATA_ROUTES_WARNING) == 1, log
    assert log.count("Spawning worker") == 2, log


def test_served_as_in_production_a_database_in_redis_url_stops_the_start_with_one_line(
        start_process: StartProcess, tmp_path: Path) -> None:
    _, process = served(start_process, {"REDIS_URL": "redis://:hunter2-secret@127.0.0.1:6390/1"})
    assert process.wait_for_exit(30) != 0
    log = process.log_path.read_text()
    errors = [line for line in log.splitlines() if "configuration error" in line]
    assert len(errors) == 1 and "names a database (/1)" in errors[0], log
    assert "Traceback" not in log and "hunter2" not in log and "Spawning worker" not in log, log
