"""Jobs in Redis (db 2): a hash per job, and sorted sets of ids by submission time, overall and per status.

An ended job's keys expire by themselves (PEXPIREAT, set with its final status); the listings are
trimmed of it by time as they are written and read, through `jobs:expiring`, its ids scored by
expiry. A submission writes the job and queues its id (db 1) in one Lua script.

Jobs stored before retention (021f1ac) have no `keep_seconds` field; `jobs:format` says once they
have been given their retention (genes.retention_upgrade).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable, Iterator, Mapping

import redis
from redis.typing import EncodableT

from adapters.hotqueue_job_queue import HotQueueJobQueue
from adapters.redis_client import LUA_NOW_MS, ReplicaAcks, as_text
from adapters.redis_result_repository import RedisResultRepository
from genes.errors import IdempotencyKeyReused, JobNotFound, StoreNotReplicated
from genes.job import Job, JobKind, JobParameters, JobStatus, Parameters, ReleaseDiffParameters

ALL_JOBS_KEY = "jobs"
EXPIRING_KEY = "jobs:expiring"  # ended jobs kept for a time: id -> when it expires (ms since the epoch)
FORMAT_KEY = "jobs:format"  # FORMAT_WITH_RETENTION once the jobs stored before retention have theirs
FORMAT_WITH_RETENTION = b"retention"
TRIMMED_PER_SUBMIT = 100  # a submit forgets at most this many expired ids: each one is forgotten once


def job_key(job_id: str) -> str:
    return f"job:{job_id}"


def status_key(status: JobStatus) -> str:
    return f"jobs:{status.name.lower()}"


def idempotency_key(key: str) -> str:
    """The job a client's Idempotency-Key was first sent for, and that job's parameters."""
    return f"idempotency:{key}"


LISTING_KEYS = (ALL_JOBS_KEY, *(status_key(status) for status in JobStatus))

# Both scripts start with this: the ids whose expiry (their score) is past leave every listing.
_TRIM = LUA_NOW_MS + """
local function trim(index, listings, most)
  local past = '(' .. string.format('%.0f', now_ms())
  local gone
  if most then
    gone = redis.call('ZRANGEBYSCORE', index, '-inf', past, 'LIMIT', 0, most)
  else
    gone = redis.call('ZRANGEBYSCORE', index, '-inf', past)
  end
  for first = 1, #gone, 1000 do
    local batch = {unpack(gone, first, math.min(first + 999, #gone))}
    for _, listing in ipairs(listings) do redis.call('ZREM', listing, unpack(batch)) end
    redis.call('ZREM', index, unpack(batch))
  end
end
"""

# KEYS: the expiry index, the listing to read, then every listing.  ARGV: first and last rank.
_LIST = _TRIM + """
trim(KEYS[1], {unpack(KEYS, 3)})
return redis.call('ZRANGE', KEYS[2], ARGV[1], ARGV[2])
"""

# KEYS: the expiry index, then every listing (all first, then one per status).  Answers each status's count.
_COUNT = _TRIM + """
trim(KEYS[1], {unpack(KEYS, 2)})
local counts = {}
for i = 3, #KEYS do counts[#counts + 1] = redis.call('ZCARD', KEYS[i]) end
return counts
"""

# KEYS: the job, its idempotency key or '', the expiry index, then every listing (all, submitted, others).
# ARGV: job id, score, parameters, this database, the queue's database, queue key, queued message,
#       then the job's hash, field and value after field.
# Answers {outcome, job id}: 'created' (also when a retry finds its own job), 'replayed' (the key's
# first job, same parameters) or 'conflict' (the key's first job had other parameters).
SUBMIT_SCRIPT = _TRIM + """
local job, key, index = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]
if key ~= '' then
  local first = redis.call('HMGET', key, 'job', 'parameters')
  if first[1] and first[1] ~= id then
    return {first[2] == ARGV[3] and 'replayed' or 'conflict', first[1]}
  end
end
if redis.call('EXISTS', job) == 0 then  -- else a retried call whose first run's answer was lost
  redis.call('HSET', job, unpack(ARGV, 8))
  redis.call('ZADD', KEYS[4], ARGV[2], id)
  redis.call('ZADD', KEYS[5], ARGV[2], id)
  if key ~= '' then redis.call('HSET', key, 'job', id, 'parameters', ARGV[3]) end
  -- A script's SELECT is its own (the caller's connection keeps its database); selecting this one
  -- back keeps it so in fakeredis too, which leaks it.
  redis.call('SELECT', ARGV[5])
  redis.call('RPUSH', ARGV[6], ARGV[7])
  redis.call('SELECT', ARGV[4])
end
trim(index, {unpack(KEYS, 4)}, """ + str(TRIMMED_PER_SUBMIT) + """)
return {'created', id}
"""

# A submit no replica confirmed, undone: the job, its listings, its idempotency key (if still its own), its
# queued id. KEYS: the job, its idempotency key or '', then every listing and the expiry index.
# ARGV: job id, this database, the queue's database, queue key, queued message.
WITHDRAW_SCRIPT = """
local job, key = KEYS[1], KEYS[2]
local id = ARGV[1]
redis.call('DEL', job)
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], id) end
if key ~= '' and redis.call('HGET', key, 'job') == id then redis.call('DEL', key) end
redis.call('SELECT', ARGV[3])
redis.call('LREM', ARGV[4], 0, ARGV[5])
redis.call('SELECT', ARGV[2])
"""


class RedisJobRepository:
    def __init__(self, client: redis.Redis, queue: HotQueueJobQueue, results: RedisResultRepository,
                 replicas: ReplicaAcks = ReplicaAcks()) -> None:
        """`replicas`: how many replicas must hold a submit before it is acknowledged (none by default)."""
        self._redis = client
        self._db = _database(client)
        self._queue = queue
        self._results = results
        self._replicas = replicas
        self._list = client.register_script(_LIST)
        self._count = client.register_script(_COUNT)
        self._submit = client.register_script(SUBMIT_SCRIPT)
        self._withdraw = client.register_script(WITHDRAW_SCRIPT)

    def submit(self, job: Job) -> Job:
        key = idempotency_key(job.idempotency_key) if job.idempotency_key else ""
        parameters = job.parameters.fingerprint()
        fields = [text for pair in _to_hash(job).items() for text in pair]
        keys = [job_key(job.id), key, EXPIRING_KEY, ALL_JOBS_KEY, status_key(job.status),
                *(k for k in LISTING_KEYS if k not in (ALL_JOBS_KEY, status_key(job.status)))]
        args: list[EncodableT] = [job.id, job.submitted_at.timestamp(), parameters, self._db, self._queue.db,
                self._queue.key, self._queue.message(job.id), *fields]
        while True:
            if self._replicas.required:
                pipe = self._redis.pipeline(transaction=False)  # one connection: WAIT counts the script's writes
                self._submit(keys=keys, args=args, client=pipe)
                self._replicas.wait_in(pipe)
                replies = pipe.execute()
            else:
                replies = [self._submit(keys=keys, args=args)]
            outcome, job_id = replies[0]
            job_id = job_id.decode()
            if outcome == b"created":
                if not self._replicas.confirmed(replies):
                    self._withdraw_unconfirmed(job.id, key)
                return job
            if outcome == b"conflict":
                raise IdempotencyKeyReused(job.idempotency_key or "", job_id)
            first = self.get(job_id)
            if first is not None:
                return first
            # The first job expired (with its key) since the script looked: submit anew.

    def _withdraw_unconfirmed(self, job_id: str, key: str) -> None:
        """Undo a submit no replica holds: the primary could fail over to a replica without it. (A worker
        that took its id meanwhile finds no job and skips it.)"""
        self._withdraw(keys=[job_key(job_id), key, *LISTING_KEYS, EXPIRING_KEY],
                       args=[job_id, self._db, self._queue.db, self._queue.key, self._queue.message(job_id)])
        raise StoreNotReplicated("the job")

    def get(self, job_id: str) -> Job | None:
        fields = self._redis.hgetall(job_key(job_id))
        return _from_hash(fields) if fields else None

    def ids(self, status: JobStatus | None = None, offset: int = 0, limit: int | None = None) -> list[str]:
        if limit is not None and limit <= 0:
            return []
        listing = ALL_JOBS_KEY if status is None else status_key(status)
        last = -1 if limit is None else offset + limit - 1
        found = self._list(keys=[EXPIRING_KEY, listing, *LISTING_KEYS], args=[offset, last])
        return [job_id.decode() for job_id in found]

    def count_by_status(self) -> dict[JobStatus, int]:
        """One call: the expired ids leave the listings (each once, as a listing does), then ZCARD, O(1), each."""
        return dict(zip(JobStatus, self._count(keys=[EXPIRING_KEY, *LISTING_KEYS])))

    def stored_before_retention(self, status: JobStatus, batch_size: int) -> Iterator[list[Job]]:
        for ids in _walk(self._redis, status_key(status), batch_size):
            pipe = self._redis.pipeline(transaction=False)
            for job_id in ids:
                pipe.hgetall(job_key(job_id))
            yield [_from_hash(fields) for fields in pipe.execute() if fields and b"keep_seconds" not in fields]

    def is_retention_upgraded(self) -> bool:
        return self._redis.get(FORMAT_KEY) == FORMAT_WITH_RETENTION

    def mark_retention_upgraded(self) -> None:
        self._redis.set(FORMAT_KEY, FORMAT_WITH_RETENTION)

    def update(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        key = job_key(job_id)

        def compare_and_set(pipe: redis.client.Pipeline) -> Job:
            fields = pipe.hgetall(key)
            if not fields:
                raise JobNotFound(job_id)
            before = _from_hash(fields)
            after = change(before)
            pipe.multi()
            pipe.hset(key, mapping=_to_hash(after))  # type: ignore[arg-type]  # see _to_hash
            if after.status is not before.status:
                score = after.submitted_at.timestamp()
                pipe.zrem(status_key(before.status), job_id)
                pipe.zadd(status_key(after.status), {job_id: score})
            if after.expires_at is not None and before.expires_at is None:
                self._expire(pipe, after, after.expires_at)
            return after

        # WATCH the job: if another process changes it before EXEC, redo the change on its new state.
        # value_from_callable: it answers compare_and_set's Job, which redis-py's annotations do not foresee.
        changed: Job = self._redis.transaction(compare_and_set, key, value_from_callable=True)  # type: ignore[arg-type, assignment]
        return changed

    def _expire(self, pipe: redis.client.Pipeline, job: Job, at: datetime) -> None:
        """In the transaction that ends the job: it expires at `at`, with its key and its listed ids; its
        results live at least as long."""
        at_ms = _ms(at)
        pipe.pexpireat(job_key(job.id), at_ms)
        if job.idempotency_key:
            pipe.pexpireat(idempotency_key(job.idempotency_key), at_ms)
        pipe.zadd(EXPIRING_KEY, {job.id: at_ms})
        if job.results_id:  # shared with other jobs: kept as long as the longest kept of them
            self._results.keep_in(pipe, self._db, job.results_id, at_ms)
        elif job.status is JobStatus.COMPLETE:  # completed before results were shared: its own, under its id
            self._results.expire_in(pipe, self._db, job.id, at_ms)


def _walk(client: redis.Redis, listing: str, batch_size: int) -> Iterator[list[str]]:
    """The ids of a listing in batches, by score: every id listed throughout is met once at least, while
    others come and go (ranks would shift under the walk). Ids of one score come in order: those met
    at the last score are skipped."""
    score: float | str = "-inf"
    met_at_score: set[bytes] = set()
    while True:
        # (id, score) pairs with WITHSCORES, which redis-py's annotations do not tell apart
        found: list[tuple[bytes, float]] = client.zrangebyscore(  # type: ignore[assignment]
            listing, score, "+inf", start=0, num=batch_size + len(met_at_score), withscores=True)
        fresh = [(job_id, at) for job_id, at in found if job_id not in met_at_score]
        if not fresh:
            return
        yield [as_text(job_id) for job_id, _ in fresh]
        score = fresh[-1][1]
        met_at_score = {job_id for job_id, at in found if at == score}


def _database(client: redis.Redis) -> int:
    return int(client.connection_pool.connection_kwargs.get("db", 0))


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _to_hash(job: Job) -> dict[str, str]:
    """The job as its hash's fields. (redis-py types HSET's mapping as a Mapping of its own key type,
    which is invariant: a dict[str, str] is refused by the type check, never by Redis.)"""
    fields = {
        "id": job.id,
        "status": job.status.value,
        **_parameters_hash(job.parameters),
        "release": _day(job.release),
        "submitted_at": job.submitted_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else "",
        "finished_at": job.finished_at.isoformat() if job.finished_at else "",
        "error": job.error or "",
        "attempts": str(job.attempts),
        "keep_seconds": str(job.keep_for.total_seconds()) if job.keep_for is not None else "",
        "idempotency_key": job.idempotency_key or "",
        "results_id": job.results_id or "",
        "reused": "1" if job.reused else "",
    }
    return fields


def _parameters_hash(parameters: Parameters) -> dict[str, str]:
    """The parameters as hash fields: an analysis's as before there were two kinds (no "kind"), and the
    release it asked for, if any."""
    if isinstance(parameters, ReleaseDiffParameters):
        return {"kind": parameters.kind.value, "from_release": parameters.from_release.isoformat(),
                "to_release": parameters.to_release.isoformat()}
    return {"start_date": parameters.start_date.isoformat(), "end_date": parameters.end_date.isoformat(),
            "locus_group": parameters.locus_group or "", "asked_release": _day(parameters.release)}


def _parameters_of(fields: Mapping[str, str]) -> Parameters:
    """Jobs stored before releases have no "kind" (analyses) nor any release."""
    if fields.get("kind") == JobKind.RELEASE_DIFF.value:
        return ReleaseDiffParameters(date.fromisoformat(fields["from_release"]),
                                     date.fromisoformat(fields["to_release"]))
    return JobParameters(
        start_date=date.fromisoformat(fields["start_date"]),
        end_date=date.fromisoformat(fields["end_date"]),
        locus_group=fields["locus_group"] or None,
        release=_date(fields.get("asked_release", "")),
    )


def _day(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _from_hash(raw: Mapping[bytes | str, bytes | str]) -> Job:
    fields = {as_text(name): as_text(value) for name, value in raw.items()}
    keep_seconds = fields.get("keep_seconds")  # absent from jobs stored before retention: kept for ever
    return Job(
        id=fields["id"],
        parameters=_parameters_of(fields),
        release=_date(fields.get("release", "")),
        status=JobStatus(fields["status"]),
        submitted_at=datetime.fromisoformat(fields["submitted_at"]),
        started_at=_time(fields["started_at"]),
        finished_at=_time(fields["finished_at"]),
        error=fields["error"] or None,
        attempts=int(fields["attempts"]),
        keep_for=timedelta(seconds=float(keep_seconds)) if keep_seconds else None,
        idempotency_key=fields.get("idempotency_key") or None,
        results_id=fields.get("results_id") or None,
        reused=bool(fields.get("reused")),
    )


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
