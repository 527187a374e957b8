"""The API's HTTP server as the image runs it: SIGTERM lets a streamed download finish, long request
lines reach the app, the access log reads as before, the processes come from WEB_CONCURRENCY."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
import zlib
from pathlib import Path

import pytest
import requests

from tests.conftest import FIXTURES, StartProcess
from tests.support import SERVER_COMMAND, RedisServer, ServiceProcess, free_port

GRACE_SECONDS = 30  # entrypoints/serve.py's


def serve(start_process: StartProcess, redis_server: RedisServer, source: Path,
          **env: str) -> tuple[str, ServiceProcess]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_process(
        SERVER_COMMAND, name="server",
        env={"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "PORT": str(port),
             "HGNC_SOURCE": str(source), "LOG_LEVEL": "INFO", **env},
        ready=lambda: requests.get(f"{url}/health", timeout=1).status_code == 200)
    return url, process


def children(process: ServiceProcess) -> list[str]:
    return Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()


def test_sigterm_lets_a_gzip_download_in_progress_finish_then_the_server_stops(
        start_process: StartProcess, redis_server: RedisServer, hgnc_data_path: Path) -> None:
    url, process = serve(start_process, redis_server, hgnc_data_path)
    loaded = requests.post(f"{url}/data", timeout=300)
    assert loaded.status_code == 201, loaded.text

    with socket.create_connection(("127.0.0.1", int(url.rpartition(":")[2])), timeout=GRACE_SECONDS) as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)  # a slow reader: the server must wait
        client.sendall(b"GET /data HTTP/1.1\r\nHost: api\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
        received = client.recv(16 * 1024)
        os.kill(process.pid, signal.SIGTERM)  # as `docker stop` signals the image's command
        stop_sent = time.monotonic()
        time.sleep(1)
        assert process.is_running(), "the server stopped before the download it was serving ended"
        while piece := client.recv(256 * 1024):
            received += piece

    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-encoding: gzip" in head.lower() and b"transfer-encoding: chunked" in head.lower(), head
    records = json.loads(zlib.decompress(dechunked(body), wbits=31))
    assert len(records) == loaded.json()["count"]
    process.process.wait(GRACE_SECONDS + 5 - (time.monotonic() - stop_sent))
    assert process.process.returncode == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/help", timeout=2)


def dechunked(body: bytes) -> bytes:
    """The payload of an HTTP/1.1 chunked body."""
    payload, rest = [], body
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return b"".join(payload)
        payload.append(rest[:size])
        rest = rest[size + 2:]


def test_a_request_line_of_16_kib_reaches_the_app_and_is_answered_with_a_problem(
        start_process: StartProcess, redis_server: RedisServer) -> None:
    url, _ = serve(start_process, redis_server, FIXTURES / "hgnc_sample.tsv")

    answer = requests.get(f"{url}/genes/HGNC:{'9' * 16 * 1024}", timeout=10)

    assert 400 <= answer.status_code < 500
    assert answer.headers["Content-Type"].startswith("application/problem+json"), answer.text[:300]


def test_answers_whole_in_memory_keep_their_length_and_a_bodiless_one_keeps_the_connection(
        start_process: StartProcess, redis_server: RedisServer) -> None:
    """The app hands the server such answers as a list (entrypoints.api): GET, HEAD and 304 on one connection."""
    url, _ = serve(start_process, redis_server, FIXTURES / "hgnc_sample.tsv")
    with requests.Session() as session:
        assert session.post(f"{url}/data", timeout=30).status_code == 201
        got = session.get(f"{url}/genes/HGNC:5", timeout=10)
        head = session.head(f"{url}/genes/HGNC:5", timeout=10)
        unchanged = session.get(f"{url}/genes/HGNC:5", headers={"If-None-Match": got.headers["ETag"]}, timeout=10)
        again = session.get(f"{url}/help", headers={"Accept-Encoding": "identity"}, timeout=10)  # as sent

    assert got.status_code == 200 and got.json()["symbol"] == "A1BG"
    assert int(got.headers["Content-Length"]) == len(got.content)
    assert head.status_code == 200 and head.content == b"" and head.headers["Content-Length"] == got.headers["Content-Length"]
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert again.status_code == 200 and int(again.headers["Content-Length"]) == len(again.content) > 0


def test_the_access_log_has_a_line_per_request_with_its_query_status_duration_and_agent(
        start_process: StartProcess, redis_server: RedisServer) -> None:
    url, process = serve(start_process, redis_server, FIXTURES / "hgnc_sample.tsv")

    requests.get(f"{url}/genes", params={"symbol": "A1BG"}, headers={"User-Agent": "vivid-test/1"}, timeout=10)
    time.sleep(0.3)

    line = re.search(r'127\.0\.0\.1 "GET /genes\?symbol=A1BG HTTP/1\.1" (\d{3}) [\d.]+ms "vivid-test/1"',
                     process.log_path.read_text())
    assert line, process.log_tail()


def test_sigterm_while_its_processes_still_start_stops_the_server_at_once(
        start_process: StartProcess, redis_server: RedisServer) -> None:
    # Ready once one process answers: the others are then still building their app (~1 s each, here).
    _, process = serve(start_process, redis_server, FIXTURES / "hgnc_sample.tsv", WEB_CONCURRENCY="3")

    os.kill(process.pid, signal.SIGTERM)

    assert process.wait_for_exit(GRACE_SECONDS / 3) == 0  # not killed after GRACE_SECONDS: no stop was lost


def test_web_concurrency_sets_the_number_of_processes(start_process: StartProcess, redis_server: RedisServer) -> None:
    _, process = serve(start_process, redis_server, FIXTURES / "hgnc_sample.tsv", WEB_CONCURRENCY="3")
    process.wait_until(lambda: len(children(process)) == 3)

    assert len(children(process)) == 3
