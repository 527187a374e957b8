"""The queue (db 1) as an operator sees it: its counts and the live workers, read without walking any list."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import redis
from hotqueue import key_for_name

from adapters.hotqueue_job_queue import QUEUE_NAME, dead_letter_key, heartbeat_key, inflight_key, workers_key
from adapters.redis_client import UNAVAILABLE
from genes.errors import StoreUnavailable
from genes.monitoring import QueueCounts, WorkerInfo

# One call, whatever the length of the lists: LLEN is O(1), and the loop runs over the registered
# workers (a handful), not over ids. Workers count when their lease key is still alive.
_COUNTS = """
local workers, in_flight = 0, 0
for _, worker_id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    workers = workers + redis.call('EXISTS', ARGV[2] .. worker_id)
    in_flight = in_flight + redis.call('LLEN', ARGV[1] .. worker_id)
end
return {redis.call('LLEN', KEYS[1]), in_flight, redis.call('LLEN', KEYS[2]), workers}
"""


class HotQueueMonitor:
    def __init__(self, client: redis.Redis, name: str = QUEUE_NAME) -> None:
        self._redis = client
        self._key = key_for_name(name)
        self._counts = client.register_script(_COUNTS)

    def counts(self) -> QueueCounts:
        keys = [self._key, dead_letter_key(self._key), workers_key(self._key)]
        prefixes = [inflight_key(self._key, ""), heartbeat_key(self._key, "")]
        queued, in_flight, dead_letters, workers = self._counts(keys=keys, args=prefixes)
        return QueueCounts(queued=queued, in_flight=in_flight, dead_letters=dead_letters, workers=workers)

    def workers(self) -> list[WorkerInfo]:
        worker_ids = sorted(_text(member) for member in self._redis.smembers(workers_key(self._key)))
        pipe = self._redis.pipeline(transaction=False)
        for worker_id in worker_ids:
            pipe.hgetall(heartbeat_key(self._key, worker_id))
            pipe.lindex(inflight_key(self._key, worker_id), 0)
        # An entry gone (the lease expired) or not a lease of this version (an error here) is no live worker.
        answers = pipe.execute(raise_on_error=False) if worker_ids else []
        live = [_worker(worker_id, fields, current) for worker_id, fields, current
                in zip(worker_ids, answers[::2], answers[1::2]) if fields and isinstance(fields, dict)]
        return sorted(live, key=lambda worker: (worker.started_at, worker.id))

    def worker(self, worker_id: str) -> WorkerInfo | None:
        """One worker, if it holds a live lease. Any Redis error (not only an outage: a reply of the wrong
        type too) is StoreUnavailable: `--check` asks this, and answers "unhealthy" to each."""
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.hgetall(heartbeat_key(self._key, worker_id))
            pipe.lindex(inflight_key(self._key, worker_id), 0)
            fields, current = pipe.execute()
        except redis.RedisError as error:
            raise StoreUnavailable(UNAVAILABLE) from error
        return _worker(worker_id, fields, current) if fields else None


def _worker(worker_id: str, raw: dict[bytes, bytes], current: bytes | None) -> WorkerInfo:
    fields = {name.decode(): value.decode() for name, value in raw.items()}
    running_since = _time(fields.get("current_job_started_at"))
    return WorkerInfo(
        id=worker_id,
        host=fields["host"],
        pid=int(fields["pid"]),
        started_at=datetime.fromisoformat(fields["started_at"]),
        last_seen=datetime.fromisoformat(fields["last_seen"]),
        current_job=_job_id(current),
        jobs_done=int(fields.get("jobs_done", 0)),
        job_timeout_seconds=float(fields["job_timeout_seconds"]) if "job_timeout_seconds" in fields else None,
        current_job_started_at=running_since,
        current_job_seconds=(datetime.now(timezone.utc) - running_since).total_seconds() if running_since else None,
    )


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _job_id(raw: bytes | None) -> str | None:
    """The id a worker holds in flight; None for none (or for a malformed message it is about to set aside)."""
    try:
        message = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return message if isinstance(message, str) else None
