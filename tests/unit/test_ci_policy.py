"""The CI rule of the suite: with CI set, a skipped test fails the run and is named; without, it does not."""
from __future__ import annotations

import pytest

from tests.support import REPO_ROOT

A_SKIPPING_SUITE = """
import pytest

def test_that_runs():
    assert True

def test_that_needs_a_gpu():
    pytest.skip("no GPU on this machine")
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(test_suite=A_SKIPPING_SUITE)
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # third-party plugins: slow, not needed
    return pytester


def test_under_ci_a_skipped_test_fails_the_run_and_is_named(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest_subprocess("-p", "tests.ci_policy")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*CI is set and 1 test(s) did not run*",
                                 "*test_suite.py::test_that_needs_a_gpu: skipped: *no GPU on this machine*"])


def test_under_ci_a_test_skipped_on_a_parallel_worker_fails_the_run_and_is_named(
        suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make test` runs the suite on pytest-xdist's workers (pytest.ini): their reports reach the rule."""
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest_subprocess("-p", "tests.ci_policy", "-p", "xdist.plugin", "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*CI is set and 1 test(s) did not run*",
                                 "*test_suite.py::test_that_needs_a_gpu: skipped: *no GPU on this machine*"])


def test_outside_ci_a_skipped_test_is_only_reported(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest_subprocess("-p", "tests.ci_policy")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=1)


def test_under_ci_a_suite_that_runs_everything_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_suite="def test_that_runs():\n    assert True\n")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # third-party plugins: slow, not needed
    monkeypatch.setenv("CI", "true")
    assert pytester.runpytest_subprocess("-p", "tests.ci_policy").ret == pytest.ExitCode.OK
