"""Results in Redis (db 3): the results JSON and the plot PNG under a results id, written together.

Either kind's (genes.results): an analysis's JSON as before release diffs, a diff's saying its "kind".

While a job computes them, its id holds the results id's reservation, a key that expires unless
renewed: a job with the same parameters waits for those results rather than computing them too.

Jobs with the same parameters on the same gene set share one results id. Its two keys are kept as
long as the longest kept job using them: every save, claim and job end only ever lengthens their
life (PEXPIREAT ... GT), and a key without expiry is one that a job kept for ever uses.
"""
from __future__ import annotations

from datetime import timedelta

import redis
from redis.client import Pipeline

from adapters.redis_client import LUA_NOW_MS, as_bytes
from genes.results import Results, decode, encode

# `keep(keys, deadline)`: kept at least until `deadline` (ms since the epoch), or for ever when it is ''.
# `from_now(ms)`: that many ms from now on Redis's clock, or '' (for ever) for ''.
_KEEP = LUA_NOW_MS + """
local function keep(keys, deadline)
  for _, key in ipairs(keys) do
    if deadline == '' then
      redis.call('SET', key, redis.call('GET', key))  -- as PERSIST does, with the commands already granted
    else
      redis.call('PEXPIREAT', key, deadline, 'GT')
    end
  end
end
local function from_now(ms)
  if ms == '' then return '' end
  return string.format('%.0f', now_ms() + tonumber(ms))
end
"""

# KEYS: results, plot.  ARGV: their values, how long to keep them (ms) or '' for ever.
_SAVE = _KEEP + """
local fresh = redis.call('EXISTS', KEYS[1]) == 0
local deadline = from_now(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
redis.call('SET', KEYS[2], ARGV[2], 'KEEPTTL')
if fresh and deadline ~= '' then
  redis.call('PEXPIREAT', KEYS[1], deadline)
  redis.call('PEXPIREAT', KEYS[2], deadline)
else
  keep(KEYS, deadline)
end
"""

# KEYS: results, plot.  ARGV: how long to keep them (ms) or '' for ever.  1 if both are there (and
# now kept so), else 0.
_CLAIM = _KEEP + """
if redis.call('EXISTS', KEYS[1], KEYS[2]) < 2 then return 0 end
keep(KEYS, from_now(ARGV[1]))
return 1
"""

# KEYS: results, plot.  ARGV: their database, the caller's database, kept until (ms), then 'exactly'
# to expire them at that time even if kept longer or for ever.
# For a transaction on another database: a script's SELECT is its own (selecting the caller's back
# keeps it so in fakeredis too, which leaks it).
_KEEP_ELSEWHERE = _KEEP + """
redis.call('SELECT', ARGV[1])
if ARGV[4] == 'exactly' then
  for _, key in ipairs(KEYS) do redis.call('PEXPIREAT', key, ARGV[3]) end
else
  keep(KEYS, ARGV[3])
end
redis.call('SELECT', ARGV[2])
"""

# KEYS: the reservation.  ARGV: the job id, how long (ms).  1 if the job holds it now (taken or renewed).
_RESERVE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS: the reservation.  ARGV: the job id.  Dropped only by the job holding it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


def results_key(results_id: str) -> str:
    return f"results:{results_id}"


def plot_key(results_id: str) -> str:
    return f"results:{results_id}:plot"


def reservation_key(results_id: str) -> str:
    """The id of the job computing these results, while it does."""
    return f"results:{results_id}:computing"


class RedisResultRepository:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._db = int(client.connection_pool.connection_kwargs.get("db", 0))
        self._save = client.register_script(_SAVE)
        self._claim = client.register_script(_CLAIM)
        self._keep_elsewhere = client.register_script(_KEEP_ELSEWHERE)
        self._reserve = client.register_script(_RESERVE)
        self._release = client.register_script(_RELEASE)

    def save(self, results_id: str, results: Results, plot_png: bytes, keep_for: timedelta | None) -> None:
        self._save(keys=_keys(results_id), args=[encode(results), plot_png, _ms(keep_for)])

    def claim(self, results_id: str, keep_for: timedelta | None) -> bool:
        return bool(self._claim(keys=_keys(results_id), args=[_ms(keep_for)]))

    def reserve(self, results_id: str, job_id: str, seconds: float) -> bool:
        return bool(self._reserve(keys=[reservation_key(results_id)], args=[job_id, max(1, round(seconds * 1000))]))

    def release(self, results_id: str, job_id: str) -> None:
        self._release(keys=[reservation_key(results_id)], args=[job_id])

    def get(self, results_id: str) -> Results | None:
        encoded = self._redis.get(results_key(results_id))
        return decode(as_bytes(encoded)) if encoded is not None else None

    def plot(self, results_id: str) -> bytes | None:
        plot = self._redis.get(plot_key(results_id))
        return as_bytes(plot) if plot is not None else None

    def keep_in(self, transaction: Pipeline, transaction_db: int, results_id: str, until_ms: int) -> None:
        """Add to `transaction` (a MULTI on database `transaction_db`): keep the results at least until `until_ms`."""
        self._keep_elsewhere(keys=_keys(results_id), args=[self._db, transaction_db, until_ms, ""], client=transaction)

    def expire_in(self, transaction: Pipeline, transaction_db: int, results_id: str, at_ms: int) -> None:
        """Add to `transaction`: the results expire at `at_ms`, however long they were kept. Only for the
        results of one job alone: those of a job completed before results were shared, kept for ever."""
        self._keep_elsewhere(keys=_keys(results_id), args=[self._db, transaction_db, at_ms, "exactly"],
                             client=transaction)


def _keys(results_id: str) -> list[str]:
    return [results_key(results_id), plot_key(results_id)]


def _ms(keep_for: timedelta | None) -> int | str:
    return "" if keep_for is None else round(keep_for.total_seconds() * 1000)
