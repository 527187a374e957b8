"""Writing a whole gene set into a new set: the CPU work of encoding it, and a writer thread."""
from __future__ import annotations

import gc
import json
import time
from collections import deque
from dataclasses import dataclass
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Mapping

import orjson
import redis
from redis.client import Pipeline

from adapters.redis_gene_index import flat, name_entries, write_lookups, write_names
from adapters.redis_gene_keys import SET_FORMAT, set_key
from adapters.redis_gene_summaries import encode_summary_rows, summary_row
from genes.errors import InvalidGeneSource, InvalidRelease, StoreUnavailable
from genes.gene import Gene
from genes.lookup import LookupIndex
from genes.name_index import NameIndex

WRITE_BATCH = 2_000
WRITES_IN_FLIGHT = 2  # batches queued for the writer thread: enough to overlap, bounded in memory


def encode_record(record: Mapping[str, Any]) -> bytes:
    """A record as compact UTF-8 JSON, as `json.dumps(ensure_ascii=False, separators=(",", ":"))` gives it."""
    try:
        # A copy of its own size: orjson's answer keeps the ~8 KiB buffer it was written into, and a
        # load holds a few batches of 2,000 records (~60 MiB more at its peak, for ~1 µs a record).
        return memoryview(orjson.dumps(record)).tobytes()
    except orjson.JSONEncodeError:  # e.g. a JSON source nested deeper than orjson writes (254 levels)
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


class EncodedGeneSet:
    """Everything a load stores besides the records' order, built gene by gene: CPU work only, no Redis.

    The indexes come in two parts so that most of them are written while the source is still
    being read: `batch_indexes` hands over the entries first seen since its last call (98% of the
    names and nearly every accession are never seen again: their entry is final), `final_indexes`
    the final entries of the rest (names and accessions seen more than once, and the fields with
    few values: locations, locus types and groups), which overwrite the first ones. Kept apart
    from the writing so that a benchmark can time exactly this work against a whole load.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._names = NameIndex()
        self._lookups = LookupIndex()
        self._fresh_names: dict[str, str] = {}  # first seen since the last `batch_indexes()`
        self._batch_ids: list[str] = []
        self._batch_rows: list[tuple[Any, ...]] = []
        # Tuples of text, which the garbage collector soon stops tracking: keeping 43,882
        # GeneSummary objects instead cost each load ~50-100 ms more in collections.
        self._summary_rows: list[tuple[str | None, ...]] = []
        # One text object per distinct date, locus group, type or chromosome: a row would otherwise
        # hold its gene's own copies until the load ends (~8 MiB of the full set's peak).
        self._summary_texts: dict[str | None, str | None] = {}
        self._fields: set[str] = set()
        self._last_modified = ""

    @property
    def count(self) -> int:
        return len(self._seen)

    def add(self, gene: Gene) -> bytes:
        """Take one gene into the indexes; its record, encoded."""
        hgnc_id = gene.hgnc_id
        if hgnc_id in self._seen:
            raise InvalidGeneSource(f"{hgnc_id} appears twice in the source")
        self._seen.add(hgnc_id)
        for name in self._names.add(gene):
            self._fresh_names[name] = hgnc_id
        record = gene.record
        self._batch_ids.append(hgnc_id)
        self._batch_rows.append(LookupIndex.row_of(gene))
        self._fields.update(record)
        modified = record.get("date_modified")
        if isinstance(modified, str) and modified > self._last_modified:
            self._last_modified = modified
        summary_id, *texts = summary_row(gene.summary())
        self._summary_rows.append((summary_id, *map(self._summary_texts.setdefault, texts, texts)))
        return encode_record(gene.record)

    def batch_indexes(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """The names first seen since the last call, each with the one id found so far; the
        lookup entries of the genes added since, per field, flat (term, id, term, id, ...)."""
        ids, rows = self._batch_ids, self._batch_rows
        self._batch_ids, self._batch_rows = [], []
        fresh, self._fresh_names = self._fresh_names, {}
        return fresh, self._lookups.add_rows(ids, rows)

    def final_indexes(self) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """The final entries of the names and lookup terms seen more than once."""
        return name_entries(self._names, self._names.shared_names()), self._lookups.final_entries()

    def summaries(self) -> bytes:
        return encode_summary_rows(self._summary_rows)

    def release(self, given: date | None) -> date:
        """The set's release: the one given, else the newest `date_modified` in it; InvalidRelease without either."""
        if given is not None:
            return given
        try:
            return date.fromisoformat(self._last_modified[:10])
        except ValueError:
            raise InvalidRelease(
                "the release of this source cannot be told: neither its file name (as HGNC names its archives, "
                "hgnc_complete_set_YYYY-MM-DD.txt) nor any date_modified in it gives one; give it with "
                "?release=YYYY-MM-DD (POST /data) or --release YYYY-MM-DD (python -m entrypoints.load)") from None

    def meta(self, source: str, release: date | None = None) -> dict[str, str | int | float]:
        """What `GET /info` tells of the set: call it after the last `batch_indexes`."""
        meta: dict[str, str | int | float] = {
            "format": SET_FORMAT, "count": self.count, "source": source, "loaded_at": time.time(),
            "last_modified": self._last_modified, "fields": orjson.dumps(sorted(self._fields)).decode()}
        if release is not None:
            meta["release"] = release.isoformat()
        return meta


