"""Jobs as the service stored them before jobs had a retention (021f1ac), written key by key."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import redis

from genes.job import Job, JobParameters

# 021f1ac's keys and fields, spelled out here rather than taken from today's adapter, which may drift.
OLD_FIELDS = ("id", "status", "start_date", "end_date", "locus_group", "submitted_at", "started_at",
              "finished_at", "error", "attempts")
OLD_RESULTS = b'{"total":2,"by_year":{"1989":2}}'
OLD_PLOT = b"\x89PNG\r\n\x1a\n a plot of 2026"
LATE_EIGHTIES = JobParameters(date(1986, 1, 1), date(1991, 12, 31))


def ended_days_ago(days: float, how: str = "complete", submitted_minutes_earlier: int = 2) -> Job:
    """A job of the late eighties that ended `days` ago (complete, failed or cancelled)."""
    finished = datetime.now(timezone.utc) - timedelta(days=days)
    job = Job.submit(LATE_EIGHTIES)
    submitted = finished - timedelta(minutes=submitted_minutes_earlier)
    if how == "cancelled":
        return Job(id=job.id, parameters=job.parameters, submitted_at=submitted).cancel(at=finished)
    started = Job(id=job.id, parameters=job.parameters, submitted_at=submitted).start(at=submitted)
    return started.complete(at=finished) if how == "complete" else started.fail("no gene data is loaded", at=finished)


def unfinished(started: bool) -> Job:
    """A job submitted an hour ago, then started (in progress) or not (submitted)."""
    submitted = datetime.now(timezone.utc) - timedelta(hours=1)
    job = replace(Job.submit(LATE_EIGHTIES), submitted_at=submitted)
    return job.start(at=submitted) if started else job


def store_as_021f1ac(jobs_redis: redis.Redis, results_redis: redis.Redis, job: Job) -> Job:
    """The job's hash, its ids in `jobs` and `jobs:<status>` scored by submission, and for a complete
    job its results and plot under its own id: as 021f1ac's RedisJobRepository.add and update, and its
    RedisResultRepository.save, left them (no expiry anywhere)."""
    fields = {
        "id": job.id, "status": job.status.value,
        "start_date": job.parameters.start_date.isoformat(), "end_date": job.parameters.end_date.isoformat(),
        "locus_group": job.parameters.locus_group or "", "submitted_at": job.submitted_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else "",
        "finished_at": job.finished_at.isoformat() if job.finished_at else "",
        "error": job.error or "", "attempts": str(job.attempts),
    }
    assert tuple(fields) == OLD_FIELDS
    score = job.submitted_at.timestamp()
    jobs_redis.hset(f"job:{job.id}", mapping=fields)
    jobs_redis.zadd("jobs", {job.id: score})
    jobs_redis.zadd(f"jobs:{job.status.name.lower()}", {job.id: score})
    if job.status.value == "complete":
        results_redis.set(f"results:{job.id}", OLD_RESULTS)
        results_redis.set(f"results:{job.id}:plot", OLD_PLOT)
    return job


def ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)
