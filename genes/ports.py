"""The ports the domain needs, as Protocols: adapters satisfy them without inheriting."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, Iterator, Protocol, Sequence, TypeVar

from genes.analysis import JobResults
from genes.gene import Gene, GeneSummary
from genes.job import Job, JobStatus
from genes.monitoring import QueueCounts, WorkerInfo
from genes.release_diff import ReleaseDiff
from genes.releases import Release
from genes.results import Results
from genes.withdrawn import WithdrawnEntry

if TYPE_CHECKING:  # they read through the ports below: imported at run time, they would import this module back
    from genes.gene_lookup import GeneLookup
    from genes.hgnc_search import HgncMirror
    from genes.symbol_check import SymbolChecker


class GeneSource(Protocol):
    """Where a set of genes comes from: a URL, a file, an uploaded body."""

    def describe(self) -> str:
        """A short text naming the source, for the load summary."""

    def read(self) -> Iterator[Gene]:
        """Every gene of the source; raises InvalidGeneSource or GeneSourceUnavailable."""


class GeneRepository(Protocol):
    """The gene set as a whole: what loads and clears it, and what the jobs read of it."""

    def replace_all(self, genes: Iterable[Gene], source: str, release: date | None = None) -> Release | None:
        """Store `genes` as the release `release` (None: the newest `date_modified` among them; InvalidRelease
        without any), replacing the set held for that release, if any; the release, None when there
        was no gene (nothing changed).

        The live release is then the one chosen live (`LIVE_RELEASE_KEY`) while held, else the newest
        held; beyond the releases kept, the oldest not live is dropped. All of it at once, for readers."""

    def clear(self, release: date | None = None) -> bool:
        """Forget every release (None), or that one; whether any was held."""

    def choose_live(self, release: date | None) -> None:
        """Make that held release live (None: the newest held is, from now on); UnknownRelease when not held."""

    def outdated_set(self) -> tuple[GeneSource, date] | None:
        """The live set as a source to load again, and its release, when an earlier version stored it
        without indexes this one reads (its lookups would find nothing); None when it is current or none is loaded."""

    def register_stored_set(self) -> date | None:
        """A set stored before releases were held becomes a release, dated by its source's file name,
        else its newest date_modified, else the day it was loaded; that date, None when there was none to register."""

    def is_loaded(self) -> bool: ...

    def loaded_set_id(self) -> str | None:
        """The id of the set loaded now, new with every load; None when none is."""

    def summaries(self) -> list[GeneSummary]:
        """One summary per gene, in load order."""

    def summaries_approved_between(self, first: date, last: date, set_id: str | None = None) -> list[GeneSummary]:
        """The summaries of the genes approved from `first` to `last`, both included, in any order,
        of the set `set_id` (by default the loaded one).

        What a job reads: a narrow range need not pass over all 43,882 genes.
        """

    def records_of(self, set_id: str) -> Iterator[dict[str, Any]]:
        """Every record of the set `set_id` as stored (list fields as lists), in load order: what a
        release diff reads, a batch from the store at a time."""

    def fields_of(self, set_id: str) -> tuple[str, ...] | None:
        """The fields some record of the set holds, as its load recorded them; None when it did not."""


Value = TypeVar("Value", covariant=True)


@dataclass(frozen=True, slots=True)
class FromSet(Generic[Value]):
    """A value read from one loaded set, and that set's id: it changes at every load (None: nothing loaded)."""

    set_id: str | None
    value: Value


@dataclass(frozen=True, slots=True)
class SetInfo:
    """What is loaded: how many genes, when, from where, and the newest `date_modified` among them."""

    count: int
    loaded_at: datetime
    source: str
    last_modified: str | None
    fields: tuple[str, ...]  # every field some record holds
    release: str | None = None  # YYYY-MM-DD; None for a set stored before releases, until the start-up upgrade


class GeneCatalog(Protocol):
    """The read side of the gene set: what the views show, as the store holds it.

    Every answer comes from one loaded set and names it. Records are handed on as the JSON text
    they are stored as where the views pass them on whole: decoding and re-encoding them cost
    ~20 µs a record (32 MB for a full export).
    """

    def record_json(self, hgnc_id: str) -> FromSet[str | None]:
        """The record of one gene as JSON text; None when no loaded gene has this id."""

    def ids(self, offset: int = 0, limit: int | None = None) -> FromSet[list[str]]:
        """The ids in load order; empty when nothing is loaded."""

    def find(self, keys: Sequence[tuple[str, str]]) -> FromSet[list[list[str]]]:
        """For each (field, term), the ids it finds, read together from one set.

        The field is "hgnc_id", "symbol" (the term lower case; ranked as `NameIndex` ranks) or one
        of `LOOKUP_FIELDS` (the term canonical; in load order), as `genes.lookup.query_term` gives it.
        """

    def records(self, set_id: str, hgnc_ids: Sequence[str]) -> list[dict[str, Any] | None]:
        """The records of these ids in the set `set_id` (None for an id it lacks)."""

    def export_json(self) -> FromSet[Iterator[str]]:
        """Every record as its JSON text, in load order, from one consistent set."""

    def export_tsv(self) -> FromSet[Iterator[str]]:
        """Every record as HGNC's TSV gives it: a header line, then a line a record, in load order."""

    def info(self) -> FromSet[SetInfo | None]: ...


