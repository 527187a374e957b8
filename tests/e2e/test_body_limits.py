"""Bodies over the limit, sent to the real API over a socket: 413 problem+json, early, and nothing changes."""
from __future__ import annotations

import http.client
import itertools
import select
import socket
import zlib
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import pytest
from requests.structures import CaseInsensitiveDict

from adapters.hgnc_format import MAX_DECOMPRESSED_BYTES
from entrypoints.api import MAX_REQUEST_BYTES
from entrypoints.gene_views import MAX_UPLOAD_BYTES
from tests.problem_details import assert_problem
from tests.support import ApiClient

PIECE = b"x" * (64 * 1024)
JSON = {"Content-Type": "application/json"}


@dataclass
class Answer:
    status_code: int
    headers: CaseInsensitiveDict[str]  # a server may send its names in lower case (HTTP/1.1 allows it)
    content: bytes
    body_bytes_sent: int  # of the body, before the answer came (or the server closed the connection)


def send(api: ApiClient, path: str, headers: dict[str, str], body: Iterable[bytes], chunked: bool) -> Answer:
    """POST `body` piece by piece, and stop sending as soon as the server answers."""
    url = urlsplit(api.url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        head = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close",
                *(f"{name}: {value}" for name, value in headers.items())]
        if chunked:
            head.append("Transfer-Encoding: chunked")
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        for piece in body:
            if select.select([sock], [], [], 0)[0]:  # the answer (or the close) is in: stop
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            except (BrokenPipeError, ConnectionResetError):  # refused and closed while we were sending
                break
            sent += len(piece)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response.status, CaseInsensitiveDict(response.getheaders()), response.read(), sent)


def pieces(total: int) -> Iterator[bytes]:
    """`total` bytes of body, lazily: nothing this big is ever held in memory."""
    return itertools.repeat(PIECE, total // len(PIECE))


def gzip_bomb(expanded: int) -> Iterator[bytes]:
    """A gzip stream of `expanded` zero bytes (about 1/200 of that on the wire), made piece by piece."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # 1: fastest, still ~200:1 on zeros; 31: gzip
    zeros = bytes(1024 * 1024)
    for _ in range(expanded // len(zeros)):
        yield compressor.compress(zeros)
    yield compressor.flush()


@pytest.fixture
def unchanged(loaded_api: ApiClient) -> Iterator[ApiClient]:
    """The loaded API; at the end of the test, its genes and jobs are what they were at the start."""
    def state() -> tuple[bytes, bytes]:
        return loaded_api.get("/genes").content, loaded_api.get("/jobs").content

    before = state()
    yield loaded_api
    assert state() == before, "a refused body changed the data"


def assert_too_large(answer: Answer, limit: int) -> None:
    problem = assert_problem(answer.status_code, answer.headers, answer.content, 413)
    assert str(limit) in problem["detail"]


def test_a_job_body_declared_over_64_kib_is_refused_before_it_is_sent(unchanged: ApiClient) -> None:
    answer = send(unchanged, "/jobs", {**JSON, "Content-Length": str(MAX_REQUEST_BYTES + 1)}, [b"{"], chunked=False)
    assert_too_large(answer, MAX_REQUEST_BYTES)


def test_a_chunked_job_body_over_64_kib_is_refused_while_it_streams(unchanged: ApiClient) -> None:
    offered = 256 * 1024 * 1024
    answer = send(unchanged, "/jobs", JSON, pieces(offered), chunked=True)
    assert_too_large(answer, MAX_REQUEST_BYTES)
    assert answer.body_bytes_sent < offered // 4, "the server read on long past its limit"


def test_an_upload_declared_over_100_mib_is_refused_before_it_is_sent(unchanged: ApiClient) -> None:
    declared = {"Content-Type": "application/octet-stream", "Content-Length": str(MAX_UPLOAD_BYTES + 1)}
    answer = send(unchanged, "/data", declared, [PIECE], chunked=False)
    assert_too_large(answer, MAX_UPLOAD_BYTES)


def test_a_chunked_upload_over_100_mib_is_refused_while_it_streams(unchanged: ApiClient) -> None:
    offered = 4 * MAX_UPLOAD_BYTES
    answer = send(unchanged, "/data", {"Content-Type": "application/octet-stream"}, pieces(offered), chunked=True)
    assert_too_large(answer, MAX_UPLOAD_BYTES)
    assert MAX_UPLOAD_BYTES < answer.body_bytes_sent < offered // 2, "the server did not stop at its limit"


def test_a_gzip_bomb_upload_is_refused_with_413(unchanged: ApiClient) -> None:
    bomb = b"".join(gzip_bomb(MAX_DECOMPRESSED_BYTES + 1024 * 1024))
    assert len(bomb) < MAX_UPLOAD_BYTES // 50  # small on the wire: only its expansion is too large

    response = unchanged.post("/data", data=bomb, headers={"Content-Type": "application/gzip"})

    problem = assert_problem(response.status_code, response.headers, response.content, 413)
    assert problem["type"] == "/problems/gene-source-too-large"
