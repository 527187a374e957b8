"""The releases held side by side in Redis: which sets hold which release, and which one is live.

`genes:releases` maps each held release (YYYY-MM-DD) to the set holding it; `genes:live_release`
names the release chosen live (absent: the newest held is live); `genes:current` stays the live
set's id, so that every reader of the live set, and the gene cache's watch, go on as before.
Every change of the three keys is one Lua script: two loads, a load and a deletion, or a load and
a choice of the live release, never leave them disagreeing.

A store written before releases (one set under `genes:current`, no `genes:releases`) reads as one
release, dated as `release_of_meta` finds (`register_stored_set` writes it down once, at start).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Any, Sequence

import redis
from redis.client import Pipeline

from adapters.gene_cache import GeneCache
from adapters.redis_client import as_text
from adapters.redis_gene_keys import CURRENT_KEY, LIVE_RELEASE_KEY, RELEASES_KEY, set_key
from genes.errors import UnknownRelease
from genes.releases import Release, release_in_name

RELEASES_KEPT = 3
SET_RELEASES_KEPT = 64  # set ids whose release a process remembers (`live_release`); loads are monthly
log = logging.getLogger(__name__)

# KEYS: current, releases, live_release. Makes the live release's set current: the chosen one
# while it is held (a choice no longer held is forgotten), else the newest; no release: none current.
_SETTLE = """
local function settle()
  local live = redis.call('GET', KEYS[3])
  if live and redis.call('HEXISTS', KEYS[2], live) == 0 then
    redis.call('DEL', KEYS[3])
    live = false
  end
  if not live then
    for _, held in ipairs(redis.call('HKEYS', KEYS[2])) do
      if not live or held > live then live = held end
    end
  end
  if live then
    redis.call('SET', KEYS[1], redis.call('HGET', KEYS[2], live))
    return live
  end
  redis.call('DEL', KEYS[1])
  return false
end
"""

# A load's set goes live as its release. ARGV: the release, its set id, how many releases are kept.
# Answers: the set current before ('' for none), the releases held before (flat date, id, ...), and
# the sets no longer held: the one it replaced, and the oldest not live beyond the bound.
_REGISTER = _SETTLE + """
local previous = redis.call('GET', KEYS[1]) or ''
local before = redis.call('HGETALL', KEYS[2])
local replaced = redis.call('HGET', KEYS[2], ARGV[1])
local dropped = {}
if replaced and replaced ~= ARGV[2] then table.insert(dropped, replaced) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local live = settle()
local kept = tonumber(ARGV[3])
while redis.call('HLEN', KEYS[2]) > kept do
  local oldest = false
  for _, held in ipairs(redis.call('HKEYS', KEYS[2])) do
    if held ~= live and (not oldest or held < oldest) then oldest = held end
  end
  table.insert(dropped, redis.call('HGET', KEYS[2], oldest))
  redis.call('HDEL', KEYS[2], oldest)
end
return {previous, before, dropped}
"""

# A load no replica confirmed in time, undone: the releases and the current set as they were before
# it, unless another load has replaced its release since. ARGV: the release, its set id, the set
# current before ('' for none), then the releases held before (flat date, id, ...).
_PUT_BACK = """
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then
  redis.call('DEL', KEYS[2])
  if #ARGV > 3 then redis.call('HSET', KEYS[2], unpack(ARGV, 4)) end
  if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[3]) end
end
"""

# One release forgotten (ARGV[1]), or every one (no ARGV); the sets no longer held.
_FORGET = _SETTLE + """
if #ARGV == 0 then
  local sets = redis.call('HVALS', KEYS[2])
  local current = redis.call('GET', KEYS[1])
  if current and #sets == 0 then table.insert(sets, current) end
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return sets
end
local set_id = redis.call('HGET', KEYS[2], ARGV[1])
if not set_id then return {} end
redis.call('HDEL', KEYS[2], ARGV[1])
settle()
return {set_id}
"""

# The live release chosen (ARGV[1]), or the choice dropped (no ARGV): the newest is live. Answers
# 0 when the chosen release is not held (nothing changed), else 1.
_CHOOSE_LIVE = _SETTLE + """
if #ARGV == 0 then
  redis.call('DEL', KEYS[3])
elseif redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return 0
else
  redis.call('SET', KEYS[3], ARGV[1])
