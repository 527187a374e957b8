"""tests/support's eventually and ServiceProcess: what every wait in the tests and benchmarks relies on."""
from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import pytest

from tests.support import ProcessExited, ProcessFailed, ServiceProcess, eventually


def test_eventually_returns_the_first_true_value_the_condition_gives() -> None:
    answers = iter([None, 0, [], {"status": "complete"}, {"status": "later"}])

    assert eventually(lambda: next(answers), 5, "a job", interval=0) == {"status": "complete"}


def test_eventually_retries_an_exception_as_not_yet() -> None:
    calls = itertools.count()

    def refused_twice() -> str:
        if next(calls) < 2:
            raise ConnectionRefusedError("not listening yet")
        return "up"

    assert eventually(refused_twice, 5, "the server", interval=0) == "up"


def test_eventually_fails_naming_what_it_awaited_and_the_last_value() -> None:
    with pytest.raises(AssertionError, match=r"after 0.05 s, still not: a worker listed; last value: \[\]"):
        eventually(lambda: [], 0.05, "a worker listed", interval=0.01)


def test_eventually_fails_with_the_last_exception_when_the_condition_raised_last() -> None:
    def broken() -> bool:
        raise KeyError("status")

    with pytest.raises(AssertionError, match=r"still not: a status; last value: None; last error: KeyError\('status'\)"):
        eventually(broken, 0.05, "a status", interval=0.01)


def test_eventually_stops_at_once_when_a_watched_process_exits(tmp_path: Path) -> None:
    dying = ServiceProcess("dying", [sys.executable, "-c", "print('no Redis here'); raise SystemExit(3)"], {},
                           tmp_path / "dying.log")
    started = time.monotonic()

    with pytest.raises(ProcessExited, match=r"(?s)dying exited while awaiting: its jobs.*no Redis here"):
        eventually(lambda: False, 30, "its jobs", watching=[dying])
    assert time.monotonic() - started < 10
    dying.stop()


def test_a_condition_that_holds_is_answered_even_if_a_watched_process_has_exited(tmp_path: Path) -> None:
    finished = ServiceProcess("burst worker", [sys.executable, "-c", "pass"], {}, tmp_path / "burst.log")
    finished.process.wait(10)  # it ran its jobs, and exited

    assert eventually(lambda: "all complete", 1, "the jobs complete", watching=[finished]) == "all complete"
    finished.stop()


def test_a_process_that_never_gets_ready_is_stopped_and_its_log_shown(tmp_path: Path) -> None:
    sleeper = ServiceProcess("sleeper", [sys.executable, "-c", "print('waiting', flush=True); import time; time.sleep(60)"],
                             {}, tmp_path / "sleeper.log")

    with pytest.raises(ProcessFailed, match=r"(?s)still not: sleeper is ready.*waiting"):
        sleeper.wait_until(lambda: False, timeout=1)
    assert not sleeper.is_running()
