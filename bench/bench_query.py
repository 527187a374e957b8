"""Lookups: one batch of 1,000 symbols against 1,000 single requests; GET /genes?entrez_id= against /help.

Run from the repository root: `python -m bench.bench_query [--rounds 3 --duration 10]`. It starts its
own redis-server and the API as the image serves it (entrypoints.serve), loads the full
set, then, in rounds:

- (1) one `POST /genes/query` of 1,000 symbols (approved, previous or alias, picked at random from
  the set) against the same 1,000 symbols asked one after another with `GET /genes?symbol=` on one
  keep-alive connection: the ratio of their times (target >= 20x);
- (2) wrk against `GET /genes?entrez_id=<a random Entrez id of the set>` and against `GET /help`:
  the median of the rounds' ratios of their requests/s (target >= 0.7); and against
  `GET /genes/<a random hgnc_id>`, the other route served from what an API process holds.

And once: `GET /data` plain against gzip (`Accept-Encoding: gzip`, streamed): bytes and seconds.
Compare ratios measured in the same run, not absolute figures: the machine is shared.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import time


from bench.harness import OUT, api_server, median, random_request_script, redis_server, wrk_cpu
from tests.support import ApiClient

BATCH_TERMS = 1_000
BATCH_TARGET = 20.0
LOOKUP_TARGET = 0.70
TRIVIAL_ROUTE = "/help"
# The lookup, the trivial route, and GET /genes/<id>: a record, held as the indexes are.
ROUTES = ("lookup", "trivial", "record")
LABELS = {"lookup": "GET /genes?entrez_id=", "trivial": f"GET {TRIVIAL_ROUTE}", "record": "GET /genes/<id>"}



def batch_against_singles(api: ApiClient, symbols: list[str]) -> tuple[float, float]:
    """Seconds of one POST /genes/query of `symbols`, and of one GET /genes?symbol= each, one after another."""
    started = time.perf_counter()
    batch = api.post("/genes/query", json={"q": symbols, "scopes": ["symbol"], "fields": ["symbol"]}, timeout=60)
    batch_seconds = time.perf_counter() - started
    assert batch.status_code == 200, batch.text[:300]
    started = time.perf_counter()
    for symbol in symbols:
        single = api.get("/genes", params={"symbol": symbol}, timeout=10)
        assert single.status_code == 200 and single.json(), (symbol, single.text[:200])
    return batch_seconds, time.perf_counter() - started


def export_sizes(api: ApiClient) -> dict[str, tuple[int, float]]:
    """GET /data plain and gzip: bytes on the wire and seconds to the last byte."""
    sizes = {}
    for encoding in ("identity", "gzip"):
        started, size = time.perf_counter(), 0
        with api.get("/data", headers={"Accept-Encoding": encoding}, stream=True, timeout=600) as answer:
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

    with redis_server() as store, api_server(store) as api:
        api.client.post("/data", timeout=600).raise_for_status()
        records = api.client.get("/data", timeout=600).json()
        names = [name for record in records
                 for name in (record["symbol"], *record.get("prev_symbol", ()), *record.get("alias_symbol", ()))]
        entrez_ids = [record["entrez_id"] for record in records if "entrez_id" in record]
        OUT.mkdir(exist_ok=True)
        scripts = {}  # the routes wrk asks, each with a random value of the set per request
        for route, path, values in (("lookup", "/genes?entrez_id=", entrez_ids),
                                    ("record", "/genes/", [record["hgnc_id"] for record in records])):
            (OUT / f"{route}_values.txt").write_text("\n".join(values) + "\n")
            scripts[route] = OUT / f"random_{route}.lua"
            scripts[route].write_text(random_request_script(OUT / f"{route}_values.txt", path))
        servers = {"workers": tuple(api.worker_pids()), "redis_pid": store.info("server")["process_id"]}
        shape = dict(seconds=args.duration, connections=args.connections, threads=1, **servers)

        def measure(route: str, seconds: int = args.duration) -> tuple[float, float, float]:
            if route == "trivial":
                return wrk_cpu(f"{api.url}{TRIVIAL_ROUTE}", **{**shape, "seconds": seconds})
            return wrk_cpu(api.url, **{**shape, "seconds": seconds}, script=str(scripts[route]))

        print(f"{len(records)} genes loaded; {args.rounds} rounds, the routes in turn; wrk -t1 "
              f"-c{args.connections} -d{args.duration}s\n")
        for route in ROUTES:
            measure(route, seconds=2)  # warm-up

        batch_ratios: list[float] = []
        rates: dict[str, list[float]] = {route: [] for route in ROUTES}
        cpu: dict[str, list[float]] = {route: [] for route in ROUTES}  # µs a request, server processes + Redis
        for round_number in range(args.rounds):
            symbols = random.Random(round_number).sample(names, BATCH_TERMS)
            batch_seconds, singles_seconds = batch_against_singles(api.client, symbols)
            batch_ratios.append(singles_seconds / batch_seconds)
            for route in ROUTES[round_number % 3:] + ROUTES[:round_number % 3]:
                rate, workers_cpu, redis_cpu = measure(route)
                rates[route].append(rate)
                cpu[route].append(workers_cpu + redis_cpu)
            print(f"round {round_number + 1}: POST /genes/query of {BATCH_TERMS} symbols {batch_seconds:.3f} s, "
                  f"{BATCH_TERMS} GET /genes?symbol= {singles_seconds:.3f} s: {batch_ratios[-1]:.1f}x   "
                  + "   ".join(f"{LABELS[route]} {rates[route][-1]:.0f} req/s" for route in ROUTES)
                  + f"   lookup/{TRIVIAL_ROUTE} {rates['lookup'][-1] / rates['trivial'][-1]:.2f}")
        sizes = export_sizes(api.client)

    batch = median(batch_ratios)
    # Each round's own ratio, its two routes measured within seconds of each other: a spell of a
    # slower machine (these are shared; a run often has one round at a third of the speed) then
    # weighs on both sides of one ratio, not on one side of the ratio of two medians.
    lookup_ratio = median([lookup / trivial for lookup, trivial in zip(rates["lookup"], rates["trivial"])])
    trivial_cpu, lookup_cpu, record_cpu = (median(cpu[route]) for route in ("trivial", "lookup", "record"))
    print()
    print(f"(1) batch of {BATCH_TERMS} against {BATCH_TERMS} single requests: median {batch:.1f}x   "
          f"target >= {BATCH_TARGET:.0f}x: {'met' if batch >= BATCH_TARGET else 'NOT met'}")
    print(f"(2) GET /genes?entrez_id= against GET {TRIVIAL_ROUTE}, req/s: median of the rounds' ratios "
          f"{lookup_ratio:.2f}   target >= {LOOKUP_TARGET:.2f}: {'met' if lookup_ratio >= LOOKUP_TARGET else 'NOT met'}")
    print(f"    (medians {median(rates['lookup']):.0f} and {median(rates['trivial']):.0f} req/s: ratio "
          f"{median(rates['lookup']) / median(rates['trivial']):.2f})")
    print(f"    CPU a request (server processes + Redis): lookup {lookup_cpu:.0f} µs, {TRIVIAL_ROUTE} "
          f"{trivial_cpu:.0f} µs: {trivial_cpu / lookup_cpu:.2f} (the ratio to expect where the cores are the "
          f"limit, steadier than requests/s on a busy machine)")
    print(f"    beside them: GET /genes/<random id> {record_cpu:.0f} µs, "
          f"{median(rates['record']):.0f} req/s; {TRIVIAL_ROUTE} / it by CPU {trivial_cpu / record_cpu:.2f}, "
          f"the lookup / it {record_cpu / lookup_cpu:.2f}")
    (plain, plain_seconds), (zipped, zipped_seconds) = sizes["identity"], sizes["gzip"]
    print(f"GET /data: {plain / 1e6:.1f} MB in {plain_seconds:.2f} s plain, {zipped / 1e6:.1f} MB in "
          f"{zipped_seconds:.2f} s gzip ({plain / zipped:.1f}x smaller), both streamed")


if __name__ == "__main__":
    main()