end
settle()
return 1
"""

# A set stored before releases registered as one (ARGV: its date, its id), once: unless releases
# are held already, or another set went live meanwhile.
_REGISTER_STORED = """
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('GET', KEYS[1]) == ARGV[2] then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  return 1
end
return 0
"""

_KEYS = [CURRENT_KEY, RELEASES_KEY, LIVE_RELEASE_KEY]
_META_FIELDS = ["count", "loaded_at", "source", "release", "last_modified"]


def release_of_meta(meta: Sequence[bytes | str | None]) -> date:
    """The release of a set from its meta (`_META_FIELDS`' values): the one recorded; else, for a set
    stored before releases, the date in its source's file name, else its newest date_modified, else
    the day it was loaded."""
    _, loaded_at, source, release, last_modified = (as_text(value) if value is not None else None for value in meta)
    if release:
        return date.fromisoformat(release)
    named = release_in_name(source or "")
    if named is not None:
        return named
    if last_modified:
        try:
            return date.fromisoformat(last_modified[:10])
        except ValueError:
            pass
    return datetime.fromtimestamp(float(loaded_at or 0), timezone.utc).date()


class RedisReleaseRegistry:
    """genes.ports.ReleaseRegistry over `genes:releases`, and the changes of it (the module's docstring)."""

    def __init__(self, client: redis.Redis, kept: int = RELEASES_KEPT, live_cache: GeneCache | None = None) -> None:
        """`live_cache`: the process's gene cache, whose watch tells `live_release` the live set's id."""
        self._redis = client
        self.kept = kept
        self._live_cache = live_cache or GeneCache(client, enabled=False)  # without one: read at every call
        # A set's release never changes: its id is new at each load, its date is fixed then.
        self._set_releases: dict[str, date] = {}
        self._register = client.register_script(_REGISTER)
        self._put_back = client.register_script(_PUT_BACK)
        self._forget = client.register_script(_FORGET)
        self._choose_live = client.register_script(_CHOOSE_LIVE)
        self._register_stored = client.register_script(_REGISTER_STORED)

    # -- reads ---------------------------------------------------------------------------------

    def held(self) -> list[Release]:
        pipe = self._redis.pipeline(transaction=False)
        pipe.hgetall(RELEASES_KEY)
        pipe.get(CURRENT_KEY)
        releases, current = pipe.execute()
        current_id = as_text(current) if current is not None else None
        set_ids = {as_text(day): as_text(set_id) for day, set_id in releases.items()}
        if not set_ids and current_id is not None:  # a store written before releases
            set_ids = {"": current_id}
        pipe = self._redis.pipeline(transaction=False)
        for set_id in set_ids.values():
            pipe.hmget(set_key(set_id, "meta"), _META_FIELDS)
        held = []
        for (day, set_id), meta in zip(set_ids.items(), pipe.execute()):
            if meta[0] is None:  # a set expired under a release: a store changed by hand
                continue
            held.append(Release(
                date=date.fromisoformat(day) if day else release_of_meta(meta), set_id=set_id, count=int(meta[0]),
                loaded_at=datetime.fromtimestamp(float(meta[1]), timezone.utc), source=as_text(meta[2]),
                live=set_id == current_id))
        return sorted(held, key=lambda release: release.date, reverse=True)

    def resolve(self, release: date | None = None) -> Release | None:
        held = self.held()
        for candidate in held:
            if candidate.live if release is None else candidate.date == release:
                return candidate
        if release is not None:
            raise UnknownRelease(release.isoformat(), [candidate.date.isoformat() for candidate in held])
        return None

    def live_release(self) -> date | None:
        """The live set's release: no round trip while the gene cache vouches for the live set's id
        and its release is known here; else a read of `genes:current`, and once a set, of its meta.
        (`resolve()` would read every release held, twice a round trip, at each submit.)"""
        set_id = self._live_cache.read_set_id(self._redis, CURRENT_KEY)
        if set_id is None:
            return None
        release = self._set_releases.get(set_id)
        if release is None:
            meta = self._redis.hmget(set_key(set_id, "meta"), _META_FIELDS)
            if meta[0] is None:  # no such set: a store changed by hand (`held` skips it too)
                return None
            release = release_of_meta(meta)
            if len(self._set_releases) >= SET_RELEASES_KEPT:
                self._set_releases.clear()
            self._set_releases[set_id] = release
        return release

    # -- changes -------------------------------------------------------------------------------

    def register(self, release: date, set_id: str, client: Pipeline | None = None) -> None:
        """Queue on `client` (a pipeline) the script that makes `set_id` hold `release` (`registered` reads its answer)."""
        self._register(keys=_KEYS, args=[release.isoformat(), set_id, self.kept], client=client)

    @staticmethod
    def registered(answer: list[Any]) -> tuple[str | None, list[str], list[str]]:
        """What `register`'s script answered: the set current before, the releases before (flat), the sets dropped."""
        previous, before, dropped = answer
        return (as_text(previous) or None, [as_text(item) for item in before], [as_text(item) for item in dropped])

    def put_back(self, release: date, set_id: str, previous: str | None, before: list[str]) -> None:
        self._put_back(keys=_KEYS, args=[release.isoformat(), set_id, previous or "", *before])

    def forget(self, release: date | None = None) -> list[str]:
        """Forget one release, or every one (None); the ids of the sets no longer held."""
        answer = self._forget(keys=_KEYS, args=[release.isoformat()] if release is not None else [])
        return [as_text(set_id) for set_id in answer]

    def choose_live(self, release: date | None) -> None:
        """Make `release` live (None: the newest held is live from now on); UnknownRelease when not held."""
        if not self._choose_live(keys=_KEYS, args=[release.isoformat()] if release is not None else []):
            assert release is not None
            raise UnknownRelease(release.isoformat(), [held.date.isoformat() for held in self.held()])

    def register_stored_set(self) -> date | None:
        """A set stored before releases becomes the release it can be dated; its date (None: nothing to do)."""
        if self._redis.exists(RELEASES_KEY):
            return None
        current = self._redis.get(CURRENT_KEY)
        if current is None:
            return None
        set_id = as_text(current)
        release = release_of_meta(self._redis.hmget(set_key(set_id, "meta"), _META_FIELDS))
        if not self._register_stored(keys=_KEYS, args=[release.isoformat(), set_id]):
            return None
        self._redis.hset(set_key(set_id, "meta"), "release", release.isoformat())
        log.info("the gene set stored before releases were held is now the release %s", release)
        return release
