"""The gene cache: each process holds what it reads of the live gene set, and answers from memory.

What it caches, per process (`GeneCache`, one a process, from the container):
- the live set's id (`genes:current`), vouched for by a watch Redis notifies of every change
  of the key (`live_set_watch.LiveSetWatch`, client-side caching's tracking);
- the hashes of that set the API's reads have used: its records and its indexes, each read whole
  on first use (`held_hashes.HeldHashes`);
- the summaries of that set, which every job reads (`held_summaries.HeldSummaries`, in workers);
- the id the last read found, pipelined with the next read as a guess (it saves a round trip
  when right, and costs one when a load made it wrong; it never answers by itself).

A release read with `?release=` other than the live one has a GeneCache of its own, whose watch
follows `genes:releases` instead, made on demand and let go when unused (`release_readers`).

Why: a read that needs one Redis round trip caps the API. bench/README.md, on 2 cores, wrk against
`GET /help` in the same run: `GET /genes/<id>` with one `HGET` a request 0.55 of /help's rate
(2,580 against 4,691 req/s), from memory 0.82 (3,675 against 4,463); a lookup
(`GET /genes?entrez_id=`) with one pipelined round trip 0.55, from memory 0.79-0.81 (target 0.7).
A job read and decoded the summaries in 51-135 ms; from memory 0.3 ms.

Invariant: never a stale answer. A set never changes once stored under its id; only
`genes:current` changes, and the cache answers from memory only for the id the watch vouches
for: learned from a read of the key begun after the watch was listening, with no notice since
(Redis sends the notice before it reads the writer's next command, so a writer's own process
sees its change at once, any other within a round trip). A lost watch connection, or 1 s without
a word (RECHECK_SECONDS), and reads ask Redis again.

Through a Redis outage: the reads this process can answer from the set it holds keep answering
it, byte for byte, for as long as the outage lasts. The set is the one held when a read first
found Redis down, if the watch had learned it live and no notice of a change came since (a lost
connection says nothing of the key; a change made before Redis went is in the notices read
before the connection's end: `LiveSetWatch.last_learned`). Nobody can change the key while Redis
is down. Of the reads it could answer from memory, one every PROBE_SECONDS asks Redis; the
others do not wait on it. Reads that need Redis ask it, and answer StoreUnavailable while it is
down. The first read that gets an answer ends the outage: it has re-read `genes:current`, so a
set loaded meanwhile (by a process on the other side of a partition, say) is what it and every
later read answer; under a steady load, at most PROBE_SECONDS after Redis is back.

Memory, with the full HGNC set (43,882 genes): the records ~36 MB in an API process that has
served one, the indexes ~93 MB once lookups used every field (`names` alone 15 MB); each process
holds only what its requests used, and lets it all go when a new set is live. A worker holds the
summaries, ~5 MB.

Turning it off: `GENE_CACHE=off` (default `on`). Then every read goes to Redis: the set's id
with each request, the records and indexes at every read, the summaries at every job. Nothing is
held, so a Redis outage fails every gene read (503), and `/health/ready` follows Redis alone.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Iterable

import redis

from adapters.gene_cache.held_hashes import HeldHashes
from adapters.gene_cache.held_summaries import HeldSummaries, SetSummaries
from adapters.gene_cache.live_set_watch import LiveSetWatch
from adapters.redis_client import UNAVAILABLE, as_text
from genes.errors import StoreUnavailable

log = logging.getLogger(__name__)

PROBE_SECONDS = 0.5  # during an outage, how often one read asks Redis whether it is back


class GeneCache:
    """What a process holds of the live gene set, and when it may answer from it (the module's docstring)."""

    def __init__(self, client: redis.Redis, enabled: bool = True, watch: LiveSetWatch | None = None,
                 probe_seconds: float = PROBE_SECONDS) -> None:
        self.enabled = enabled
        self._watch = (watch or LiveSetWatch(client)) if enabled else None
        self._hashes = HeldHashes(client)
        self._summaries = HeldSummaries(client, hold=enabled)
        self._probe_seconds = probe_seconds
        self._lock = threading.Lock()
        self._next_probe: float | None = None  # while Redis is down: when a read may ask it again
        self._through: str | None = None  # while Redis is down: the set answered from, as held when it went
        self.guess: str | None = None  # the set id the last read found

    # -- the live set's id ---------------------------------------------------------------------

    def live_set_id(self) -> str | None:
        """The live set's id, as vouched for: answer from memory. None: read it from Redis (`mark`,
        then `learn`)."""
        return self._watch.live_set_id() if self._watch is not None else None

    def mark(self) -> int | None:
        """Taken just before a read of `genes:current`, for `learn`."""
        return self._watch.mark() if self._watch is not None else None

    def read_set_id(self, client: redis.Redis, key: str) -> str | None:
        """The live set's id: as vouched for, else read from `key` (the one the watch follows) now, and learned."""
        known = self.live_set_id()
        if known is not None:
            return known
        mark = self.mark()
        current = client.get(key)
        set_id = as_text(current) if current is not None else None
        self.learn(set_id, mark)
        return set_id

    def learn(self, set_id: str | None, mark: int | None) -> None:
        """What a read of `genes:current` begun at `mark` found (None: no set is live); Redis answered."""
        self.guess = set_id
        if self._watch is not None:
            self._watch.learn(set_id, mark)
        if set_id is None:
            self._hashes.release()  # nothing live: nothing to hold
        if self._next_probe is not None:
            with self._lock:
                self._next_probe, self._through = None, None
            log.warning("Redis answers again: gene reads follow its live set (%s)", set_id)

    # -- through an outage ---------------------------------------------------------------------

    def through_outage(self) -> str | None:
        """While Redis is down, the set a read answers from without asking it; None when Redis is
        not known to be down, or when this read is the one to ask it (one every PROBE_SECONDS).
        Raises StoreUnavailable when Redis is down and no set is held."""
        if self._next_probe is None:
            return None
        with self._lock:
            if self._next_probe is None:
                return None
            now = time.monotonic()
            if now >= self._next_probe:
                self._next_probe = now + self._probe_seconds
                if self._watch is not None:
                    self._watch.listen_now()
                return None
            held = self._through
        if held is None:
            raise StoreUnavailable(UNAVAILABLE)
        return held

    def redis_lost(self) -> str | None:
        """A read found Redis down: from now on reads answer from the held set (`through_outage`);
        the set, or None when none is held."""
        if not self.enabled:
            return None
        with self._lock:
            starting = self._next_probe is None
            if starting:
                self._through = self._held_live_set_id()
            self._next_probe = time.monotonic() + self._probe_seconds
            held = self._through
        if starting:
            log.warning("Redis does not answer: gene reads answer from the set held in memory (%s) until it does",
                        held or "none held")
        return held

    def held_set_id(self) -> str | None:
        """The set whose hashes this process holds, when it is the live one as last learned (while
        Redis is down: as it was when Redis went)."""
        with self._lock:
            if self._next_probe is not None:
                return self._through
        return self._held_live_set_id()

    def _held_live_set_id(self) -> str | None:
        if self._watch is None:
            return None
        held = self._hashes.set_id()
        return held if held is not None and held == self._watch.last_learned() else None

    def redis_down(self) -> bool:
        """Whether the last read found Redis down (and none has found it back since)."""
        return self._next_probe is not None

    # -- what is held --------------------------------------------------------------------------

    def answers_from_memory(self, set_id: str) -> bool:
        """Whether reads of `set_id` answer from the held hashes (it is live, or held through an outage)."""
        if self.redis_down():
            return self.held_set_id() == set_id
        return self.live_set_id() == set_id

    def hashes(self, set_id: str, keys: Iterable[str]) -> dict[str, dict[bytes, bytes]]:
        """The hashes `keys` of `set_id`, whole: held, or read now (StoreUnavailable while Redis is down)."""
        return self._hashes.hashes(set_id, keys, read_missing=not self.redis_down())

    def summaries(self, set_id: str) -> SetSummaries:
        return self._summaries.of(set_id)

    def close(self) -> None:
        """Let go of everything held, and of the watch's connection: for a cache no read uses any more."""
        if self._watch is not None:
            self._watch.close()
        self._hashes.release()
