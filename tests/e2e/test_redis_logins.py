"""The service on a Redis that wants a login: a password, an ACL user allowed only the commands the service
runs, and TLS only. In each the data loads and a job completes; wrong credentials are a configuration
error (/health 503 "authentication failed", the worker exits with one line); no password ever shows."""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests

from tests.certificates import make_tls_files
from tests.conftest import FIXTURES, StartProcess
from tests.problem_details import assert_problem
from tests.support import ApiClient, ApiProcess, RedisServer, ServiceProcess, free_port, wait_for_job

SAMPLE_SET = FIXTURES / "hgnc_sample.tsv"
PASSWORD = f"redis-pw-{secrets.token_hex(12)}"  # unguessable, and easy to find wherever it leaks
ADMINS_PASSWORD = f"admin-pw-{secrets.token_hex(12)}"  # the ACL server's default user: the test's, not the service's
WRONG_PASSWORD = f"wrong-pw-{secrets.token_hex(12)}"
ADMIN_TOKEN = f"admin-token-{secrets.token_hex(12)}"
USER = "hgnc-service"
JOB = {"start_date": "1980-01-01", "end_date": "2020-12-31"}
TIMEOUT_SECONDS = 30

# The commands the service sends, and nothing more: the ACL user gets these alone. Code that sends
# another one fails this test with NOPERM: add the command here, with what it is for. The handshake
# (HELLO 3 with AUTH) needs no grant; commands a Lua script calls are checked like any other.
SERVICE_COMMANDS = (
    "select", "ping",                                 # the databases 0-3 (in scripts too); health checks
    "get", "set", "getdel", "del", "unlink", "exists",  # gene sets, heartbeats, results and plots
    "expire", "pexpire", "pexpireat",                 # retired gene sets, worker records, ended jobs
    "hset", "hget", "hmget", "hgetall", "hincrby", "hdel",  # gene records and names, jobs, workers' counts and current jobs
    "hkeys", "hvals", "hexists", "hlen",              # the releases held (genes:releases, in scripts)
    "rpush", "llen", "lrange", "lindex",              # gene ids, the queue (HotQueue's put), in-flight ids
    "lmove", "blmove", "lrem",                        # taking, giving back and acknowledging job ids
    "zadd", "zrange", "zrangebyscore", "zrem", "zcard",  # job listings, by status and by expiry; counts
    "sadd", "srem", "smembers",                       # the live workers (GET /workers)
    "scan",                                           # the sweep for dead workers' in-flight ids
    "multi", "exec", "watch", "unwatch",              # transactions and compare-and-set of a job
    "evalsha", "script|load", "script|exists", "time",  # the submit and expiry scripts
    "client|id", "client|tracking", "subscribe",      # the API's watch on genes:current (below: its channel)
)
SERVICE_CHANNELS = ("__redis__:invalidate",)  # where Redis sends the watch its notices
# Counted in Redis's command statistics, yet no grant: the handshake, and the test's own administration.
NOT_GRANTED = {"hello", "config|resetstat", "info", "acl|log"}


@dataclass
class Login:
    """A redis-server that wants a login, how the service is told to log in, and a wrong way to."""

    server: RedisServer
    env: dict[str, str]  # for the API and the worker (their REDIS_HOST:REDIS_PORT leads nowhere unless set here)
    wrong_envs: list[dict[str, str]]
    secrets: list[str] = field(default_factory=lambda: [PASSWORD, ADMINS_PASSWORD, WRONG_PASSWORD, ADMIN_TOKEN])


def with_password(binary: str, directory: Path) -> Login:
    server = RedisServer(binary, directory, extra_args=["--requirepass", PASSWORD],
                         client_options={"password": PASSWORD}).start()
    address = {"REDIS_HOST": server.host, "REDIS_PORT": str(server.port)}
    return Login(server, {**address, "REDIS_PASSWORD": PASSWORD},
                 [{**address, "REDIS_PASSWORD": WRONG_PASSWORD}, address])  # a wrong password, and none at all


