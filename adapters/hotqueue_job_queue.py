"""The job queue (db 1): a HotQueue of job ids, serialised as JSON (never pickle), taken reliably.

Plain HotQueue pops an id with BLPOP: a worker that dies before the job ends loses it. Here a
worker takes an id with BLMOVE into its own in-flight list and removes it only when the job has
ended (ack). Each worker holds a lease, a key that expires unless renewed; the in-flight ids of a
worker whose lease has expired go back to the front of the queue at any other worker's next beat.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import datetime, timezone
from types import TracebackType

import redis
from hotqueue import HotQueue
from redis.typing import EncodableT

from adapters.redis_client import as_bytes, as_text, outage_as_store_unavailable
from genes.errors import StoreUnavailable

QUEUE_NAME = "jobs"
RUNNING_FIELDS = ("current_job", "current_job_started_at")  # in a lease while its worker runs a job
log = logging.getLogger(__name__)


def inflight_key(queue_key: str, worker_id: str) -> str:
    """The list of ids a worker has taken and not yet finished."""
    return f"{queue_key}:inflight:{worker_id}"


def heartbeat_key(queue_key: str, worker_id: str) -> str:
    """A worker's lease: it exists while the worker is alive. A hash: host, pid, started_at, last_seen, jobs_done,
    job_timeout_seconds, and while it runs a job, current_job and current_job_started_at."""
    return f"{queue_key}:worker:{worker_id}"


def workers_key(queue_key: str) -> str:
    """The set of workers that may hold ids in flight: joined at each beat, left once their ids are given back."""
    return f"{queue_key}:workers"


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
        message: str = self._hotqueue.serializer.dumps(job_id)
        return message

    def put(self, job_id: str) -> None:
        with outage_as_store_unavailable():  # HotQueue sends it through a client of its own
            self._hotqueue.put(job_id)


class HotQueueJobConsumer(HotQueue):
    """The worker's side: a HotQueue whose `get` moves the id into this worker's in-flight list
    (BLMOVE) and answers None once a stop is asked, which ends HotQueue's `@worker` loop."""

    def __init__(self, client: redis.Redis, worker_id: str, lease_seconds: float, name: str = QUEUE_NAME,
                 job_timeout_seconds: float | None = None) -> None:
        super().__init__(name, serializer=json, connection_pool=client.connection_pool)
        self._redis = client
        self.worker_id = worker_id
        self.lease = Lease(client, self.key, worker_id, lease_seconds, job_timeout_seconds)
        self.stopping = threading.Event()
        self._taken_key = inflight_key(self.key, worker_id)

    def get(self, block: bool = True, timeout: int | None = None) -> str | None:
        """The next job id, now in flight; None if none came within `timeout` s, or once a stop is
        asked (an id taken meanwhile stays in flight, and the lease gives it back as it ends)."""
        if self.stopping.is_set():
            return None
        # A worker asks for the next id only when it holds none. An id still in its list was moved by
        # a BLMOVE whose answer was lost (redis-py then sends the command again): give it back first.
        _requeue_inflight(self._redis, self.key, self.worker_id)
        raw = self._take(block, timeout)
        while raw is not None and not self.stopping.is_set():
            job_id = self._decode(raw)
            if job_id is not None:
                return job_id
            self._set_aside(raw)
            raw = self._take(block, timeout)
        return None

    def ack(self, job_id: str) -> None:
        """The job has ended: its id leaves the in-flight list, and the lease counts one more job done."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.lrem(self._taken_key, 1, self.serializer.dumps(job_id))
        self.lease.count_job_done(pipe)
        pipe.execute()

    def retry(self, job_id: str) -> None:
        """The job's attempt ended without ending the job: its id goes from the in-flight list to the back of
        the queue, in one step, behind the jobs waiting."""
        message = self.serializer.dumps(job_id)
        pipe = self._redis.pipeline(transaction=True)
        pipe.lrem(self._taken_key, 1, message)
        pipe.rpush(self.key, message)
        self.lease.hold(pipe)
        pipe.execute()

    def _take(self, block: bool, timeout: int | None) -> bytes | None:
        if block:
            raw = self._redis.blmove(self.key, self._taken_key, timeout or 0, "LEFT", "RIGHT")
        else:
            raw = self._redis.lmove(self.key, self._taken_key, "LEFT", "RIGHT")
        return as_bytes(raw) if raw is not None else None

    def _decode(self, raw: bytes) -> str | None:
        try:
            message = self.serializer.loads(raw)
        except ValueError:
            return None
        return message if isinstance(message, str) and message else None

    def _set_aside(self, raw: bytes) -> None:
        """Not a job id: keep it for a human rather than die on it (and kill each worker it is swept to)."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.lrem(self._taken_key, 1, raw)  # type: ignore[arg-type]  # redis-py types it str; any bytes go out as they are
        pipe.rpush(dead_letter_key(self.key), raw)
        pipe.execute()
        log.warning("moved a malformed queue message to %s: %r", dead_letter_key(self.key), raw[:200])


