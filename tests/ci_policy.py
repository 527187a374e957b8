"""A pytest plugin: when `CI` is set, a skipped (or xfailed) test fails the run and is named."""
from __future__ import annotations

import os

import pytest

_not_run: list[str] = []


def _note(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not report.skipped:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    kind = "xfailed" if getattr(report, "wasxfail", None) is not None else "skipped"
    _not_run.append(f"  {report.nodeid}: {kind}: {reason}")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not os.environ.get("CI") or not _not_run:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["", f"CI is set and {len(_not_run)} test(s) did not run; in CI that fails the run:", *_not_run]
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True, bold=True)
        else:
            print(line)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
