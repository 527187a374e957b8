"""The gene set in Redis (db 0), stored as generations so that a reload swaps atomically.

`genes:current` names the live generation; every other key of a set carries its generation, so
a load writes a whole new set beside the old one and one SET makes it live. Readers resolve the
generation once per request, so they never see a half-loaded or mixed set; the replaced set
expires after a grace period, long enough for an export already streaming from it to finish.
"""
from __future__ import annotations

import json
import secrets
from bisect import bisect_left, bisect_right
import time
from collections import defaultdict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator, Mapping

import orjson
import redis
from redis.client import Pipeline

from genes.errors import InvalidGeneSource, StoreUnavailable
from genes.gene import Gene, GeneSummary

CURRENT_KEY = "genes:current"
RETIRED_SET_GRACE_SECONDS = 600
WRITE_BATCH = 2_000
WRITES_IN_FLIGHT = 2  # batches queued for the writer thread: enough to overlap, bounded in memory
READ_BATCH = 1_000
_SUFFIXES = ("records", "ids", "names", "summaries", "meta")


def set_key(generation: str, part: str) -> str:
    """The key of one part of a generation: records (hash), ids (list), names (hash), ..."""
    return f"genes:{generation}:{part}"


def encode_record(record: Mapping[str, Any]) -> bytes:
    """A record as compact UTF-8 JSON, as `json.dumps(ensure_ascii=False, separators=(",", ":"))` gives it."""
    try:
        return orjson.dumps(record)
    except orjson.JSONEncodeError:  # e.g. a JSON source nested deeper than orjson writes (254 levels)
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


