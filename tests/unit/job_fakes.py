"""In-memory fakes of the job ports: a dict in a class each, as the domain's tests need them."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Sequence

from genes.analysis import JobResults
from genes.errors import IdempotencyKeyReused, JobCancelled, JobNotFound, JobTimedOut, UnknownRelease
from genes.gene import GeneSummary
from genes.job import Job, JobStatus
from genes.release_diff import ReleaseDiff
from genes.releases import Release
from genes.results import Results

FAKE_PNG = b"\x89PNG\r\n\x1a\n a plot drawn by the fake renderer"
# The analysis of two genes approved in 1989, one of them on the mitochondrial DNA.
LATE_EIGHTIES_RESULTS = JobResults(
    start_date=date(1985, 1, 1), end_date=date(1989, 12, 31), locus_group=None, total=2,
    by_year={"1989": 2}, by_locus_group={"protein-coding gene": 1, "non-coding RNA": 1},
    by_locus_type={"gene with protein product": 1, "RNA, transfer": 1}, by_chromosome={"19": 1, "MT": 1},
    by_year_and_locus_group={"1989": {"protein-coding gene": 1, "non-coding RNA": 1}},
)


class FakeJobRepository:
    """Jobs in a dict; `queued` stands for the queue that a submission writes in the same step."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.queued: list[str] = []
        self.by_idempotency_key: dict[str, str] = {}
        self.before_retention: set[str] = set()  # ids of the jobs stored as before retention: see store_as_before_retention
        self.retention_upgraded = False

    def store_as_before_retention(self, job: Job) -> Job:
        """Store `job` as the service did before jobs had a retention (kept for ever)."""
        self.jobs[job.id] = job
        self.before_retention.add(job.id)
        return job

    def submit(self, job: Job) -> Job:
        first = self.jobs.get(self.by_idempotency_key.get(job.idempotency_key or "", ""))
        if first is not None:
            if first.parameters != job.parameters:
                raise IdempotencyKeyReused(job.idempotency_key or "", first.id)
            return first
        self.jobs[job.id] = job
        self.queued.append(job.id)
        if job.idempotency_key:
            self.by_idempotency_key[job.idempotency_key] = job.id
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def ids(self, status: JobStatus | None = None, offset: int = 0, limit: int | None = None) -> list[str]:
        in_order = sorted(self.jobs.values(), key=lambda job: job.submitted_at)
        chosen = [job.id for job in in_order if status is None or job.status is status]
        return chosen[offset:None if limit is None else offset + limit]

    def count_by_status(self) -> dict[JobStatus, int]:
        return {status: sum(job.status is status for job in self.jobs.values()) for status in JobStatus}

    def update(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        if job_id not in self.jobs:
            raise JobNotFound(job_id)
        self.jobs[job_id] = change(self.jobs[job_id])
        self.before_retention.discard(job_id)  # saved anew, in today's format
        return self.jobs[job_id]

    def stored_before_retention(self, status: JobStatus, batch_size: int) -> Iterator[list[Job]]:
        listed = [job_id for job_id in self.ids(status) if job_id in self.before_retention]
        for first in range(0, len(listed), batch_size):
            yield [self.jobs[job_id] for job_id in listed[first:first + batch_size] if job_id in self.before_retention]

    def is_retention_upgraded(self) -> bool:
        return self.retention_upgraded

    def mark_retention_upgraded(self) -> None:
        self.retention_upgraded = True


class FakeResultRepository:
    def __init__(self) -> None:
        self.saved: dict[str, tuple[Results, bytes]] = {}
        self.kept_for: dict[str, list[timedelta | None]] = defaultdict(list)  # by results id, each save or claim
        self.reserved: dict[str, str] = {}  # results id -> the job computing them

    def save(self, results_id: str, results: Results, plot_png: bytes, keep_for: timedelta | None) -> None:
        self.saved[results_id] = (results, plot_png)
        self.kept_for[results_id].append(keep_for)

    def claim(self, results_id: str, keep_for: timedelta | None) -> bool:
        if results_id in self.saved:
            self.kept_for[results_id].append(keep_for)
        return results_id in self.saved

    def reserve(self, results_id: str, job_id: str, seconds: float) -> bool:
        return self.reserved.setdefault(results_id, job_id) == job_id

    def release(self, results_id: str, job_id: str) -> None:
        if self.reserved.get(results_id) == job_id:
            del self.reserved[results_id]

    def get(self, results_id: str) -> Results | None:
        return self.saved[results_id][0] if results_id in self.saved else None

    def plot(self, results_id: str) -> bytes | None:
        return self.saved[results_id][1] if results_id in self.saved else None


class FakeGeneRepository:
    """Only what the runner reads: the summaries (none means no gene data is loaded), and the records and
    fields of other sets, by set id, as a release diff reads them."""

    def __init__(self, summaries: list[GeneSummary] | None = None, set_id: str = "set-1",
                 sets: dict[str, tuple[list[dict[str, Any]], tuple[str, ...] | None]] | None = None) -> None:
        self._summaries = list(summaries or [])
        self.set_id = set_id  # a test changes it as a reload would
        self.sets = sets or {}

    def records_of(self, set_id: str) -> Iterator[dict[str, Any]]:
        return iter(self.sets[set_id][0])

    def fields_of(self, set_id: str) -> tuple[str, ...] | None:
        return self.sets[set_id][1]

    def is_loaded(self) -> bool:
        return bool(self._summaries)

    def loaded_set_id(self) -> str | None:
        return self.set_id if self._summaries else None

    def summaries(self) -> list[GeneSummary]:
        return list(self._summaries)

    def summaries_approved_between(self, first: date, last: date, set_id: str | None = None) -> list[GeneSummary]:
        assert set_id in (None, self.set_id)
        return [s for s in self._summaries
                if s.date_approved and first.isoformat() <= s.date_approved <= last.isoformat()]


class FakePlotRenderer:
    def __init__(self) -> None:
        self.rendered: list[Results] = []

    def render(self, results: JobResults) -> bytes:
        self.rendered.append(results)
        return FAKE_PNG

    def render_release_diff(self, diff: ReleaseDiff) -> bytes:
        self.rendered.append(diff)
        return FAKE_PNG


class FakeReleaseRegistry:
    """Releases held by date, each in a set named after it ("set-2024-10-18"); the newest is live."""

    def __init__(self, *held: date) -> None:
        self.held_dates = sorted(held, reverse=True)

    def held(self) -> list[Release]:
        return [Release(day, f"set-{day.isoformat()}", 1, datetime(2024, 11, 1, tzinfo=timezone.utc), "fake",
                        live=n == 0) for n, day in enumerate(self.held_dates)]

    def resolve(self, release: date | None = None) -> Release | None:
        for held in self.held():
            if held.live if release is None else held.date == release:
                return held
        if release is not None:
            raise UnknownRelease(release.isoformat(), [day.isoformat() for day in self.held_dates])
        return None

    def live_release(self) -> date | None:
        live = self.resolve()
        return live.date if live is not None else None


class InProcessSandbox:
    """Runs the work in the test's own process: it cannot stop it, only ask `keep_going` once before."""

    def __init__(self) -> None:
        self.runs = 0

    def run(self, work: Callable[[], Sequence[bytes]], seconds: float, keep_going: Callable[[], bool]) -> list[bytes]:
        self.runs += 1
        if seconds <= 0:
            raise JobTimedOut(seconds)
        if not keep_going():
            raise JobCancelled()
        return list(work())