def with_acl_user(binary: str, directory: Path) -> Login:
    server = RedisServer(binary, directory, extra_args=["--requirepass", ADMINS_PASSWORD],
                         client_options={"password": ADMINS_PASSWORD}).start()
    server.client().execute_command(
        "ACL", "SETUSER", USER, "reset", "on", f">{PASSWORD}", "~*", "resetchannels",
        *(f"&{channel}" for channel in SERVICE_CHANNELS), "-@all", *(f"+{command}" for command in SERVICE_COMMANDS))
    url = f"redis://{USER}:{{password}}@{server.host}:{server.port}"
    return Login(server, {"REDIS_URL": url.format(password=PASSWORD)},
                 [{"REDIS_URL": url.format(password=WRONG_PASSWORD)},
                  {"REDIS_HOST": server.host, "REDIS_PORT": str(server.port),  # a user that does not exist
                   "REDIS_USERNAME": "nobody", "REDIS_PASSWORD": PASSWORD}])


def with_tls_only(binary: str, directory: Path) -> Login:
    tls = make_tls_files(directory / "tls")
    port = free_port()
    server = RedisServer(
        binary, directory, port=port,
        extra_args=["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(tls.server_cert),
                    "--tls-key-file", str(tls.server_key), "--tls-ca-cert-file", str(tls.ca_cert),
                    "--tls-auth-clients", "no", "--requirepass", PASSWORD],
        client_options={"ssl": True, "ssl_ca_certs": str(tls.ca_cert), "password": PASSWORD})
    url = f"rediss://:{{password}}@{server.host}:{port}"
    return Login(server.start(), {"REDIS_URL": url.format(password=PASSWORD), "REDIS_CA_CERT": str(tls.ca_cert)},
                 [{"REDIS_URL": url.format(password=WRONG_PASSWORD), "REDIS_CA_CERT": str(tls.ca_cert)}])


LOGINS: dict[str, Callable[[str, Path], Login]] = {
    "requirepass": with_password, "acl-user": with_acl_user, "tls-only": with_tls_only}


@pytest.fixture(scope="module", params=list(LOGINS))
def login(request: pytest.FixtureRequest, redis_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Login]:
    login = LOGINS[request.param](redis_binary, tmp_path_factory.mktemp(request.param))
    try:
        yield login
    finally:
        login.server.stop()


class Client(ApiClient):
    """The API client, every answer kept, to look for secrets in; `call("GET", path)` is `request`."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.answers: list[str] = []

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = super().request(method, path, **kwargs)
        self.answers.append(f"{response.status_code} {dict(response.headers)}\n{response.content!r}")
        return response

    __call__ = request


@pytest.fixture
def apis() -> Iterator[list[ApiProcess]]:
    """The APIs a test starts: each stopped at its end, whatever the test's outcome (none is left behind)."""
    started: list[ApiProcess] = []
    yield started
    for api in started:
        api.stop()


def start_api(login: Login, env: dict[str, str], tmp_path: Path, name: str,
              apis: list[ApiProcess]) -> tuple[ApiProcess, Client]:
    """The API with `env`, once it answers /health (whatever it answers)."""
    api = ApiProcess("127.0.0.1", 1, SAMPLE_SET, tmp_path / f"{name}.log", log_level="DEBUG",
                     extra_env={"ADMIN_TOKEN": ADMIN_TOKEN, **env})  # REDIS_PORT 1: only env may lead to Redis
    apis.append(api)
    call = Client(api.url)
    api.process.wait_until(lambda: call.get("/health", timeout=5).status_code in (200, 503))
    return api, call


def start_worker(start_process: StartProcess, env: dict[str, str], name: str) -> ServiceProcess:
    return start_process(["python", "-m", "entrypoints.worker"], name=name,
                         env={"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1", "LOG_LEVEL": "DEBUG",
                              "JOB_LEASE_SECONDS": "2", "JOB_TTL_SECONDS": "1", **env})


def run_job(call: Client) -> str:
    job_id = call("POST", "/jobs", json=JOB).json()["id"]
    assert wait_for_job(call, job_id, TIMEOUT_SECONDS)["status"] == "complete"
    return job_id


def assert_no_secret_in(texts: list[str], login: Login) -> None:
    for text in texts:
        for secret in login.secrets:
            assert secret not in text, f"a secret shows:\n{text[:2000]}"