class ReleaseRegistry(Protocol):
    """The releases held side by side, and which one is live (answered when no release is asked for)."""

    def held(self) -> list[Release]:
        """Every held release, newest first; empty when nothing is loaded."""

    def resolve(self, release: date | None = None) -> Release | None:
        """The held release of that date (None: the live one); None when nothing is loaded.
        Raises UnknownRelease when a date is given and not held."""

    def live_release(self) -> date | None:
        """The live release's date; None when nothing is loaded. What `resolve()` finds, for a caller
        that needs only the date on every request (a job's submit): answered from memory while the
        process knows which set is live."""


class ReleaseReads(Protocol):
    """The reads of the release a request asks for (None: the live one), each over that release's set."""

    def lookup(self, release: date | None) -> GeneLookup: ...

    def checker(self, release: date | None) -> SymbolChecker: ...

    def mirror(self, release: date | None) -> HgncMirror: ...


class WithdrawnStore(Protocol):
    """HGNC's withdrawn entries, kept beside the approved set: loaded and cleared on their own, never
    counted or listed by the approved routes."""

    def replace_all(self, entries: Iterable[WithdrawnEntry], source: str) -> int:
        """Store `entries` as the whole withdrawn set, atomically replacing the previous one; the count."""

    def clear(self) -> bool: ...

    def named(self, names: Sequence[str]) -> list[list[WithdrawnEntry]]:
        """For each name (lower case), the withdrawn entries whose symbol it is, in load order."""

    def entry(self, hgnc_id: str) -> WithdrawnEntry | None: ...

    def entries(self) -> list[WithdrawnEntry]:
        """Every withdrawn entry, by the number of its id; none when none is loaded."""

    def loaded_set_id(self) -> str | None:
        """The name of the withdrawn set loaded now, new with every load; None when none is."""


class JobRepository(Protocol):
    def submit(self, job: Job) -> Job:
        """Save a new job and queue its id, in one step: either both happen or neither; the job.

        If the job's idempotency key was already sent, nothing is saved: the key's first job is
        answered, or IdempotencyKeyReused raised when that job has other parameters. Sending the
        same call again (a retry after a lost answer) adds nothing either.
        """

    def get(self, job_id: str) -> Job | None:
        """The job, or None: unknown, or expired (`expires_at` is past)."""

    def ids(self, status: JobStatus | None = None, offset: int = 0, limit: int | None = None) -> list[str]:
        """Job ids in submission order, of one status if given, from `offset`, at most `limit`.

        An expired job is in no listing. The cost does not grow with the number of jobs kept.
        """

    def update(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        """Apply `change` to the job's current state and save it, atomically.

        `change` is a domain transition (e.g. `Job.start`); if another process changes the job
        meanwhile it is re-applied to the new state. Raises JobNotFound, or what `change` raises.
        A change that ends the job makes everything of it (results and plot too) expire at its
        `expires_at`, in the same step.
        """

    def count_by_status(self) -> dict[JobStatus, int]:
        """How many jobs are in each status (every status, zeros included), without reading any job."""

    def stored_before_retention(self, status: JobStatus, batch_size: int) -> Iterator[list[Job]]:
        """The jobs of `status` stored before jobs had a retention (they hold none, whatever the
        retention then), in batches of at most `batch_size` (maybe none) read together.

        Every such job listed throughout the walk is met, while other jobs come, change and expire.
        """

    def is_retention_upgraded(self) -> bool:
        """Whether the jobs stored before retention have been given theirs (`mark_retention_upgraded`)."""

    def mark_retention_upgraded(self) -> None: ...


class QueueMonitor(Protocol):
    """The queue and its workers as an operator sees them."""

    def counts(self) -> QueueCounts:
        """Queued, in flight, dead letters and live workers, from a constant number of store calls."""

    def workers(self) -> list[WorkerInfo]:
        """The workers holding a live lease, oldest first."""


class ResultRepository(Protocol):
    """Results and plots by results id, each kept as long as the longest kept job that uses it."""

    def save(self, results_id: str, results: Results, plot_png: bytes, keep_for: timedelta | None) -> None:
        """Store (or overwrite) results and their plot together, kept at least `keep_for` (None: for ever)."""

    def claim(self, results_id: str, keep_for: timedelta | None) -> bool:
        """Whether results and plot are stored under the id; if so, they are now kept at least `keep_for`
        (None: for ever), so that they outlive the job about to complete with them."""

    def reserve(self, results_id: str, job_id: str, seconds: float) -> bool:
        """Whether the job now holds the right to compute these results (taken, or renewed), for `seconds`
        unless renewed again; False while another job holds it."""

    def release(self, results_id: str, job_id: str) -> None:
        """The job no longer computes these results (a no-op unless it holds their reservation)."""

    def get(self, results_id: str) -> Results | None: ...

    def plot(self, results_id: str) -> bytes | None: ...


class Sandbox(Protocol):
    """Where a job's analysis runs: somewhere it can be stopped, whatever it is blocked in."""

    def run(self, work: Callable[[], Sequence[bytes]], seconds: float, keep_going: Callable[[], bool]) -> list[bytes]:
        """What `work` answers, plain bytes. Stops it, keeping nothing of it, and raises JobTimedOut once
        `seconds` have passed, or JobCancelled as soon as `keep_going()` (asked a few times a second) is false.
        Raises AnalysisFailed with the reason when `work` raises, StoreUnavailable or StoreAccessDenied as it does."""


class PlotRenderer(Protocol):
    def render(self, results: JobResults) -> bytes:
        """The PNG of approvals per year, stacked by locus group."""

    def render_release_diff(self, diff: ReleaseDiff) -> bytes:
        """The PNG of the changes between two releases, counted by kind."""
