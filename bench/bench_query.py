"""Lookups: one batch of 1,000 symbols against 1,000 single requests; GET /genes?entrez_id= against /help.

Run from the repository root: `python -m bench.bench_query [--rounds 3 --duration 10]`. It starts its
own redis-server and the API under gunicorn with the repository's gunicorn.conf.py, loads the full
set, then, in alternating rounds:

- (1) one `POST /genes/query` of 1,000 symbols (approved, previous or alias, picked at random from
  the set) against the same 1,000 symbols asked one after another with `GET /genes?symbol=` on one
  keep-alive connection: the ratio of their times (target >= 20x);
- (2) wrk against `GET /genes?entrez_id=<a random Entrez id of the set>` and against `GET /help`:
  the ratio of their requests/s (target >= 0.7).

And once: `GET /data` plain against gzip (`Accept-Encoding: gzip`, streamed): bytes and seconds.
Compare ratios measured in the same run, not absolute figures: the machine is shared.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import time

import requests

from bench.bench_serve import random_request_script, wrk
from bench.harness import OUT, gunicorn_api, median, redis_server

BATCH_TERMS = 1_000
BATCH_TARGET = 20.0
LOOKUP_TARGET = 0.70
TRIVIAL_ROUTE = "/help"



def batch_against_singles(url: str, symbols: list[str]) -> tuple[float, float]:
    """Seconds of one POST /genes/query of `symbols`, and of one GET /genes?symbol= each, one after another."""
    with requests.Session() as http:
        started = time.perf_counter()
        batch = http.post(f"{url}/genes/query", json={"q": symbols, "scopes": ["symbol"], "fields": ["symbol"]},
                          timeout=60)
        batch_seconds = time.perf_counter() - started
        assert batch.status_code == 200, batch.text[:300]
        started = time.perf_counter()
        for symbol in symbols:
            single = http.get(f"{url}/genes", params={"symbol": symbol}, timeout=10)
            assert single.status_code == 200 and single.json(), (symbol, single.text[:200])
        return batch_seconds, time.perf_counter() - started


def export_sizes(url: str) -> dict[str, tuple[int, float]]:
    """GET /data plain and gzip: bytes on the wire and seconds to the last byte."""
    sizes = {}
    for encoding in ("identity", "gzip"):
        started, size = time.perf_counter(), 0
        with requests.get(f"{url}/data", headers={"Accept-Encoding": encoding}, stream=True, timeout=600) as answer:
            answer.raise_for_status()
            for chunk in answer.raw.stream(1 << 16, decode_content=False):
                size += len(chunk)
        sizes[encoding] = (size, time.perf_counter() - started)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not on the PATH (Debian: apt-get install -y wrk)")

    with redis_server() as store, gunicorn_api(store) as api:
        requests.post(f"{api.url}/data", timeout=600).raise_for_status()
        records = requests.get(f"{api.url}/data", timeout=600).json()
        names = [name for record in records
                 for name in (record["symbol"], *record.get("prev_symbol", ()), *record.get("alias_symbol", ()))]
        entrez_ids = [record["entrez_id"] for record in records if "entrez_id" in record]
        OUT.mkdir(exist_ok=True)
        (OUT / "entrez_ids.txt").write_text("\n".join(entrez_ids) + "\n")
        script = OUT / "random_entrez.lua"
        script.write_text(random_request_script(OUT / "entrez_ids.txt", "/genes?entrez_id="))
        servers = {"workers": tuple(api.worker_pids()), "redis_pid": store.info("server")["process_id"]}
        shape = dict(seconds=args.duration, connections=args.connections, threads=1, **servers)
        print(f"{len(records)} genes loaded; {args.rounds} alternating rounds; wrk -t1 -c{args.connections} "
              f"-d{args.duration}s\n")
        wrk(api.url, **{**shape, "seconds": 2}, script=str(script))
        wrk(f"{api.url}{TRIVIAL_ROUTE}", **{**shape, "seconds": 2})

        batch_ratios, lookups, trivial = [], [], []
        cpu: dict[str, list[float]] = {"lookup": [], "trivial": []}  # µs a request, gunicorn workers + Redis
        for round_number in range(args.rounds):
            symbols = random.Random(round_number).sample(names, BATCH_TERMS)
            batch_seconds, singles_seconds = batch_against_singles(api.url, symbols)
            batch_ratios.append(singles_seconds / batch_seconds)
            order = ("lookup", "trivial") if round_number % 2 == 0 else ("trivial", "lookup")
            for name in order:
                if name == "lookup":
                    rate, workers_cpu, redis_cpu = wrk(api.url, **shape, script=str(script))
                    lookups.append(rate)
                else:
                    rate, workers_cpu, redis_cpu = wrk(f"{api.url}{TRIVIAL_ROUTE}", **shape)
                    trivial.append(rate)
                cpu[name].append(workers_cpu + redis_cpu)
            print(f"round {round_number + 1}: POST /genes/query of {BATCH_TERMS} symbols {batch_seconds:.3f} s, "
                  f"{BATCH_TERMS} GET /genes?symbol= {singles_seconds:.3f} s: {batch_ratios[-1]:.1f}x   "
                  f"GET /genes?entrez_id= {lookups[-1]:.0f} req/s, GET {TRIVIAL_ROUTE} {trivial[-1]:.0f} req/s: "
                  f"{lookups[-1] / trivial[-1]:.2f}")
        sizes = export_sizes(api.url)

    batch = median(batch_ratios)
    lookup_ratio = median(lookups) / median(trivial)
    print()
    print(f"(1) batch of {BATCH_TERMS} against {BATCH_TERMS} single requests: median {batch:.1f}x   "
          f"target >= {BATCH_TARGET:.0f}x: {'met' if batch >= BATCH_TARGET else 'NOT met'}")
    print(f"(2) GET /genes?entrez_id= median {median(lookups):.0f} req/s against GET {TRIVIAL_ROUTE} "
          f"{median(trivial):.0f} req/s: {lookup_ratio:.2f}   target >= {LOOKUP_TARGET:.2f}: "
          f"{'met' if lookup_ratio >= LOOKUP_TARGET else 'NOT met'}")
    print(f"    CPU a request (gunicorn workers + Redis): lookup {median(cpu['lookup']):.0f} µs, {TRIVIAL_ROUTE} "
          f"{median(cpu['trivial']):.0f} µs: {median(cpu['trivial']) / median(cpu['lookup']):.2f} (the ratio to expect "
          f"where the cores are the limit, steadier than requests/s on a busy machine)")
    (plain, plain_seconds), (zipped, zipped_seconds) = sizes["identity"], sizes["gzip"]
    print(f"GET /data: {plain / 1e6:.1f} MB in {plain_seconds:.2f} s plain, {zipped / 1e6:.1f} MB in "
          f"{zipped_seconds:.2f} s gzip ({plain / zipped:.1f}x smaller), both streamed")


if __name__ == "__main__":
    main()
