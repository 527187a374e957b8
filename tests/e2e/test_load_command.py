"""`python -m entrypoints.load` against a real Redis: a file, a URL, HGNC_SOURCE, and sources that fail."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
import redis

from adapters.redis_gene_repository import RedisGeneRepository
from entrypoints.load import EXIT_CONFIGURATION, EXIT_INVALID_SOURCE, EXIT_UNAVAILABLE
from tests.conftest import FIXTURES
from tests.e2e.test_gene_api_loads import HGNC_RECORDS, Reference, assert_full_set_served
from tests.support import ApiClient, ApiProcess, REPO_ROOT, RedisServer, closed_port, service_environment

SAMPLE_TSV = FIXTURES / "hgnc_sample.tsv"
REDIS_PASSWORD = "loader-s3cret"
SAMPLE_IDS = [line.split("\t", 1)[0] for line in SAMPLE_TSV.read_text().splitlines()[1:]]


@pytest.fixture(scope="module")
def api_process(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    """The API on the loader's Redis (`api` talks to it), to read back what the loader wrote as a user would."""
    nowhere = tmp_path_factory.mktemp("api") / "no-source-configured.json"
    process = ApiProcess(redis_server.host, redis_server.port, nowhere, nowhere.with_name("api.log"))
    try:
        yield process.wait_until_healthy()
    finally:
        process.stop()