@dataclass(frozen=True, slots=True)
class WrittenSet:
    count: int
    release: date | None  # None when the source held no genes


def write_set(client: redis.Redis, set_id: str, genes: Iterable[Gene], source: str,
              release: date | None = None) -> WrittenSet:
    """Store `genes` as the set `set_id` (not yet live) of `release` (None: as `EncodedGeneSet.release`
    tells); how many, and the release. Raises what the source raises, and InvalidRelease."""
    encoded = EncodedGeneSet()
    held: date | None = None
    with _collector_paused(), _BackgroundWriter(client) as writer:
        batch: dict[str, bytes] = {}
        for gene in genes:
            batch[gene.hgnc_id] = encoded.add(gene)
            if len(batch) >= WRITE_BATCH:
                writer.submit(_batch_writes(set_id, batch, *encoded.batch_indexes()))
                batch = {}
        if batch:
            writer.submit(_batch_writes(set_id, batch, *encoded.batch_indexes()))
        if encoded.count:
            held = encoded.release(release)
            writer.submit(_final_writes(set_id, encoded, source, held))
        writer.drain()
    # A pipeline that redis-py retried after a lost connection may have pushed its ids twice.
    if encoded.count and client.llen(set_key(set_id, "ids")) != encoded.count:
        raise StoreUnavailable("the connection to Redis failed during the load and a write was repeated")
    return WrittenSet(encoded.count, held)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a load runs: its ~1 million index tuples and lists live
    until it ends and hold no cycles, yet they set off full collections that scan them and every
    object of the process again and again (~0.3 s of a full load's ~3 s of CPU, bench_load)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:  # a load that overlapped another leaves the collector as it found it
            gc.enable()


class _BackgroundWriter:
    """Runs pipelines in order on one thread, so Redis stores a batch while the next one is parsed.

    Socket I/O releases the GIL, so the parsing goes on meanwhile; a failed write is raised to the
    caller at its next `submit` or at `drain`. Leaving the block waits for the thread, so that no
    write can land after the caller has cleaned up.
    """

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gene-writer")
        self._pending: deque[Future[None]] = deque()

    def __enter__(self) -> _BackgroundWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, fill: Callable[[Pipeline], object]) -> None:
        while len(self._pending) >= WRITES_IN_FLIGHT:
            self._pending.popleft().result()
        self._pending.append(self._executor.submit(self._run, fill))

    def drain(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def _run(self, fill: Callable[[Pipeline], object]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        fill(pipe)
        pipe.execute()


def _batch_writes(set_id: str, batch: dict[str, bytes], names: dict[str, str],
                  lookups: dict[str, list[str]]) -> Callable[[Pipeline], object]:
    def fill(pipe: Pipeline) -> None:
        pipe.hset(set_key(set_id, "records"), items=flat(batch))
        pipe.rpush(set_key(set_id, "ids"), *batch)
        write_names(pipe, set_id, names)
        write_lookups(pipe, set_id, lookups)
    return fill


def _final_writes(set_id: str, encoded: EncodedGeneSet, source: str, release: date) -> Callable[[Pipeline], object]:
    """The index entries seen more than once (overwriting their first entry), the summaries, the meta."""
    (shared_names, lookups), summaries = encoded.final_indexes(), encoded.summaries()
    meta = encoded.meta(source, release)

    def fill(pipe: Pipeline) -> None:
        write_names(pipe, set_id, shared_names)
        write_lookups(pipe, set_id, lookups)
        pipe.set(set_key(set_id, "summaries"), summaries)
        pipe.hset(set_key(set_id, "meta"), mapping=meta)  # type: ignore[arg-type]  # as above
    return fill
