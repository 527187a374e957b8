"""Jobs in Redis (db 2): a hash per job, and sorted sets of ids by submission time, overall and per status."""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

import redis

from genes.errors import JobNotFound
from genes.job import Job, JobParameters, JobStatus

ALL_JOBS_KEY = "jobs"


def job_key(job_id: str) -> str:
    return f"job:{job_id}"


def status_key(status: JobStatus) -> str:
    return f"jobs:{status.name.lower()}"


class RedisJobRepository:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def add(self, job: Job) -> None:
        score = job.submitted_at.timestamp()
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(job_key(job.id), mapping=_to_hash(job))
        pipe.zadd(ALL_JOBS_KEY, {job.id: score})
        pipe.zadd(status_key(job.status), {job.id: score})
        pipe.execute()

    def get(self, job_id: str) -> Job | None:
        fields = self._redis.hgetall(job_key(job_id))
        return _from_hash(fields) if fields else None

    def ids(self, status: JobStatus | None = None) -> list[str]:
        key = ALL_JOBS_KEY if status is None else status_key(status)
        return [job_id.decode() for job_id in self._redis.zrange(key, 0, -1)]

    def update(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        key = job_key(job_id)

        def compare_and_set(pipe: redis.client.Pipeline) -> Job:
            fields = pipe.hgetall(key)
            if not fields:
                raise JobNotFound(job_id)
            before = _from_hash(fields)
            after = change(before)
            pipe.multi()
            pipe.hset(key, mapping=_to_hash(after))
            if after.status is not before.status:
                score = after.submitted_at.timestamp()
                pipe.zrem(status_key(before.status), job_id)
                pipe.zadd(status_key(after.status), {job_id: score})
            return after

        # WATCH the job: if another process changes it before EXEC, redo the change on its new state.
        return self._redis.transaction(compare_and_set, key, value_from_callable=True)


def _to_hash(job: Job) -> dict[str, str]:
    fields = {
        "id": job.id,
        "status": job.status.value,
        "start_date": job.parameters.start_date.isoformat(),
        "end_date": job.parameters.end_date.isoformat(),
        "locus_group": job.parameters.locus_group or "",
        "submitted_at": job.submitted_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else "",
        "finished_at": job.finished_at.isoformat() if job.finished_at else "",
        "error": job.error or "",
        "attempts": str(job.attempts),
    }
    return fields


def _from_hash(raw: dict[bytes, bytes]) -> Job:
    fields = {name.decode(): value.decode() for name, value in raw.items()}
    return Job(
        id=fields["id"],
        parameters=JobParameters(
            start_date=date.fromisoformat(fields["start_date"]),
            end_date=date.fromisoformat(fields["end_date"]),
            locus_group=fields["locus_group"] or None,
        ),
        status=JobStatus(fields["status"]),
        submitted_at=datetime.fromisoformat(fields["submitted_at"]),
        started_at=_time(fields["started_at"]),
        finished_at=_time(fields["finished_at"]),
        error=fields["error"] or None,
        attempts=int(fields["attempts"]),
    )


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