@pytest.fixture(scope="module")
def http_url(hgnc_data_path: Path) -> Iterator[str]:
    """The data set's folder served over HTTP on 127.0.0.1; the URL of the data file."""
    handler = partial(_QuietHandler, directory=str(hgnc_data_path.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="http-source", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{hgnc_data_path.name}"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def no_release_held(redis_server: RedisServer) -> None:
    """Each test starts from an empty store: a load it makes is then the live release, whatever its date."""
    redis_server.client().flushdb()


def run_load(redis_server: RedisServer | None, *args: str, hgnc_source: str | Path = "",
             **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{name: value for name, value in service_environment().items() if not name.startswith(("REDIS_", "HGNC_", "LOG_"))},
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_server.port if redis_server else closed_port()),
        "HGNC_SOURCE": str(hgnc_source),
        **settings,
    }
    return subprocess.run([sys.executable, "-m", "entrypoints.load", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_loaded(result: subprocess.CompletedProcess[str], count: int, source: str) -> None:
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["count"], summary["source"]) == (count, source)
    assert summary["seconds"] > 0


def assert_failed(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("load failed: "), result.stderr
    for word in words:
        assert word in result.stderr


def test_loading_the_full_file_serves_every_record_through_the_api(
        redis_server: RedisServer, api: ApiClient, hgnc_data_path: Path, reference: Reference) -> None:
    result = run_load(redis_server, str(hgnc_data_path))

    assert_loaded(result, HGNC_RECORDS, str(hgnc_data_path))
    assert_full_set_served(api, reference)


def test_loading_from_a_url_serves_every_record(
        redis_server: RedisServer, api: ApiClient, http_url: str, reference: Reference) -> None:
    run_load(redis_server, str(SAMPLE_TSV))  # something else first: the URL's data must replace it

    result = run_load(redis_server, http_url)

    assert_loaded(result, HGNC_RECORDS, http_url)
    assert_full_set_served(api, reference)


def test_without_an_argument_it_loads_hgnc_source(redis_server: RedisServer, api: ApiClient) -> None:
    result = run_load(redis_server, hgnc_source=SAMPLE_TSV)

    assert_loaded(result, len(SAMPLE_IDS), str(SAMPLE_TSV))
    assert api.get("/genes").json() == SAMPLE_IDS
    assert api.get("/genes/HGNC:1100").json()["symbol"] == "BRCA1"


@pytest.mark.parametrize("content", [b"<html>not a gene set</html>", b"", b"hgnc_id\tsymbol\n"],
                         ids=["html", "empty", "header only"])
def test_a_file_that_is_no_gene_set_exits_65_and_keeps_the_loaded_data(
        redis_server: RedisServer, api: ApiClient, tmp_path: Path, content: bytes) -> None:
    assert_loaded(run_load(redis_server, str(SAMPLE_TSV)), len(SAMPLE_IDS), str(SAMPLE_TSV))
    bad = tmp_path / "hgnc_complete_set.json"
    bad.write_bytes(content)

    result = run_load(redis_server, str(bad))

    assert_failed(result, EXIT_INVALID_SOURCE)
    assert api.get("/genes").json() == SAMPLE_IDS


def test_a_missing_file_exits_69_naming_it(redis_server: RedisServer, tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "hgnc_complete_set.json"

    assert_failed(run_load(redis_server, str(missing)), EXIT_UNAVAILABLE, str(missing))


def test_a_url_that_answers_404_exits_69_naming_it(redis_server: RedisServer, http_url: str) -> None:
    url = http_url.rsplit("/", 1)[0] + "/no-such-file.json"

    assert_failed(run_load(redis_server, url), EXIT_UNAVAILABLE, "404", url)


def test_a_redis_that_does_not_answer_exits_69_in_one_line() -> None:
    result = run_load(None, str(SAMPLE_TSV))

    assert_failed(result, EXIT_UNAVAILABLE, "Connection refused")


@pytest.mark.parametrize(("setting", "value"), [("LOG_FORMAT", "xml"), ("REDIS_URL", "redis://127.0.0.1:6379/5")])
def test_a_wrong_setting_exits_78_in_one_line_before_touching_redis(
        redis_server: RedisServer, api: ApiClient, setting: str, value: str) -> None:
    before = api.get("/genes").json()

    result = run_load(redis_server, str(SAMPLE_TSV), **{setting: value})

    assert_failed(result, EXIT_CONFIGURATION, setting)
    assert api.get("/genes").json() == before


@pytest.fixture(scope="module")
def redis_with_password(redis_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(redis_binary, tmp_path_factory.mktemp("load-redis-password"),
                         extra_args=["--requirepass", REDIS_PASSWORD],
                         client_options={"password": REDIS_PASSWORD}).start()
    yield server
    server.stop()


def test_with_redis_password_it_loads_into_a_redis_that_requires_it(redis_with_password: RedisServer) -> None:
    result = run_load(redis_with_password, str(SAMPLE_TSV), REDIS_PASSWORD=REDIS_PASSWORD)

    assert_loaded(result, len(SAMPLE_IDS), str(SAMPLE_TSV))
    loaded = RedisGeneRepository(redis.Redis(port=redis_with_password.port, password=REDIS_PASSWORD))
    assert loaded.is_loaded()


@pytest.mark.parametrize("password", [None, "not-the-password"], ids=["none", "wrong"])
def test_wrong_credentials_exit_78_in_one_line_naming_no_password(
        redis_with_password: RedisServer, password: str | None) -> None:
    settings = {"REDIS_PASSWORD": password} if password else {}

    result = run_load(redis_with_password, str(SAMPLE_TSV), **settings)

    assert_failed(result, EXIT_CONFIGURATION, "authentication failed")
    assert REDIS_PASSWORD not in result.stderr and "not-the-password" not in result.stderr


def test_a_usage_error_exits_2_with_the_usage() -> None:
    result = run_load(None, "one", "two")

    assert result.returncode == 2
    usage = " ".join(result.stderr.split())  # argparse wraps it to the terminal's width
    assert "usage: python -m entrypoints.load [-h] [--release YYYY-MM-DD] [--latest] [PATH_OR_URL]" in usage


def test_a_malformed_release_is_a_usage_error(redis_server: RedisServer) -> None:
    result = run_load(redis_server, str(SAMPLE_TSV), "--release", "2024-7-1")

    assert result.returncode == 2 and "'2024-7-1' is not a release date" in result.stderr


def test_a_file_whose_release_cannot_be_told_exits_65_saying_to_give_it(
        redis_server: RedisServer, tmp_path: Path) -> None:
    undated = tmp_path / "genes.txt"
    undated.write_text("hgnc_id\tsymbol\tlocus_group\nHGNC:5\tA1BG\tprotein-coding gene\n")

    assert_failed(run_load(redis_server, str(undated)), EXIT_INVALID_SOURCE, "--release YYYY-MM-DD")
    result = run_load(redis_server, str(undated), "--release", "2024-07-01")
    assert_loaded(result, 1, str(undated))
    assert json.loads(result.stdout)["release"] == "2024-07-01"


# -- the monthly refresh: --latest -------------------------------------------------------------


def test_latest_loads_hgnc_source_as_a_new_release_dated_by_its_content_the_older_ones_kept(
        redis_server: RedisServer, api: ApiClient, hgnc_data_path: Path, hgnc_custom_download_path: Path,
        reference: Reference, tmp_path: Path) -> None:
    july = run_load(redis_server, str(hgnc_custom_download_path), "--release", "2024-07-23")
    assert_loaded(july, 43_837, str(hgnc_custom_download_path))
    current = tmp_path / "hgnc_complete_set.txt.gz"  # HGNC's current file: no date in its name
    current.write_bytes(hgnc_data_path.read_bytes())

    result = run_load(redis_server, "--latest", hgnc_source=current)

    assert_loaded(result, HGNC_RECORDS, str(current))
    assert (json.loads(result.stdout)["release"], json.loads(result.stdout)["live"]) == ("2024-10-18", True)
    assert [(r["release"], r["live"]) for r in api.get("/releases").json()] == [("2024-10-18", True), ("2024-07-23", False)]
    assert_full_set_served(api, reference)


def test_latest_from_a_mirror_url_again_replaces_the_release_it_holds(
        redis_server: RedisServer, api: ApiClient, http_url: str) -> None:
    first = run_load(redis_server, "--latest", hgnc_source=http_url)
    again = run_load(redis_server, "--latest", hgnc_source=http_url)

    assert_loaded(again, HGNC_RECORDS, http_url)
    assert json.loads(first.stdout)["release"] == json.loads(again.stdout)["release"] == "2024-10-18"
    assert [(r["release"], r["count"]) for r in api.get("/releases").json()] == [("2024-10-18", HGNC_RECORDS)]


@pytest.mark.parametrize("args", [["--latest", "x.txt"], ["--latest", "--release", "2024-07-01"]], ids=["path", "release"])
def test_latest_with_a_source_or_a_release_is_a_usage_error(args: list[str]) -> None:
    result = run_load(None, *args)

    assert result.returncode == 2 and "--latest loads HGNC_SOURCE" in result.stderr
