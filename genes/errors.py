"""The named failures of the domain; the API maps each one it can meet to one HTTP status."""


class DomainError(Exception):
    """Base of every failure a user can cause or see."""


class InvalidGeneId(DomainError):
    def __init__(self, text: str) -> None:
        super().__init__(f"{text!r} is not an HGNC id (expected the form HGNC:<number>, e.g. HGNC:5)")


class GeneNotFound(DomainError):
    def __init__(self, hgnc_id: str) -> None:
        super().__init__(f"no gene with id {hgnc_id}")


class GeneWithdrawn(DomainError):
    """The id is HGNC's, but its entry was withdrawn: gone, maybe replaced by others."""

    def __init__(self, hgnc_id: str, symbol: str, status: str, replaced_by: tuple[str, ...]) -> None:
        then = f": see {', '.join(replaced_by)}" if replaced_by else ""
        super().__init__(f"{hgnc_id} ({symbol}) was withdrawn ({status}){then}")
        self.replaced_by = list(replaced_by)


class TooManySymbols(DomainError):
    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} symbols sent: at most {limit} are checked at once")


class InvalidQuery(DomainError):
    """A query HGNC's syntax cannot read (an unbalanced parenthesis or quote, an operator without
    operand), or a field it cannot search."""


class GeneDataNotLoaded(DomainError):
    """Why a job fails when no gene data is loaded: the worker's reason, never an API answer (the gene
    routes answer what is loaded, an empty set included)."""

    def __init__(self) -> None:
        super().__init__("no gene data is loaded: POST /data first")


class InvalidRelease(DomainError):
    """A release that is no date (YYYY-MM-DD), or a source whose release cannot be told."""


class UnknownRelease(DomainError):
    """A release that is not held; the message names the held ones."""

    def __init__(self, requested: str, held: list[str]) -> None:
        listed = ", ".join(held) if held else "none: load one with POST /data"
        super().__init__(f"release {requested} is not held (held: {listed})")
        self.requested = requested
        self.held = held


class UnknownReleases(UnknownRelease):
    """Two releases asked for (a release diff's), neither held."""

    def __init__(self, requested: list[str], held: list[str]) -> None:
        listed = ", ".join(held) if held else "none: load one with POST /data"
        DomainError.__init__(self, f"releases {' and '.join(requested)} are not held (held: {listed})")
        self.requested = " and ".join(requested)
        self.held = held


class InvalidGeneSource(DomainError):
    """The source was read but is not an HGNC complete set (JSON or TSV, plain or gzip)."""


class GeneSourceTooLarge(InvalidGeneSource):
    """The source (after decompression) is larger than the service accepts."""


class GeneSourceUnavailable(DomainError):
    """The source could not be read at all: unreachable URL, missing file."""


class StoreUnavailable(DomainError):
    """The store (Redis) does not answer; the caller may retry later."""


class StoreNotReplicated(StoreUnavailable):
    """A write reached the primary but no replica confirmed it in time: it has been undone; retry later."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} could not be copied to a replica of the data store in time, so it was not "
                         "kept; retry shortly")


class StoreAccessDenied(DomainError):
    """The store refuses the service's login or one of its commands: a configuration error, which waiting does not mend."""


class JobNotFound(DomainError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id}")


class InvalidJobTransition(DomainError):
    """A status change the job's current status does not allow, e.g. complete -> in progress."""

    def __init__(self, job_id: str, current: str, wanted: str) -> None:
        super().__init__(f"job {job_id} is {current}: it cannot become {wanted}")
        self.job_status = current


class ResultsNotReady(DomainError):
    """The job has no results yet (or never will: failed, cancelled)."""

    def __init__(self, job_id: str, status: str, reason: str | None = None) -> None:
        detail = f"job {job_id} is {status}"
        detail += f": {reason}" if reason else "; its results are not ready yet" if status in ("submitted", "in progress") else ""
        super().__init__(detail)
        self.job_status = status


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key sent again with other job parameters than its first submission's."""

    def __init__(self, key: str, job_id: str) -> None:
        super().__init__(f"the Idempotency-Key {key!r} was first sent with other parameters, for job {job_id}: "
                         "send a new key for new parameters")
        self.job_id = job_id


class JobTimedOut(DomainError):
    """An attempt at a job ran past the time limit (JOB_TIMEOUT_SECONDS): it was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


class JobCancelled(DomainError):
    """The job was cancelled while an attempt ran: the attempt was stopped."""

    def __init__(self) -> None:
        super().__init__("the job was cancelled while it ran")


class AnalysisFailed(DomainError):
    """The analysis raised, or its process died: the job's reason says which."""
