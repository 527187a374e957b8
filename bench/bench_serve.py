"""Serving speed: the API as the image serves it against the last release's gunicorn, route by route.

Run from the repository root: `python -m bench.bench_serve [--rounds 3 --duration 10]`; it needs wrk
(Debian: `apt-get install -y wrk`), a redis-server on the PATH, git, and gunicorn (requirements-dev.txt).
It checks out the last release (OLD_RELEASE, or --old) into a temporary git worktree and serves it
there with its own shipped configuration (gunicorn.conf.py: 2 gthread processes of 4 threads), and
this tree with `python -m entrypoints.serve` (2 processes of 4 threads); each has its own Redis
with the full set loaded and its access log on. Then:

1. each route with wrk (16 connections opened at once), old and new interleaved in every round
   (the order alternates): requests/s and p99 of each, and the ratio of the medians;
2. the share of the requests each server process answered (counted in each process's metrics
   file), in SHARE_RUNS short wrk runs each: the busiest process's share in every run;
3. a slow client that reads GET /data (gzip) for SLOW_SECONDS, against wrk's rate on
   GET /genes/<id> over the same time without it, in pairs whose order alternates: the cost is
   1 - the median of the pairs' ratios (with / without).

Compare the ratios, measured in the same run, not the absolute numbers: the machine is shared.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import requests
from prometheus_client.mmap_dict import MmapedDict

from bench.harness import DATA, OUT, REPO, ServedApi, api_server, median, random_request_script, redis_server

OLD_RELEASE = "c9f734e"  # the last release served by gunicorn (main's head before the server changed)
OLD_COMMAND = (sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "entrypoints.api:create_app()")
FROM_MEMORY, TO_REDIS = 1.7, 1.2  # the targets: requests/s of the new over the old
MAX_SHARE = 0.65  # of one process, in every run
MAX_SLOW_CLIENT_COST = 0.10
SHARE_RUNS = 10
SLOW_SECONDS = 30
JOB = {"start_date": "2000-01-01", "end_date": "2005-12-31", "locus_group": "protein-coding gene"}

POST_JSON = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[%s]]
"""


@dataclass(frozen=True)
class Route:
    name: str
    path: str  # the URL's path ({job}: a job of that server's); a script may change it per request
    script: str | None
    target: float


