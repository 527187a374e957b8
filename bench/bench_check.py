"""The multi-symbol checker: symbols a second for 10,000 mixed inputs, against the same inputs through POST /genes/query.

Run from the repository root: `python -m bench.bench_check [--rounds 5]`. It starts its own
redis-server and the API as the image serves it (`python -m entrypoints.serve`), loads the full set
and HGNC's withdrawn entries (tests/data), then draws 10,000 inputs: approved, previous and alias
symbols, withdrawn symbols and unmatched text, a fifth each, in any case. In each round, on one
keep-alive connection, in turns:

- `POST /genes/check` of the 10,000 in one request, and in ten of 1,000;
- `POST /genes/query` of the same inputs, scope `symbol`, fields `symbol`, `name`, `location`
  (what the checker answers), in ten requests of 1,000 (its limit a request).

It prints the median symbols a second of each and the ratio checker / query (target >= 1.0: no
slower per term). Compare the ratio, measured in the same run: the machine is shared.
"""
from __future__ import annotations

import argparse
import gzip
import random
import time
from typing import Any, Callable

import requests

from bench.harness import REPO, api_server, median, redis_server

INPUTS = 10_000
QUERY_BATCH = 1_000
TARGET = 1.0
WITHDRAWN = REPO / "tests" / "data" / "hgnc_custom_download_2024-07-23.tsv.gz"  # its withdrawn rows


def mixed_inputs(records: list[dict[str, Any]], withdrawn: list[str], seed: int) -> list[str]:
    chooser = random.Random(seed)
    previous = [name for record in records for name in record.get("prev_symbol", ())]
    aliases = [name for record in records for name in record.get("alias_symbol", ())]
    kinds = [[record["symbol"] for record in records], previous, aliases, withdrawn]
    inputs = [chooser.choice(kind) for kind in kinds for _ in range(INPUTS // 5)]
    inputs += [f"NOSUCH{chooser.randrange(10**6)}" for _ in range(INPUTS - len(inputs))]
    inputs = [text.lower() if chooser.random() < 0.3 else text for text in inputs]
    chooser.shuffle(inputs)
    return inputs


def timed(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    args = parser.parse_args()
    rows = gzip.decompress(WITHDRAWN.read_bytes()).decode("utf-8").splitlines()[1:]
    withdrawn = [fields[1] for fields in (line.split("\t") for line in rows) if fields[3] != "Approved"]

    with redis_server() as store, api_server(store) as api, requests.Session() as http:
        http.post(f"{api.url}/data", timeout=600).raise_for_status()
        http.post(f"{api.url}/data/withdrawn", data=WITHDRAWN.read_bytes(), timeout=600).raise_for_status()
        records = http.get(f"{api.url}/data", timeout=600).json()

        def check(inputs: list[str], batch: int) -> None:
            for start in range(0, len(inputs), batch):
                answer = http.post(f"{api.url}/genes/check", json=inputs[start:start + batch], timeout=120)
                assert answer.status_code == 200, answer.text[:300]

        def query(inputs: list[str]) -> None:
            for start in range(0, len(inputs), QUERY_BATCH):
                answer = http.post(f"{api.url}/genes/query", timeout=120, json={
                    "q": inputs[start:start + QUERY_BATCH], "scopes": ["symbol"],
                    "fields": ["symbol", "name", "location"]})
                assert answer.status_code == 200, answer.text[:300]

        warm = mixed_inputs(records, withdrawn, seed=-1)
        check(warm, INPUTS), query(warm)  # every worker's held hashes read, none measured
        rates: dict[str, list[float]] = {"check": [], "check_batched": [], "query": []}
        print(f"{len(records)} genes and {len(withdrawn)} withdrawn entries loaded; {args.rounds} rounds of "
              f"{INPUTS:,} mixed inputs\n")
        for round_number in range(args.rounds):
            inputs = mixed_inputs(records, withdrawn, seed=round_number)
            runs = {"check": lambda: check(inputs, INPUTS), "check_batched": lambda: check(inputs, QUERY_BATCH),
                    "query": lambda: query(inputs)}
            order = list(runs)[round_number % 3:] + list(runs)[:round_number % 3]
            for name in order:
                rates[name].append(INPUTS / timed(runs[name]))
            print(f"round {round_number + 1}: " + "   ".join(
                f"{name} {rates[name][-1]:,.0f} symbols/s" for name in runs))

    ratios = [check / query for check, query in zip(rates["check"], rates["query"])]
    batched = [check / query for check, query in zip(rates["check_batched"], rates["query"])]
    ratio = median(ratios)
    print()
    print(f"POST /genes/check, one request of {INPUTS:,}: median {median(rates['check']):,.0f} symbols/s")
    print(f"POST /genes/check, ten requests of {QUERY_BATCH:,}: median {median(rates['check_batched']):,.0f} symbols/s")
    print(f"POST /genes/query, ten requests of {QUERY_BATCH:,}: median {median(rates['query']):,.0f} symbols/s")
    print(f"checker / query, per term: median of the rounds' ratios {ratio:.2f} (ten of {QUERY_BATCH:,}: "
          f"{median(batched):.2f})   target >= {TARGET:.1f}: {'met' if ratio >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
