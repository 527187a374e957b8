"""JobRunner, the worker's use case, over in-memory fakes: it finishes every job and never raises for one."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from genes.analysis import JobResults
from genes.errors import StoreAccessDenied, StoreUnavailable
from genes.gene import GeneSummary
from genes.job import Job, JobParameters, JobStatus, Parameters, ReleaseDiffParameters
from genes.job_runner import JobRunner
from tests.unit.job_fakes import (
    FAKE_PNG, FakeGeneRepository, FakeJobRepository, FakePlotRenderer, FakeReleaseRegistry, FakeResultRepository,
    InProcessSandbox,
)

GENES = [
    GeneSummary("HGNC:5", "1989-06-30", "protein-coding gene", "gene with protein product", "19"),
    GeneSummary("HGNC:8", "1991-09-12", "pseudogene", "pseudogene", "12"),
    GeneSummary("HGNC:7475", "1989-10-12", "non-coding RNA", "RNA, transfer", "MT"),
    GeneSummary("HGNC:23336", "2005-07-20", "protein-coding gene", "gene with protein product", "12"),
]
LATE_EIGHTIES = JobParameters(date(1985, 1, 1), date(1989, 12, 31))


class BrokenPlotRenderer:
    def render(self, results: JobResults) -> bytes:
        raise RuntimeError("the plot could not be drawn: out of memory")


class SilentlyBrokenResultRepository(FakeResultRepository):
    def save(self, results_id: str, results: JobResults, plot_png: bytes, keep_for: Any) -> None:
        raise ConnectionError()  # no message: the reason falls back to the exception's name


class UnreachableGeneRepository:
    def __init__(self, error: Exception) -> None:
        self._error = error

    def loaded_set_id(self) -> str | None:
        raise self._error


class Setup:
    def __init__(self, genes: list[GeneSummary] = GENES, plots: Any = None, results: Any = None,
                 gene_repository: Any = None, sandbox: Any = None, releases: Any = None,
                 **runner_options: Any) -> None:
        self.jobs = FakeJobRepository()
        self.results = results or FakeResultRepository()
        self.plots = plots or FakePlotRenderer()
        self.sandbox = sandbox or InProcessSandbox()
        self.runner = JobRunner(self.jobs, gene_repository or FakeGeneRepository(genes), self.results, self.plots,
                                self.sandbox, releases or FakeReleaseRegistry(), **runner_options)

    def submitted(self, parameters: Parameters = LATE_EIGHTIES, release: date | None = None) -> Job:
        return self.jobs.submit(Job.submit(parameters, release=release))


def test_a_job_runs_to_complete_with_its_results_and_plot_saved() -> None:
    setup = Setup()
    job = setup.submitted()

    finished = setup.runner.run(job.id)

    assert finished is not None and finished == setup.jobs.get(job.id)
    assert finished.status is JobStatus.COMPLETE
    assert finished.attempts == 1
    assert finished.submitted_at <= finished.started_at <= finished.finished_at
    assert finished.results_id == LATE_EIGHTIES.results_id("set-1") and not finished.reused
    results, plot = setup.results.saved[finished.results_id]
    assert results.total == 2
    assert results.by_chromosome == {"19": 1, "MT": 1}
    assert plot == FAKE_PNG
    assert setup.plots.rendered == [results]


def test_a_failing_renderer_marks_the_job_failed_with_the_reason_and_does_not_raise() -> None:
    setup = Setup(plots=BrokenPlotRenderer())
    job = setup.submitted()

    finished = setup.runner.run(job.id)

    assert finished is not None and finished.status is JobStatus.FAILED
    assert finished.error == "the plot could not be drawn: out of memory"
    assert finished.finished_at is not None
    assert setup.results.saved == {}


def test_a_failing_analysis_marks_the_job_failed_and_does_not_raise() -> None:
    corrupt = GeneSummary("HGNC:5", date(1989, 6, 30), "protein-coding gene", "gene with protein product", "19")  # type: ignore[arg-type]
    setup = Setup(genes=[corrupt])
    job = setup.submitted()

    finished = setup.runner.run(job.id)

    assert finished is not None and finished.status is JobStatus.FAILED
    assert "not supported between" in finished.error  # comparing a str date with a date object
    assert setup.results.saved == {}


def test_a_failure_without_a_message_is_given_the_exception_name_as_reason() -> None:
    setup = Setup(results=SilentlyBrokenResultRepository())
    job = setup.submitted()

    assert setup.runner.run(job.id).error == "ConnectionError"


def test_a_job_fails_with_a_clear_reason_when_no_gene_data_is_loaded() -> None:
    setup = Setup(genes=[])
    job = setup.submitted()

    finished = setup.runner.run(job.id)

    assert finished.status is JobStatus.FAILED
    assert finished.error == "no gene data is loaded: POST /data first"
    assert setup.plots.rendered == []


def test_a_cancelled_job_is_skipped_untouched() -> None:
    setup = Setup()
    job = setup.submitted()
    cancelled = setup.jobs.update(job.id, Job.cancel)

    assert setup.runner.run(job.id) is None

    assert setup.jobs.get(job.id) == cancelled
    assert setup.results.saved == {} and setup.plots.rendered == []


def test_an_unknown_job_id_is_skipped() -> None:
    setup = Setup()

    assert setup.runner.run("no-such-job") is None
    assert setup.results.saved == {}


@pytest.mark.parametrize("finish", [lambda j: j.start().complete(), lambda j: j.start().fail("earlier")],
                         ids=["complete", "failed"])
def test_a_job_another_worker_finished_is_not_run_again(finish) -> None:
    setup = Setup()
    job = setup.submitted()
    done = setup.jobs.update(job.id, finish)

    assert setup.runner.run(job.id) is None
    assert setup.jobs.get(job.id) == done



def test_a_job_whose_workers_kept_dying_is_failed_once_it_has_used_its_attempts() -> None:
    setup = Setup(max_attempts=3)
    job = setup.submitted()
    for _ in range(3):  # three workers took it and died mid-job
        setup.jobs.update(job.id, Job.start)

    finished = setup.runner.run(job.id)

    assert finished.status is JobStatus.FAILED
    assert finished.attempts == 3
    assert "gave up after 3 attempts" in finished.error
    assert setup.plots.rendered == []


def test_a_job_with_attempts_left_is_started_again() -> None:
    setup = Setup(max_attempts=3)
    job = setup.submitted()
    for _ in range(2):
        setup.jobs.update(job.id, Job.start)

    finished = setup.runner.run(job.id)

    assert (finished.status, finished.attempts) == (JobStatus.COMPLETE, 3)


@pytest.mark.parametrize("store_error", [StoreUnavailable("Redis did not answer in 30 s"),
                                         StoreAccessDenied("authentication failed")])
def test_an_unreachable_or_refusing_store_is_raised_and_leaves_the_job_in_progress_for_a_retry(
        store_error: Exception) -> None:
    setup = Setup(gene_repository=UnreachableGeneRepository(store_error))
    job = setup.submitted()

    with pytest.raises(type(store_error)):
        setup.runner.run(job.id)

    assert setup.jobs.get(job.id).status is JobStatus.IN_PROGRESS


def test_any_other_error_of_the_store_fails_the_job() -> None:
    setup = Setup(gene_repository=UnreachableGeneRepository(TimeoutError("Redis did not answer in 30 s")))
    job = setup.submitted()

    assert setup.runner.run(job.id).error == "Redis did not answer in 30 s"


# -- results computed once --------------------------------------------------------------------


def test_a_job_with_parameters_already_computed_on_the_loaded_set_reuses_them_without_analysis_or_plot() -> None:
    setup = Setup()
    first = setup.runner.run(setup.submitted().id)

    second = setup.runner.run(setup.submitted().id)

    assert (second.status, second.reused, second.results_id) == (JobStatus.COMPLETE, True, first.results_id)
    assert len(setup.plots.rendered) == 1  # drawn once
    assert list(setup.results.saved) == [first.results_id]  # stored once


def test_a_reused_result_is_claimed_for_as_long_as_the_new_job_is_kept() -> None:
    setup = Setup()
    setup.runner.run(setup.submitted().id)
    later = setup.jobs.submit(Job.submit(LATE_EIGHTIES, keep_for=timedelta(days=30)))

    reused = setup.runner.run(later.id)

    assert setup.results.kept_for[reused.results_id] == [None, timedelta(days=30)]


def test_other_parameters_or_a_reloaded_set_are_computed_afresh() -> None:
    genes = FakeGeneRepository(GENES)
    setup = Setup(gene_repository=genes)
    first = setup.runner.run(setup.submitted().id)

    other = setup.runner.run(setup.submitted(JobParameters(date(1985, 1, 1), date(1991, 12, 31))).id)
    genes.set_id = "set-2"  # POST /data loaded the set again
    reloaded = setup.runner.run(setup.submitted().id)

    assert not other.reused and not reloaded.reused
    assert len({first.results_id, other.results_id, reloaded.results_id}) == 3
    assert len(setup.plots.rendered) == 3


# -- releases: an analysis of a recorded release, and a release diff ----------------------------

JULY, OCTOBER = date(2024, 7, 23), date(2024, 10, 18)


def test_an_analysis_of_a_recorded_release_reads_that_release_s_set() -> None:
    july_genes = FakeGeneRepository(GENES, set_id="set-2024-07-23")
    setup = Setup(gene_repository=july_genes, releases=FakeReleaseRegistry(OCTOBER, JULY))
    job = setup.submitted(release=JULY)

    finished = setup.runner.run(job.id)

    assert finished is not None and finished.status is JobStatus.COMPLETE
    assert finished.results_id == LATE_EIGHTIES.results_id("set-2024-07-23")


def test_an_analysis_of_a_release_no_longer_held_fails_naming_the_held_ones() -> None:
    setup = Setup(releases=FakeReleaseRegistry(OCTOBER))
    job = setup.submitted(release=JULY)

    finished = setup.runner.run(job.id)

    assert finished is not None and finished.status is JobStatus.FAILED
    assert finished.error == "release 2024-07-23 is not held (held: 2024-10-18)"


def test_a_release_diff_reads_both_sets_and_saves_the_changes_and_their_plot() -> None:
    a1bg = {"hgnc_id": "HGNC:5", "symbol": "A1BG"}
    sets = {"set-2024-07-23": ([a1bg], ("hgnc_id", "symbol")),
            "set-2024-10-18": ([a1bg, {"hgnc_id": "HGNC:7", "symbol": "NEW"}], None)}
    setup = Setup(gene_repository=FakeGeneRepository(GENES, sets=sets), releases=FakeReleaseRegistry(OCTOBER, JULY))
    job = setup.submitted(ReleaseDiffParameters(JULY, OCTOBER))

    finished = setup.runner.run(job.id)

    assert finished is not None and finished.status is JobStatus.COMPLETE, finished
    assert finished.results_id == "release_diff/set-2024-07-23/set-2024-10-18"
    diff, plot = setup.results.saved[finished.results_id]
    assert diff.counts["added"] == 1 and sum(diff.counts.values()) == 1
    assert plot == FAKE_PNG and setup.plots.rendered == [diff]
    again = setup.runner.run(setup.submitted(ReleaseDiffParameters(JULY, OCTOBER)).id)
    assert again is not None and again.reused
