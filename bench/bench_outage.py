"""Gene reads through a Redis outage: requests/s with Redis down against Redis up, in one run.

    python -m bench.bench_outage [--rounds 3] [--duration 10]     (from the repository root)

Starts its own redis-server (append-only, in a temporary folder, on a free port) and the API under
`python -m entrypoints.serve`, loads the full set, warms every server process on both routes, then in rounds: wrk
against `GET /genes/<random id>` and `GET /genes?entrez_id=<random id>` with Redis up, then the
same with Redis stopped (SIGTERM); the next round down first, then up with Redis started again
from its file. wrk fails the run on any non-2xx answer: every read of the outage was answered.
Prints, for each route, the median of the rounds' ratios down / up (target >= 0.9, issue 22), the
ratio of the medians, and the CPU a request of the server's processes (the steadier figure on a
shared machine).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path


from bench.harness import OUT, ServedApi, api_server, median, random_request_script, wrk_cpu
from tests.support import RedisServer, eventually

TARGET_RATIO = 0.9
ROUTES = {"record": ("GET /genes/<random id>", "/genes/"), "lookup": ("GET /genes?entrez_id=", "/genes?entrez_id=")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of Redis up, then down (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not on the PATH (Debian: apt-get install -y wrk)")

    with tempfile.TemporaryDirectory(prefix="bench-outage-") as folder:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("redis-server is not on the PATH (Debian: apt-get install -y redis-server)")
        # Append-only: stopped (SIGTERM flushes the file) and started again on its port, it keeps the set.
        store = RedisServer(binary, Path(folder), appendonly=True).start()
        try:
            with api_server(store.client()) as api:
                rates, cpu = measure(api, store, args)
        finally:
            store.stop()

    print()
    for route, (label, _) in ROUTES.items():
        up, down = median(rates[route, "up"]), median(rates[route, "down"])
        cpu_up, cpu_down = median(cpu[route, "up"]), median(cpu[route, "down"])
        round_ratios = [d / u for u, d in zip(rates[route, "up"], rates[route, "down"])]
        ratio = median(round_ratios)  # each round's pair measured seconds apart: the machine's drift cancels
        print(f"{label:24} Redis up {up:6.0f} req/s ({cpu_up:4.0f} µs CPU a request), down {down:6.0f} req/s "
              f"({cpu_down:4.0f} µs): down/up, median of the rounds' ratios {ratio:.2f} "
              f"(rounds {' '.join(f'{r:.2f}' for r in round_ratios)}; of the medians {down / up:.2f}; "
              f"by CPU a request {cpu_up / cpu_down:.2f}); target >= {TARGET_RATIO}: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")


def measure(api: ServedApi, store: RedisServer,
            args: argparse.Namespace) -> tuple[dict[tuple[str, str], list[float]], dict[tuple[str, str], list[float]]]:
    api.client.post("/data", timeout=600).raise_for_status()
    records = api.client.get("/data", timeout=600).json()
    values = {"record": [record["hgnc_id"] for record in records],
              "lookup": [record["entrez_id"] for record in records if "entrez_id" in record]}
    OUT.mkdir(exist_ok=True)
    scripts = {}
    for route, (_, path) in ROUTES.items():
        (OUT / f"outage_{route}_values.txt").write_text("\n".join(values[route]) + "\n")
        scripts[route] = OUT / f"outage_{route}.lua"
        scripts[route].write_text(random_request_script(OUT / f"outage_{route}_values.txt", path))
    # wrk's third figure, Redis's CPU, is left aside: Redis is down for half the runs (the master's pid stands in).
    shape = dict(seconds=args.duration, connections=args.connections, threads=1,
                 workers=tuple(api.worker_pids()), redis_pid=api.process.pid)
    print(f"{len(records)} genes loaded; {args.rounds} rounds of Redis up, then down; "
          f"wrk -t1 -c{args.connections} -d{args.duration}s\n")
    for route in ROUTES:  # every server process holds the records and the index (wrk re-runs one-sided runs)
        wrk_cpu(api.url, **{**shape, "seconds": 2}, script=str(scripts[route]))
    rates: dict[tuple[str, str], list[float]] = {(r, s): [] for r in ROUTES for s in ("up", "down")}
    cpu: dict[tuple[str, str], list[float]] = {(r, s): [] for r in ROUTES for s in ("up", "down")}
    for round_number in range(args.rounds):  # up, down; then down, up: each pair measured side by side
        for state in ("up", "down") if round_number % 2 == 0 else ("down", "up"):
            if state == "down" and round_number % 2 == 0:
                store.stop()
            elif state == "up" and round_number % 2 == 1:
                store.start()
                eventually(api.client.is_healthy, 120, "the API reaching Redis again", interval=0.1)
            for route in ROUTES:
                rate, workers_cpu, _ = wrk_cpu(api.url, **shape, script=str(scripts[route]))
                rates[route, state].append(rate)
                cpu[route, state].append(workers_cpu)
        print(f"round {round_number + 1}: " + "   ".join(
            f"{ROUTES[route][0]} up {rates[route, 'up'][-1]:5.0f} down {rates[route, 'down'][-1]:5.0f} req/s"
            for route in ROUTES))
    return rates, cpu


if __name__ == "__main__":
    main()