class EncodedGeneSet:
    """Everything a load stores besides the records' order, built gene by gene: CPU work only, no Redis.

    The names index comes in two parts so that most of it is written while the source is still
    being read: `fresh_names` hands over each name when it is first seen (98% of the names are
    never seen again: their entry is final), `shared_names` the final entries of the few names
    seen more than once, which overwrite the fresh ones. Kept apart from the writing so that a
    benchmark can time exactly this work against a whole load.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        # rank -> lower-case name -> the ids so named, comma-joined in load order. Everything kept is
        # text or tuples of text, which the garbage collector soon stops tracking: keeping 43,882
        # GeneSummary objects instead cost each load ~50-100 ms more in collections.
        self._ids_by_rank: dict[int, dict[str, str]] = defaultdict(dict)
        self._fresh_names: dict[str, str] = {}  # first seen since the last `fresh_names()`
        self._named: set[str] = set()
        self._shared_names: set[str] = set()  # seen more than once (another rank, another gene)
        self._summary_rows: list[tuple[str | None, ...]] = []

    @property
    def count(self) -> int:
        return len(self._seen)

    def add(self, gene: Gene) -> bytes:
        """Take one gene into the indexes; its record, encoded."""
        hgnc_id = gene.hgnc_id
        if hgnc_id in self._seen:
            raise InvalidGeneSource(f"{hgnc_id} appears twice in the source")
        self._seen.add(hgnc_id)
        for rank, name in gene.names():
            named = self._ids_by_rank[rank]
            key = name.lower()
            known = named.get(key)
            named[key] = hgnc_id if known is None else f"{known},{hgnc_id}"
            if key in self._named:
                self._shared_names.add(key)
            else:
                self._named.add(key)
                self._fresh_names[key] = hgnc_id
        self._summary_rows.append(_summary_row(gene.summary()))
        return encode_record(gene.record)

    def fresh_names(self) -> dict[str, str]:
        """The names first seen since the last call, each with the one id found so far."""
        fresh, self._fresh_names = self._fresh_names, {}
        return fresh

    def shared_names(self) -> dict[str, str]:
        """The names seen more than once: their ids comma-joined, best rank first, then load order, each once."""
        ranked = [self._ids_by_rank[rank] for rank in sorted(self._ids_by_rank)]
        return {
            name: ",".join(dict.fromkeys(",".join(named[name] for named in ranked if name in named).split(",")))
            for name in self._shared_names
        }

    def summaries(self) -> bytes:
        return _encode_summary_rows(self._summary_rows)


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


class RedisGeneRepository:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        # The summaries of the last generation read: a generation never changes once live, so a
        # worker reads and decodes them once per load, not once per job.
        self._summaries: _CachedSummaries | None = None
        self._last_generation: str | None = None  # a guess that saves `get` a round trip

    # -- writing -----------------------------------------------------------------------------

    def replace_all(self, genes: Iterable[Gene], source: str) -> int:
        generation = f"{int(time.time())}-{secrets.token_hex(4)}"
        try:
            count = self._write_generation(generation, genes, source)
        except BaseException:
            self._redis.unlink(*(set_key(generation, s) for s in _SUFFIXES))
            raise
        if count:
            previous = self._redis.set(CURRENT_KEY, generation, get=True)
            if previous is not None:
                self._retire(previous.decode())
        return count

    def _write_generation(self, generation: str, genes: Iterable[Gene], source: str) -> int:
        encoded = EncodedGeneSet()
        with _BackgroundWriter(self._redis) as writer:
            batch: dict[str, bytes] = {}
            for gene in genes:
                batch[gene.hgnc_id] = encoded.add(gene)
                if len(batch) >= WRITE_BATCH:
                    writer.submit(_batch_writes(generation, batch, encoded.fresh_names()))
                    batch = {}
            if batch:
                writer.submit(_batch_writes(generation, batch, encoded.fresh_names()))
            if encoded.count:
                writer.submit(_final_writes(generation, encoded, source))
            writer.drain()
        # A pipeline that redis-py retried after a lost connection may have pushed its ids twice.
        if encoded.count and self._redis.llen(set_key(generation, "ids")) != encoded.count:
            raise StoreUnavailable("the connection to Redis failed during the load and a write was repeated")
        return encoded.count

    def clear(self) -> bool:
        previous = self._redis.getdel(CURRENT_KEY)
        if previous is None:
            return False
        self._retire(previous.decode())
        return True

    def _retire(self, generation: str) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for suffix in _SUFFIXES:
            pipe.expire(set_key(generation, suffix), RETIRED_SET_GRACE_SECONDS)
        pipe.execute()

    # -- reading -----------------------------------------------------------------------------

    def _generation(self) -> str | None:
        current = self._redis.get(CURRENT_KEY)
        return current.decode() if current is not None else None

    def is_loaded(self) -> bool:
        return self._redis.exists(CURRENT_KEY) == 1

    def get(self, hgnc_id: str) -> Gene | None:
        encoded = self._record(hgnc_id)
        return Gene(hgnc_id, orjson.loads(encoded)) if encoded is not None else None

    def get_json(self, hgnc_id: str) -> str | None:
        encoded = self._record(hgnc_id)
        return encoded.decode() if encoded is not None else None

    def _record(self, hgnc_id: str) -> bytes | None:
        # One round trip, not two: the generation is read together with the record of the
        # generation this process saw last; only after a reload does that guess miss and cost a
        # second trip. A reload between the two reads is harmless: the guessed set stays readable
        # for its grace period, as it would for a reader that had resolved it just before.
        guess = self._last_generation
        if guess is None:
            generation, encoded = self._generation(), None
        else:
            pipe = self._redis.pipeline(transaction=False)
            pipe.get(CURRENT_KEY)
            pipe.hget(set_key(guess, "records"), hgnc_id)
            current, encoded = pipe.execute()
            generation = current.decode() if current is not None else None
        if generation is None:
            return None
        if generation != guess:
            self._last_generation = generation
            encoded = self._redis.hget(set_key(generation, "records"), hgnc_id)
        return encoded

    def ids(self, offset: int = 0, limit: int | None = None) -> list[str]:
        generation = self._generation()
        if generation is None or (limit is not None and limit <= 0):
            return []
        end = -1 if limit is None else offset + limit - 1
        return [i.decode() for i in self._redis.lrange(set_key(generation, "ids"), offset, end)]

    def ids_named(self, name: str) -> list[str]:
        generation = self._generation()
        if generation is None:
            return []
        hits = self._redis.hget(set_key(generation, "names"), name.lower())
        return hits.decode().split(",") if hits else []

    def summaries(self) -> list[GeneSummary]:
        generation = self._generation()
        return list(self._summaries_of(generation).in_load_order) if generation else []

    def summaries_approved_between(self, first: date, last: date) -> list[GeneSummary]:
        generation = self._generation()
        return self._summaries_of(generation).approved_between(first, last) if generation else []

    def _summaries_of(self, generation: str) -> _CachedSummaries:
        cached = self._summaries
        if cached is None or cached.generation != generation:
            encoded = self._redis.get(set_key(generation, "summaries"))
            cached = _CachedSummaries(generation, _decode_summaries(encoded) if encoded else [])
            self._summaries = cached  # one assignment: a reader on another thread sees the old or the new
        return cached

    def export_json(self) -> Iterator[str]:
        generation = self._generation()
        if generation is None:
            return iter(())
        return self._export(generation)

    def _export(self, generation: str) -> Iterator[str]:
        ids_key, records_key = set_key(generation, "ids"), set_key(generation, "records")
        for start in range(0, self._redis.llen(ids_key), READ_BATCH):
            ids = self._redis.lrange(ids_key, start, start + READ_BATCH - 1)
            for encoded in self._redis.hmget(records_key, ids):
                if encoded is not None:
                    yield encoded.decode()


class _CachedSummaries:
    """The summaries of one generation, also sorted by approval date for range reads (bisect)."""

    def __init__(self, generation: str, summaries: list[GeneSummary]) -> None:
        self.generation = generation
        self.in_load_order = summaries
        dated = sorted((s for s in summaries if s.date_approved), key=attrgetter("date_approved"))
        self._dates = [s.date_approved for s in dated]
        self._by_date = dated

    def approved_between(self, first: date, last: date) -> list[GeneSummary]:
        start = bisect_left(self._dates, first.isoformat())
        return self._by_date[start:bisect_right(self._dates, last.isoformat(), lo=start)]


def _batch_writes(generation: str, batch: dict[str, bytes], names: dict[str, str]) -> Callable[[Pipeline], object]:
    def fill(pipe: Pipeline) -> None:
        pipe.hset(set_key(generation, "records"), mapping=batch)
        pipe.rpush(set_key(generation, "ids"), *batch)
        if names:
            pipe.hset(set_key(generation, "names"), mapping=names)
    return fill


def _final_writes(generation: str, encoded: EncodedGeneSet, source: str) -> Callable[[Pipeline], object]:
    """The names seen more than once (overwriting their first entry), the summaries, the meta."""
    shared_names, summaries, count = encoded.shared_names(), encoded.summaries(), encoded.count

    def fill(pipe: Pipeline) -> None:
        if shared_names:
            pipe.hset(set_key(generation, "names"), mapping=shared_names)
        pipe.set(set_key(generation, "summaries"), summaries)
        pipe.hset(set_key(generation, "meta"), mapping={"count": count, "source": source, "loaded_at": time.time()})
    return fill


# The summaries are stored column-wise as one JSON text: 43,882 of them read and decode in a few ms.
_SUMMARY_COLUMNS = ("hgnc_id", "date_approved", "locus_group", "locus_type", "chromosome")
_summary_row = attrgetter(*_SUMMARY_COLUMNS)


def _encode_summary_rows(rows: list[tuple[str | None, ...]]) -> bytes:
    columns = zip(*rows) if rows else ((),) * len(_SUMMARY_COLUMNS)
    return orjson.dumps(dict(zip(_SUMMARY_COLUMNS, map(list, columns))))


def _decode_summaries(encoded: bytes) -> list[GeneSummary]:
    columns = orjson.loads(encoded)
    return [GeneSummary(*row) for row in zip(*(columns[c] for c in _SUMMARY_COLUMNS))]
