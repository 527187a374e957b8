"""The gene reads of the release a request asks for: the live one's as always, another's made on demand.

A process holds in memory only the releases it is asked about: the live one (the container's
catalog, checker and mirror, with the gene cache of the live set), and each release read with
`?release=` since, with a gene cache of its own, made at its first read and let go once unused
for `idle_seconds` (RELEASE_CACHE_IDLE_SECONDS): its hashes, its checker's records and its
mirror's index go, and its watch's connection is closed.

A release's cache vouches for the release's set id as the live cache does for the live one's:
its watch follows `genes:releases` (any change of it ends what it vouches for, a load of another
release too: the next read asks again, one round trip). Asked for by date, the live release reads
the hashes the live cache holds: one copy, not two.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import redis

from adapters.gene_cache import GeneCache
from adapters.gene_cache.live_set_watch import LiveSetWatch
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_keys import RELEASES_KEY
from genes.gene_lookup import GeneLookup
from genes.hgnc_search import HgncMirror
from genes.ports import GeneCatalog, ReleaseRegistry, WithdrawnStore
from genes.symbol_check import SymbolChecker

RELEASE_CACHE_IDLE_SECONDS = 600.0


@dataclass
class _Readers:
    """What a process holds of one release other than the live one."""

    cache: GeneCache
    catalog: RedisGeneCatalog
    last_used: float
    checker: SymbolChecker | None = None
    mirror: HgncMirror | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReleaseReaders:
    """The catalog, lookup, checker and mirror of a release (None: the live one)."""

    def __init__(self, client: redis.Redis, live_catalog: GeneCatalog, live_checker: SymbolChecker,
                 live_mirror: HgncMirror, withdrawn: WithdrawnStore, registry: ReleaseRegistry,
                 live_cache: GeneCache | None = None,
                 cache_enabled: bool = True, idle_seconds: float = RELEASE_CACHE_IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic, new_watch: Callable[[], Any] | None = None) -> None:
        """`new_watch`: a release cache's watch (by default a LiveSetWatch of `genes:releases`)."""
        self._redis = client
        self._live_catalog, self._live_checker, self._live_mirror = live_catalog, live_checker, live_mirror
        self._withdrawn = withdrawn
        self._registry = registry
        self._live_cache = live_cache
        self._cache_enabled = cache_enabled
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._new_watch = new_watch or (lambda: LiveSetWatch(client, key=RELEASES_KEY))
        self._lock = threading.Lock()
        self._held: dict[date, _Readers] = {}

    def catalog(self, release: date | None) -> GeneCatalog:
        return self._live_catalog if release is None else self._readers(release).catalog

    def lookup(self, release: date | None) -> GeneLookup:
        return GeneLookup(self.catalog(release), self._withdrawn)

    def checker(self, release: date | None) -> SymbolChecker:
        if release is None:
            return self._live_checker
        readers = self._readers(release)
        with readers.lock:
            if readers.checker is None:
                readers.checker = SymbolChecker(readers.catalog, self._withdrawn)
            return readers.checker

    def mirror(self, release: date | None) -> HgncMirror:
        if release is None:
            return self._live_mirror
        readers = self._readers(release)
        with readers.lock:
            if readers.mirror is None:
                readers.mirror = HgncMirror(readers.catalog, self._withdrawn)
            return readers.mirror

    def held_releases(self) -> list[date]:
        """The releases other than the live one this process holds readers of, after letting go of the idle ones."""
        with self._lock:
            self._let_go_of_idle(self._clock())
            return sorted(self._held)

    def _readers(self, release: date) -> _Readers:
        now = self._clock()
        with self._lock:
            self._let_go_of_idle(now)
            readers = self._held.get(release)
            if readers is None:
                watch = self._new_watch() if self._cache_enabled else None
                cache = GeneCache(self._redis, enabled=self._cache_enabled, watch=watch)
                catalog = RedisGeneCatalog(self._redis, cache, release=release, registry=self._registry,
                                           live_cache=self._live_cache)
                readers = self._held[release] = _Readers(cache, catalog, now)
            readers.last_used = now
            return readers

    def _let_go_of_idle(self, now: float) -> None:
        for release, readers in list(self._held.items()):
            if now - readers.last_used >= self._idle_seconds:
                del self._held[release]
                readers.cache.close()  # a read still under way finishes from what it already has
