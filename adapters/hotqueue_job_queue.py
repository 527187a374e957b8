"""The job queue (db 1): a HotQueue of job ids, serialised as JSON (never pickle), taken reliably.

Plain HotQueue pops an id with BLPOP: a worker that dies before the job ends loses it. Here a
worker takes an id with BLMOVE into its own in-flight list and removes it only when the job has
ended (ack). Each worker keeps a heartbeat key alive; a worker whose heartbeat has expired is
dead, and any other worker's sweep moves its in-flight ids back to the front of the queue.
"""
from __future__ import annotations

import json
import logging
from typing import Callable

import redis
from hotqueue import HotQueue

QUEUE_NAME = "jobs"
log = logging.getLogger(__name__)


def inflight_key(queue_key: str, worker_id: str) -> str:
    """The list of ids a worker has taken and not yet finished."""
    return f"{queue_key}:inflight:{worker_id}"


def heartbeat_key(queue_key: str, worker_id: str) -> str:
    """A worker's lease: it exists while the worker is alive."""
    return f"{queue_key}:worker:{worker_id}"


def dead_letter_key(queue_key: str) -> str:
    """Messages taken off the queue that are not job ids, kept for a human to look at."""
    return f"{queue_key}:dead"


def _hotqueue(name: str, client: redis.Redis) -> HotQueue:
    # HotQueue builds its own client from keyword arguments; sharing our client's pool keeps one
    # configuration (and lets tests hand it fakeredis's pool).
    return HotQueue(name, serializer=json, connection_pool=client.connection_pool)


class HotQueueJobQueue:
    """The producer's side: where and how a job id is queued (a submission's script writes it), and `put`."""

    def __init__(self, client: redis.Redis, name: str = QUEUE_NAME) -> None:
        self._hotqueue = _hotqueue(name, client)
        self.db = int(client.connection_pool.connection_kwargs.get("db", 0))

    @property
    def key(self) -> str:
        return self._hotqueue.key

    def message(self, job_id: str) -> str:
        """The id as HotQueue's `put` writes it, and `@worker`'s `get` reads it: JSON."""
        return self._hotqueue.serializer.dumps(job_id)

    def put(self, job_id: str) -> None:
        self._hotqueue.put(job_id)

    def __len__(self) -> int:
        return len(self._hotqueue)


class ReliableHotQueue(HotQueue):
    """A HotQueue whose `get` moves the message into this worker's in-flight list (BLMOVE)."""

    def __init__(self, name: str, client: redis.Redis, worker_id: str) -> None:
        super().__init__(name, serializer=json, connection_pool=client.connection_pool)
        self._redis = client
        self.worker_id = worker_id

    def get(self, block: bool = False, timeout: float | None = None) -> object | None:
        taken_key = inflight_key(self.key, self.worker_id)
        # A worker asks for the next id only when it holds none. An id still in its list was moved by
        # a BLMOVE whose answer was lost (redis-py then sends the command again): give it back first.
        self.requeue_inflight(self.worker_id)
        while True:
            if block:
                raw = self._redis.blmove(self.key, taken_key, timeout or 0, "LEFT", "RIGHT")
            else:
                raw = self._redis.lmove(self.key, taken_key, "LEFT", "RIGHT")
            if raw is None:
                return None
            job_id = self._decode(raw)
            if job_id is not None:
                return job_id
            # Not a job id: set it aside rather than die on it (and kill each worker it is swept to).
            pipe = self._redis.pipeline(transaction=True)
            pipe.lrem(taken_key, 1, raw)
            pipe.rpush(dead_letter_key(self.key), raw)
            pipe.execute()
            log.warning("moved a malformed queue message to %s: %r", dead_letter_key(self.key), raw[:200])

    def _decode(self, raw: bytes) -> str | None:
        try:
            message = self.serializer.loads(raw)
        except ValueError:
            return None
        return message if isinstance(message, str) and message else None

    def ack(self, message: object) -> None:
        self._redis.lrem(inflight_key(self.key, self.worker_id), 1, self.serializer.dumps(message))

    def requeue_inflight(self, worker_id: str) -> int:
        """Move a worker's in-flight ids back to the front of the queue, in order; how many."""
        moved = 0
        while self._redis.lmove(inflight_key(self.key, worker_id), self.key, "RIGHT", "LEFT") is not None:
            moved += 1
        return moved


class HotQueueJobConsumer:
    """The worker's side: take ids reliably, keep a lease alive, recover dead workers' ids."""

    def __init__(self, client: redis.Redis, worker_id: str, lease_seconds: float, name: str = QUEUE_NAME) -> None:
        self._queue = ReliableHotQueue(name, client, worker_id)
        self._redis = client
        self.lease_seconds = lease_seconds

    @property
    def worker_id(self) -> str:
        return self._queue.worker_id

    @property
    def key(self) -> str:
        return self._queue.key

    def work(self, handle: Callable[[str], object], idle_timeout: float = 1) -> None:
        """Hand each queued id to `handle` (HotQueue's `@worker`) until the queue stays empty for
        `idle_timeout` s. An id is acknowledged once `handle` returns, and stays in flight if it raises.
        """

        @self._queue.worker(timeout=idle_timeout)
        def consume(job_id: str) -> None:
            handle(job_id)
            self._queue.ack(job_id)

        consume()

    def heartbeat(self) -> None:
        """Renew this worker's lease: dead after three missed beats (a quarter of the lease each)."""
        self._redis.set(heartbeat_key(self.key, self.worker_id), "alive", px=int(self.lease_seconds * 750))

    def resign(self) -> None:
        """On a clean stop: give back whatever is still in flight and drop the heartbeat."""
        self.return_inflight()
        self._redis.delete(heartbeat_key(self.key, self.worker_id))

    def return_inflight(self) -> int:
        """Give back this worker's own in-flight ids, e.g. after losing Redis mid-job."""
        return self._queue.requeue_inflight(self.worker_id)

    def sweep_dead_workers(self) -> int:
        """Return to the queue the in-flight ids of every worker whose heartbeat has expired."""
        prefix = inflight_key(self.key, "")
        recovered = 0
        for key in self._redis.scan_iter(match=f"{prefix}*", count=100):
            worker_id = key.decode()[len(prefix):]
            if worker_id == self.worker_id or self._redis.exists(heartbeat_key(self.key, worker_id)):
                continue
            moved = self._queue.requeue_inflight(worker_id)
            if moved:
                log.warning("worker %s is gone: returned %d job(s) to the queue", worker_id, moved)
            recovered += moved
        return recovered
