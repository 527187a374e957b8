"""Job results in Redis (db 3): the results JSON and the plot PNG of each job, written together."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

import redis
from redis.client import Pipeline

from genes.analysis import JobResults

# KEYS: the keys to expire.  ARGV: their database, the caller's database, when (ms since the epoch).
# For a transaction on another database: a script's SELECT is its own (selecting the caller's back
# keeps it so in fakeredis too, which leaks it).
_EXPIRE_ELSEWHERE = """
redis.call('SELECT', ARGV[1])
for _, key in ipairs(KEYS) do redis.call('PEXPIREAT', key, ARGV[3]) end
redis.call('SELECT', ARGV[2])
"""


def results_key(job_id: str) -> str:
    return f"results:{job_id}"


def plot_key(job_id: str) -> str:
    return f"results:{job_id}:plot"


class RedisResultRepository:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._db = int(client.connection_pool.connection_kwargs.get("db", 0))
        self._expire_elsewhere = client.register_script(_EXPIRE_ELSEWHERE)

    def save(self, job_id: str, results: JobResults, plot_png: bytes) -> None:
        pipe = self._redis.pipeline(transaction=True)  # SET overwrites: a re-run never duplicates
        pipe.set(results_key(job_id), _encode(results))
        pipe.set(plot_key(job_id), plot_png)
        pipe.execute()

    def get(self, job_id: str) -> JobResults | None:
        encoded = self._redis.get(results_key(job_id))
        return _decode(encoded) if encoded is not None else None

    def plot(self, job_id: str) -> bytes | None:
        return self._redis.get(plot_key(job_id))

    def expire_in(self, transaction: Pipeline, transaction_db: int, job_id: str, at_ms: int) -> None:
        """Add to `transaction` (a MULTI on database `transaction_db`) the expiry of the job's results and plot."""
        self._expire_elsewhere(keys=[results_key(job_id), plot_key(job_id)], args=[self._db, transaction_db, at_ms],
                               client=transaction)


def _encode(results: JobResults) -> str:
    """Compact JSON, in the fields' order; the dates as YYYY-MM-DD."""
    return json.dumps(asdict(results), separators=(",", ":"), default=date.isoformat)


def _decode(encoded: bytes) -> JobResults:
    fields = json.loads(encoded)
    return JobResults(**{**fields, "start_date": date.fromisoformat(fields["start_date"]),
                         "end_date": date.fromisoformat(fields["end_date"])})