def routes(folder: Path) -> list[Route]:
    """The routes measured, their wrk scripts written into `folder` (values read from the data file)."""
    with gzip.open(DATA, "rt", encoding="utf-8") as data:
        rows = list(csv.DictReader(data, delimiter="\t"))
    ids = [row["hgnc_id"] for row in rows]
    entrez = [row["entrez_id"] for row in rows if row["entrez_id"]]
    symbols = [row["symbol"] for row in rows][::len(rows) // 100][:100]
    scripts = {
        "ids.txt": "\n".join(ids) + "\n",
        "entrez.txt": "\n".join(entrez) + "\n",
        "gene.lua": random_request_script(folder / "ids.txt", "/genes/"),
        "entrez.lua": random_request_script(folder / "entrez.txt", "/genes?entrez_id="),
        "jobs.lua": POST_JSON % json.dumps(JOB),
        "query.lua": POST_JSON % json.dumps({"q": symbols, "scopes": ["symbol"]}),
    }
    for name, text in scripts.items():
        (folder / name).write_text(text)
    return [
        Route("GET /help", "/help", None, FROM_MEMORY),
        Route("GET /genes/<id>", "/genes/", str(folder / "gene.lua"), FROM_MEMORY),
        Route("GET /genes?entrez_id=", "/genes", str(folder / "entrez.lua"), FROM_MEMORY),
        Route("GET /jobs/<id>", "/jobs/{job}", None, TO_REDIS),
        Route("POST /jobs", "/jobs", str(folder / "jobs.lua"), TO_REDIS),
        Route("POST /genes/query (100)", "/genes/query", str(folder / "query.lua"), TO_REDIS),
    ]


def wrk(url: str, seconds: float, connections: int, script: str | None = None) -> tuple[float, float]:
    """Requests/s and p99 (ms) that wrk measured; every answer must be a 2xx, no socket may fail."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    output = subprocess.run([*command, *(["-s", script] if script else []), url],
                            capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failures against {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", output).groups()
    return rate, float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def requests_by_process(folder: Path) -> dict[int, float]:
    """hgnc_http_requests_total of each process so far, from its own file of the metrics folder."""
    counts: dict[int, float] = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.rpartition("_")[2])
        counts[pid] = sum(value for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path))
                          if json.loads(key)[1] == "hgnc_http_requests_total")
    return counts


def busiest_share(folder: Path, run: Callable[[], object]) -> float:
    before = requests_by_process(folder)
    run()
    after = requests_by_process(folder)
    served = [after[pid] - before.get(pid, 0) for pid in after]
    return max(served) / sum(served)


class SlowClient:
    """GET /data with gzip, read a little at a time for `seconds`, in a thread of its own."""

    def __init__(self, url: str, seconds: float) -> None:
        self.received = 0
        self._thread = threading.Thread(target=self._read, args=(url, seconds))

    def _read(self, url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with requests.get(f"{url}/data", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=60) as answer:
            while time.monotonic() < deadline:
                piece = answer.raw.read(16 * 1024, decode_content=False)
                if not piece:
                    raise RuntimeError(f"GET /data ended after {self.received} bytes: the reader was not slow enough")
                self.received += len(piece)
                time.sleep(0.25)

    def __enter__(self) -> "SlowClient":
        self._thread.start()
        time.sleep(1)  # its request is in
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.join()


@contextmanager
def old_release_tree(commit: str) -> Iterator[Path]:
    """The last release checked out in a temporary git worktree, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="hgnc-old-release-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), commit], cwd=REPO, check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=REPO, check=False)
        shutil.rmtree(folder.parent, ignore_errors=True)


@dataclass(frozen=True)
class Server:
    api: ServedApi
    metrics: Path  # its processes' metrics files
    job_id: str  # a job submitted to it

    def url(self, route: Route) -> str:
        return self.api.url + route.path.format(job=self.job_id)


def serve(stack: ExitStack, command: tuple[str, ...] | None, cwd: Path, name: str) -> Server:
    """A Redis and the API on it, the full set loaded, its processes' metrics in a folder we know."""
    store = stack.enter_context(redis_server())
    metrics = Path(tempfile.mkdtemp(prefix=f"hgnc-bench-{name}-"))
    stack.callback(shutil.rmtree, metrics, True)
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics), "WEB_CONCURRENCY": "2"}
    api = stack.enter_context(api_server(store, env, **({"command": command} if command else {}), cwd=cwd))
    api.client.post("/data", timeout=600).raise_for_status()
    job = api.client.post("/jobs", json=JOB, timeout=10)
    job.raise_for_status()
    return Server(api, metrics, job.json()["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every route (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--old", default=OLD_RELEASE, help=f"the release to compare with (default {OLD_RELEASE})")
    parser.add_argument("--share-runs", type=int, default=SHARE_RUNS, help=f"default {SHARE_RUNS}")
    parser.add_argument("--slow-rounds", type=int, default=3, help="pairs of runs with and without the slow "
                                                                   f"client, {SLOW_SECONDS} s each (default 3)")
    args = parser.parse_args()
    for tool in ("wrk", "git", "redis-server"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on the PATH (Debian: apt-get install -y wrk git redis-server)")
    OUT.mkdir(exist_ok=True)

    with ExitStack() as stack:
        old_tree = stack.enter_context(old_release_tree(args.old))
        servers = {"old": serve(stack, OLD_COMMAND, old_tree, "old"), "new": serve(stack, None, REPO, "new")}
        measured = routes(OUT)
        print(f"old: {args.old} under gunicorn (its gunicorn.conf.py); new: python -m entrypoints.serve "
              f"(granian); 2 processes each; wrk -t1 -c{args.connections} -d{args.duration}s, "
              f"{args.rounds} interleaved rounds after a warm-up; access log on in both\n")

        rate: dict[tuple[str, str], list[float]] = {}
        p99: dict[tuple[str, str], list[float]] = {}
        for route in measured:
            for server in servers.values():
                wrk(server.url(route), 2, args.connections, route.script)  # warm-up
        for round_number in range(args.rounds):
            order = ("old", "new") if round_number % 2 == 0 else ("new", "old")
            for route in measured:
                for name in order:
                    r, p = wrk(servers[name].url(route), args.duration, args.connections, route.script)
                    rate.setdefault((route.name, name), []).append(r)
                    p99.setdefault((route.name, name), []).append(p)
            print(f"round {round_number + 1}: " + "  ".join(
                f"{route.name} {rate[(route.name, 'new')][-1] / rate[(route.name, 'old')][-1]:.2f}x"
                for route in measured))

        # Each round's old and new runs are a pair measured moments apart: the median of the pairs'
        # ratios leaves out more of a shared machine's swings than the ratio of the medians.
        print(f"\n{'route':26} {'old req/s':>9} {'new req/s':>9} {'ratio':>6} {'paired':>7} {'target':>7}   "
              f"{'old p99':>8} {'new p99':>8}")
        for route in measured:
            old, new = median(rate[(route.name, "old")]), median(rate[(route.name, "new")])
            paired = median([n / o for o, n in zip(rate[(route.name, "old")], rate[(route.name, "new")])])
            old_p99, new_p99 = median(p99[(route.name, "old")]), median(p99[(route.name, "new")])
            verdict = "met" if paired >= route.target and new_p99 <= old_p99 else "NOT met"
            print(f"{route.name:26} {old:9.0f} {new:9.0f} {new / old:5.2f}x {paired:6.2f}x {route.target:5.1f}x   "
                  f"{old_p99:6.2f}ms {new_p99:6.2f}ms  {verdict}")

        print(f"\nshare of the requests of the busiest process, GET /genes/<id>, {args.share_runs} runs of 3 s, "
              f"{args.connections} connections opened at once (target: <= {MAX_SHARE:.0%} in every run)")
        gene = measured[1]
        for name, server in servers.items():
            shares = [busiest_share(server.metrics, lambda: wrk(server.url(gene), 3, args.connections, gene.script))
                      for _ in range(args.share_runs)]
            verdict = "met" if max(shares) <= MAX_SHARE else "NOT met"
            print(f"  {name}: " + " ".join(f"{share:.0%}" for share in shares) + f"   max {max(shares):.0%} {verdict}")

        print(f"\na slow client reading GET /data (gzip) for {SLOW_SECONDS} s: GET /genes/<id> req/s without "
              f"and with it (target: at most {MAX_SLOW_CLIENT_COST:.0%} less)")
        if args.slow_rounds:  # the target is the new server's own
            server = servers["new"]
            url = server.url(gene)
            alone, beside = [], []
            for round_number in range(args.slow_rounds):
                # Each pair's order alternates, so that a machine speeding up or slowing down over the
                # minute does not count for or against the slow client.
                for with_slow_client in ((False, True) if round_number % 2 == 0 else (True, False)):
                    if with_slow_client:
                        with SlowClient(server.api.url, SLOW_SECONDS):
                            beside.append(wrk(url, SLOW_SECONDS - 2, args.connections, gene.script)[0])
                    else:
                        alone.append(wrk(url, SLOW_SECONDS - 2, args.connections, gene.script)[0])
            cost = 1 - median([with_it / without for without, with_it in zip(alone, beside)])
            verdict = "met" if cost <= MAX_SLOW_CLIENT_COST else "NOT met"
            print(f"  new: without {' '.join(f'{r:.0f}' for r in alone)}, with {' '.join(f'{r:.0f}' for r in beside)}"
                  f" req/s: it costs {cost:.1%} of the rate (paired median; below 0: none, the runs were faster)"
                  f"  {verdict}")


if __name__ == "__main__":
    main()
