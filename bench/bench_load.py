"""Load speed: POST /data against the cost of reading the file alone; GET /data's time and memory.

Run from the repository root: `python -m bench.bench_load [--repeat 5]`. It starts its own
redis-server and the API as the image serves it (one process, so that one process does every request and
its memory can be read), and interleaves the measurements so that the machine's noise falls on all
of them alike: compare the ratios, not the absolute times.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import orjson
import redis

from adapters.hgnc_format import parse_genes
from adapters.redis_gene_load import WRITE_BATCH, EncodedGeneSet, encode_record
from bench.harness import DATA, api_server, cpu_seconds, median, memory_kib, redis_server, reset_peak_memory, runs
from tests.support import ApiClient

TARGET_RATIO = 1.3  # (b)'s CPU over (a+)'s (issue 21), and (b)'s wall time over (a)'s (the first target)
# Half the API process's peak over the loads of the release before issue 21 (362 MiB, the pinned set).
TARGET_PEAK_MIB = 181
NAIVE_DB = 9  # the naive reference writes beside the API's data (db 0), never into it


def parse_and_encode(path: Path) -> int:
    """(a) What reading the file costs: read, decompress, parse and encode every record to JSON."""
    count = 0
    for gene in parse_genes(path.read_bytes()):
        encode_record(gene.record)
        count += 1
    return count


def parse_encode_and_index(path: Path) -> int:
    """(a+) Every bit of CPU work a load does without Redis: (a), the names and lookup indexes, the summaries."""
    encoded = EncodedGeneSet()
    for number, gene in enumerate(parse_genes(path.read_bytes()), start=1):
        encoded.add(gene)
        if number % WRITE_BATCH == 0:
            encoded.batch_indexes()
    encoded.batch_indexes()
    encoded.final_indexes()
    encoded.summaries()
    encoded.meta(str(path))
    return encoded.count


def naive_load(path: Path, store: redis.Redis) -> int:
    """The reference the issue names: one SET, hence one round trip, per gene."""
    count = 0
    for gene in parse_genes(path.read_bytes()):
        store.set(f"naive:{gene.hgnc_id}", encode_record(gene.record))
        count += 1
    return count


def post_data(api: ApiClient) -> int:
    response = api.post("/data", timeout=600)
    if response.status_code != 201:
        raise RuntimeError(f"POST /data answered {response.status_code}: {response.text[:500]}")
    return response.json()["count"]


def get_data(api: ApiClient, keep: bool = False, encoding: str = "identity") -> tuple[int, bytes]:
    """GET /data read to its last byte, asking for `encoding` ("identity": as stored; "gzip": compressed
    as it streams): its size as sent, and the body itself if `keep`."""
    size, chunks = 0, []
    with api.get("/data", stream=True, timeout=600, headers={"Accept-Encoding": encoding}) as response:
        response.raise_for_status()
        for chunk in response.raw.stream(1 << 16, decode_content=False):
            size += len(chunk)
            if keep:
                chunks.append(chunk)
    return size, b"".join(chunks)


def timed(action, *args, pid: int | None = None):  # type: ignore[no-untyped-def]
    """Wall seconds, CPU seconds (of process `pid`, else of this one) and the result of `action(*args)`."""
    cpu = (lambda: cpu_seconds(pid)) if pid else time.process_time
    started, started_cpu = time.perf_counter(), cpu()
    result = action(*args)
    return time.perf_counter() - started, cpu() - started_cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each measurement (default 5)")
    parser.add_argument("--naive-repeat", type=int, default=2, help="repetitions of the naive load (default 2; 0 skips it)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"the HGNC set to load (default {DATA})")
    args = parser.parse_args()
    path: Path = args.data

    with redis_server() as store:
        with api_server(store, {"WEB_CONCURRENCY": "1", "HGNC_SOURCE": str(path)}) as api:
            (worker,) = api.worker_pids()
            print(f"data: {path} ({path.stat().st_size / 1e6:.1f} MB); API: entrypoints.serve, 1 process; "
                  f"{args.repeat} repetitions, interleaved, after one warm-up of each\n")
            rss_fresh = memory_kib(worker)["VmRSS"]
            count = parse_and_encode(path)
            parse_encode_and_index(path)
            post_data(api.client)
            reset_peak_memory(worker)

            alone, indexed, loads = [], [], []
            for _ in range(args.repeat):
                alone.append(timed(parse_and_encode, path)[:2])
                indexed.append(timed(parse_encode_and_index, path)[:2])
                *measured, loaded = timed(post_data, api.client, pid=worker)
                loads.append(tuple(measured))
                if loaded != count:
                    raise RuntimeError(f"POST /data loaded {loaded} genes, the file holds {count}")
            load_peak = memory_kib(worker)["VmHWM"]

        naive: list[float] = []
        if args.naive_repeat:
            naive_store = redis.Redis(port=store.connection_pool.connection_kwargs["port"], db=NAIVE_DB)
            for _ in range(args.naive_repeat):
                naive_store.flushdb()
                naive.append(timed(naive_load, path, naive_store)[0])
            naive_store.flushdb()

        # A fresh API process for the export, so that its memory is not the loads' high-water mark.
        with api_server(store, {"WEB_CONCURRENCY": "1", "HGNC_SOURCE": str(path)}) as api:
            (worker,) = api.worker_pids()
            rss_before_export = memory_kib(worker)["VmRSS"]
            reset_peak_memory(worker)
            exports, zipped_exports = [], []
            for _ in range(args.repeat):
                exports.append(timed(get_data, api.client)[0])
                zipped_exports.append(timed(get_data, api.client, False, "gzip")[0])
            export_peak = memory_kib(worker)["VmHWM"]
            size, body = get_data(api.client, keep=True)
            zipped_size = get_data(api.client, encoding="gzip")[0]
            exported = len(orjson.loads(body))

    wall = {name: median([m[0] for m in measured]) for name, measured in (("a", alone), ("a+", indexed), ("b", loads))}
    cpu = {name: median([m[1] for m in measured]) for name, measured in (("a", alone), ("a+", indexed), ("b", loads))}
    a, a_plus, b = wall["a"], wall["a+"], wall["b"]
    print(f"{count} genes; wall seconds (CPU seconds of the process doing the work)")
    print(f"(a)  parse + encode the records alone    median {a:.3f} s ({cpu['a']:.3f})   runs: {runs([m[0] for m in alone])}")
    print(f"(a+) (a) + indexes + summaries          median {a_plus:.3f} s ({cpu['a+']:.3f})   runs: {runs([m[0] for m in indexed])}")
    print(f"(b)  POST /data, API worker -> Redis     median {b:.3f} s ({cpu['b']:.3f})   runs: {runs([m[0] for m in loads])}")
    print(f"ratio (b)/(a)  = {b / a:.2f}x (CPU {cpu['b'] / cpu['a']:.2f}x)   target <= {TARGET_RATIO}x: "
          f"{'met' if b / a <= TARGET_RATIO else 'NOT met'}")
    print(f"ratio (b)/(a+) = {b / a_plus:.2f}x (CPU {cpu['b'] / cpu['a+']:.2f}x)   target CPU <= {TARGET_RATIO}x: "
          f"{'met' if cpu['b'] / cpu['a+'] <= TARGET_RATIO else 'NOT met'}   (what Redis adds to the load's own CPU work)")
    if naive:
        n = median(naive)
        print(f"naive, one SET per gene                  median {n:.3f} s   runs: {runs(naive)}   = {n / b:.1f}x (b)")
    print(f"API worker RSS: {rss_fresh / 1024:.0f} MiB fresh, peak {load_peak / 1024:.0f} MiB over the loads   "
          f"target <= {TARGET_PEAK_MIB} MiB: {'met' if load_peak / 1024 <= TARGET_PEAK_MIB else 'NOT met'}")
    print()
    print(f"GET /data: {exported} records, {size / 1e6:.1f} MB, streamed")
    print(f"GET /data                                median {median(exports):.3f} s   runs: {runs(exports)}")
    print(f"GET /data, gzip ({zipped_size / 1e6:.1f} MB)".ljust(41) + f"median {median(zipped_exports):.3f} s   "
          f"runs: {runs(zipped_exports)}   (compressed as it streams)")
    print(f"API worker RSS (a fresh worker): {rss_before_export / 1024:.0f} MiB before, peak {export_peak / 1024:.0f} MiB "
          f"during the exports (+{(export_peak - rss_before_export) / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
