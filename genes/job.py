"""A job: its parameters (an analysis, or a release diff), a status that only moves forward, and the time of each change."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import ClassVar

from genes.errors import InvalidJobTransition


class JobStatus(str, Enum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in progress"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (JobStatus.COMPLETE, JobStatus.FAILED, JobStatus.CANCELLED)


class JobKind(str, Enum):
    ANALYSIS = "analysis"
    RELEASE_DIFF = "release_diff"


@dataclass(frozen=True)
class JobParameters:
    """What to analyse: genes approved in [start_date, end_date], optionally of one locus group, in one
    release (None: the live one when the job is submitted; `Job.release` records which it was)."""

    start_date: date
    end_date: date
    locus_group: str | None = None
    release: date | None = None  # as asked
    kind: ClassVar[JobKind] = JobKind.ANALYSIS

    def results_id(self, set_id: str) -> str:
        """The name of these parameters' results on one loaded gene set: jobs that share it share the results."""
        return f"{set_id}/{self.start_date.isoformat()}/{self.end_date.isoformat()}/{self.locus_group or 'all'}"

    def fingerprint(self) -> str:
        """What an Idempotency-Key compares: the parameters as asked (as before releases, when none is)."""
        asked = f"/{self.release.isoformat()}" if self.release else ""
        return f"{self.start_date.isoformat()}/{self.end_date.isoformat()}/{self.locus_group or ''}{asked}"


@dataclass(frozen=True)
class ReleaseDiffParameters:
    """What changed from one held release to a newer one."""

    from_release: date
    to_release: date
    kind: ClassVar[JobKind] = JobKind.RELEASE_DIFF

    def results_id(self, from_set_id: str, to_set_id: str) -> str:
        """Jobs comparing the same two loaded sets share the results."""
        return f"release_diff/{from_set_id}/{to_set_id}"

    def fingerprint(self) -> str:
        return f"release_diff/{self.from_release.isoformat()}/{self.to_release.isoformat()}"


Parameters = JobParameters | ReleaseDiffParameters


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Job:
    id: str
    parameters: Parameters
    status: JobStatus = JobStatus.SUBMITTED
    submitted_at: datetime = field(default_factory=utc_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    attempts: int = 0
    keep_for: timedelta | None = None  # how long it is kept once ended; None: for ever
    idempotency_key: str | None = None  # the client's key for its submission, kept as long as the job
    results_id: str | None = None  # once complete: the results it answers (see JobParameters.results_id)
    reused: bool = False  # completed with results that were stored before this run: no analysis, no plot
    # The release an analysis reads, resolved when it was submitted; None for a diff (its parameters name
    # both), and for jobs stored before releases or submitted with none loaded: they read the live one.
    release: date | None = None

    @classmethod
    def submit(cls, parameters: Parameters, keep_for: timedelta | None = None,
               idempotency_key: str | None = None, release: date | None = None) -> Job:
        return cls(id=str(uuid.uuid4()), parameters=parameters, keep_for=keep_for, idempotency_key=idempotency_key,
                   release=release)

    @property
    def expires_at(self) -> datetime | None:
        """When the job is forgotten: `keep_for` after it ended; None while it runs, or if kept for ever."""
        if self.finished_at is None or self.keep_for is None:
            return None
        return self.finished_at + self.keep_for

    def with_retention(self, keep_for: timedelta) -> Job:
        """A job stored before jobs had a retention, kept as it would have been since: once ended, it
        expires `keep_for` after it ended (at once when that is past). A job with one is answered unchanged."""
        if self.keep_for is not None:
            return self
        return replace(self, keep_for=keep_for)

    def start(self, at: datetime | None = None) -> Job:
        """Taken by a worker; a job whose previous worker died is started again."""
        self._require(JobStatus.SUBMITTED, JobStatus.IN_PROGRESS, to=JobStatus.IN_PROGRESS)
        return replace(self, status=JobStatus.IN_PROGRESS, started_at=at or utc_now(), attempts=self.attempts + 1)

    def complete(self, results_id: str | None = None, reused: bool = False, at: datetime | None = None) -> Job:
        self._require(JobStatus.IN_PROGRESS, to=JobStatus.COMPLETE)
        return replace(self, status=JobStatus.COMPLETE, finished_at=at or utc_now(), results_id=results_id,
                       reused=reused, error=None)

    def fail(self, reason: str, at: datetime | None = None) -> Job:
        self._require(JobStatus.SUBMITTED, JobStatus.IN_PROGRESS, to=JobStatus.FAILED)
        return replace(self, status=JobStatus.FAILED, finished_at=at or utc_now(), error=reason)

    def retry(self, reason: str) -> Job:
        """Its attempt failed in a way the next may not (it timed out): still in progress, the reason kept,
        until a worker starts it again."""
        self._require(JobStatus.IN_PROGRESS, to=JobStatus.IN_PROGRESS)
        return replace(self, error=reason)

    def cancel(self, at: datetime | None = None) -> Job:
        """Before any worker starts it, or while one runs it (the worker stops its attempt)."""
        self._require(JobStatus.SUBMITTED, JobStatus.IN_PROGRESS, to=JobStatus.CANCELLED)
        return replace(self, status=JobStatus.CANCELLED, finished_at=at or utc_now())

    def _require(self, *allowed: JobStatus, to: JobStatus) -> None:
        if self.status not in allowed:
            raise InvalidJobTransition(self.id, self.status.value, to.value)