def test_the_data_loads_and_a_job_completes(login: Login, tmp_path: Path, start_process: StartProcess,
                                            apis: list[ApiProcess]) -> None:
    admin = login.server.client()
    admin.config_resetstat()
    api, call = start_api(login, {**login.env, "JOB_TTL_SECONDS": "1"}, tmp_path, "api", apis)
    assert call("GET", "/health").status_code == 200
    authorized = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert call("POST", "/data", data=b"no gene set", headers=authorized).status_code == 400
    loaded = call("POST", "/data", headers=authorized)  # from HGNC_SOURCE: the sample set
    assert loaded.status_code == 201 and loaded.json()["count"] == 13, loaded.text
    # The first read after a load asks Redis (HGET); the next are answered from what the API holds.
    assert call("GET", "/genes/HGNC:5").json()["symbol"] == "A1BG"
    assert call("GET", "/genes", params={"symbol": "a1bg"}).json() == ["HGNC:5"]
    release = loaded.json()["release"]
    assert call("PUT", "/releases/live", json={"release": release}, headers=authorized).status_code == 200
    assert call("GET", "/genes", params={"symbol": "a1bg", "release": release}).json() == ["HGNC:5"]
    assert len(call("GET", "/data").json()) == 13

    cancelled = call("POST", "/jobs", json=JOB).json()["id"]  # before any worker: still queued when one starts
    assert call("DELETE", f"/jobs/{cancelled}").json()["status"] == "cancelled"
    worker = start_worker(start_process, login.env, "worker")
    job_id = run_job(call)
    twin = call("POST", "/jobs", json=JOB, headers={"Idempotency-Key": "one"}).json()["id"]
    assert call("POST", "/jobs", json=JOB, headers={"Idempotency-Key": "one"}).json()["id"] == twin
    assert call("GET", f"/results/{job_id}").json()["total"] == 12  # the sample's genes approved in 1980-2020
    plot = call("GET", f"/results/{job_id}/plot")
    assert plot.status_code == 200 and plot.content.startswith(b"\x89PNG")
    assert job_id in call("GET", "/jobs", params={"status": "complete"}).json()
    assert [worker["current_job"] for worker in call("GET", "/workers").json()] == [None]
    assert call("GET", "/queue").json()["jobs"]["complete"] >= 1
    assert call("GET", "/metrics").status_code == 200
    time.sleep(1.5)  # the ended jobs expire (JOB_TTL_SECONDS=1); the lease keeper sweeps meanwhile
    call("GET", "/jobs")
    assert call("DELETE", "/data", headers=authorized).json() == {"deleted": True}
    worker.stop()  # resigns: its heartbeat goes
    api.stop()

    assert worker.process.returncode == 0, worker.log_tail()
    assert_no_secret_in([*call.answers, api.process.log_path.read_text(), worker.log_path.read_text()], login)
    if "REDIS_URL" in login.env and USER in login.env["REDIS_URL"]:
        assert admin.acl_log() == [], "the service was refused a command: add it to SERVICE_COMMANDS"
        used = {name.removeprefix("cmdstat_") for name in admin.info("commandstats")} - NOT_GRANTED
        assert used == set(SERVICE_COMMANDS), (
            f"granted, never used: {sorted(set(SERVICE_COMMANDS) - used)}; used: {sorted(used - set(SERVICE_COMMANDS))}")


def test_wrong_credentials_are_a_configuration_error_that_shows_no_password(
        login: Login, tmp_path: Path, start_process: StartProcess, apis: list[ApiProcess]) -> None:
    for number, env in enumerate(login.wrong_envs):
        api, call = start_api(login, env, tmp_path, f"api-{number}", apis)
        for path in ("/health", "/genes"):
            answer = call("GET", path)
            problem = assert_problem(answer.status_code, answer.headers, answer.content, 503)
            assert "authentication failed" in problem["detail"], problem
        worker = start_worker(start_process, env, f"worker-{number}")
        assert worker.wait_for_exit(TIMEOUT_SECONDS) != 0  # wrong credentials stop it
        api.stop()

        log = worker.log_path.read_text()
        assert "Traceback" not in log, log
        assert [line for line in log.splitlines() if "authentication failed" in line], log
        assert_no_secret_in([*call.answers, api.process.log_path.read_text(), log], login)


def test_a_database_in_redis_url_stops_the_worker_at_start_with_one_line(start_process: StartProcess) -> None:
    worker = start_worker(start_process, {"REDIS_URL": f"redis://{USER}:{PASSWORD}@127.0.0.1:6390/2"}, "worker")
    assert worker.wait_for_exit(TIMEOUT_SECONDS) != 0
    log = worker.log_path.read_text()
    assert log.strip().splitlines() == [
        "configuration error: REDIS_URL names a database (/2): the service uses databases 0 to 3 itself "
        "(genes, queue, jobs, results); remove /2 from the URL"], log