class Lease:
    """A worker's hold on the ids it has taken: a key that expires unless renewed, and the thread that renews it.

    The thread beats four times a lease; the key outlives three missed beats (0.75 lease). Each beat
    also gives the in-flight ids of every worker whose key has expired back to the queue, so a dead
    worker's job is taken again within about one lease of its last beat.

    The key is also the worker's entry in the list of live workers (GET /workers): who it is, when
    it last beat, how many jobs it has done. A killed worker's entry expires with its key.
    """

    def __init__(self, client: redis.Redis, queue_key: str, worker_id: str, seconds: float,
                 job_timeout_seconds: float | None = None) -> None:
        self.seconds = seconds
        self.beat_interval = seconds / 4
        self.key_lifetime = seconds * 3 / 4
        self._redis = client
        self._queue_key = queue_key
        self._worker_id = worker_id
        self._key = heartbeat_key(queue_key, worker_id)
        self._identity: dict[EncodableT, EncodableT] = {"host": socket.gethostname(), "pid": os.getpid(),
                                                        "started_at": _now()}
        if job_timeout_seconds is not None:
            self._identity["job_timeout_seconds"] = job_timeout_seconds
        self._running: dict[EncodableT, EncodableT] = {}  # the job it runs, and since when
        self._ended = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name="lease", daemon=True)

    def renew(self) -> None:
        pipe = self._redis.pipeline(transaction=True)
        self.hold(pipe)
        pipe.execute()

    def job_started(self, job_id: str) -> None:
        """Say, at once and at each beat until `job_ended`, that the worker runs `job_id` since now
        (GET /workers shows for how long; `--check` fails once it is past the time limit)."""
        self._running = {"current_job": job_id, "current_job_started_at": _now()}
        self.renew()

    def job_ended(self) -> None:
        """The next beat (or the acknowledgement) says the worker runs no job."""
        self._running = {}

    def count_job_done(self, pipe: redis.client.Pipeline) -> None:
        """Add to `pipe`: one more job done (and a renewal: the worker is plainly alive)."""
        pipe.hincrby(self._key, "jobs_done", 1)
        self.hold(pipe)

    def hold(self, pipe: redis.client.Pipeline) -> None:
        """Add to `pipe`: a renewal of the lease, saying which job the worker runs, if any."""
        running = self._running  # one read: the main thread replaces it whole
        # Every field each time: a key that expired while the worker was frozen comes back whole.
        pipe.hset(self._key, mapping={**self._identity, **running, "last_seen": _now()})
        if not running:  # also mends a beat that wrote a job just ended
            pipe.hdel(self._key, *RUNNING_FIELDS)
        pipe.pexpire(self._key, round(self.key_lifetime * 1000))
        pipe.sadd(workers_key(self._queue_key), self._worker_id)

    def __enter__(self) -> Lease:
        self._keeper.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        """Stop beating, give back the ids still in flight (in order, to the front), then drop the key."""
        self._ended.set()
        self._keeper.join(self.beat_interval)  # so that no beat renews the key after it is dropped
        try:
            _requeue_inflight(self._redis, self._queue_key, self._worker_id)
            pipe = self._redis.pipeline(transaction=True)  # off the list of workers at once
            pipe.delete(self._key)
            pipe.srem(workers_key(self._queue_key), self._worker_id)
            pipe.execute()
        except StoreUnavailable as unavailable:  # the key expires by itself, and another's beat gives the ids back
            log.warning("could not end the lease cleanly: %s", unavailable.__cause__ or unavailable)

    def _keep(self) -> None:
        while not self._ended.wait(self.beat_interval):
            try:
                self.renew()
                self._recover_from_dead_workers()
            except StoreUnavailable as unavailable:
                log.warning("lease not renewed: %s", unavailable.__cause__ or unavailable)
            except Exception:  # e.g. READONLY or OOM from Redis: the lease must outlive any one beat
                log.exception("lease not renewed")

    def _recover_from_dead_workers(self) -> None:
        """The ids held by any worker whose key has expired go back; the registered ones leave the set after."""
        prefix = inflight_key(self._queue_key, "")
        holding = {key.decode()[len(prefix):] for key in self._redis.scan_iter(match=f"{prefix}*", count=100)}
        registered = {as_text(member) for member in self._redis.smembers(workers_key(self._queue_key))}
        for worker_id in sorted((holding | registered) - {self._worker_id}):
            if self._redis.exists(heartbeat_key(self._queue_key, worker_id)):
                continue
            moved = _requeue_inflight(self._redis, self._queue_key, worker_id)
            if moved:
                log.warning("worker %s is gone: returned %d job(s) to the queue", worker_id, moved)
            # Only now: its ids count as in flight until they are back. (Its key is left alone: a
            # worker that thaws just now renews it, and its next beat joins the set again.)
            self._redis.srem(workers_key(self._queue_key), worker_id)


def _requeue_inflight(client: redis.Redis, queue_key: str, worker_id: str) -> int:
    """Move a worker's in-flight ids back to the front of the queue, in order; how many."""
    moved = 0
    while client.lmove(inflight_key(queue_key, worker_id), queue_key, "RIGHT", "LEFT") is not None:
        moved += 1
    return moved


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
