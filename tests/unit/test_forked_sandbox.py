"""ForkedSandbox: the work runs in a child process, answers bytes, and is killed at its limit or on a cancel."""
from __future__ import annotations

import os
import subprocess
import sys
import signal
import threading
import time
from pathlib import Path

import pytest

from adapters.forked_sandbox import POLL_SECONDS, ForkedSandbox
from genes.errors import AnalysisFailed, JobCancelled, JobTimedOut, StoreUnavailable

sandbox = ForkedSandbox()


def never_returns() -> list[bytes]:
    threading.Event().wait()  # blocks for good, in C
    return []


def test_the_work_runs_in_another_process_and_its_bytes_come_back_in_order() -> None:
    big = os.urandom(1_000_000)  # more than a pipe holds at once

    answer = sandbox.run(lambda: [str(os.getpid()).encode(), big, b""], 10, lambda: True)

    assert answer[0] != str(os.getpid()).encode() and answer[1:] == [big, b""]


def test_work_that_never_returns_is_killed_at_the_limit_and_leaves_no_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"

    def stuck() -> list[bytes]:
        pid_file.write_text(str(os.getpid()))
        return never_returns()

    started = time.monotonic()
    with pytest.raises(JobTimedOut) as timed_out:
        sandbox.run(stuck, 0.3, lambda: True)

    assert 0.3 <= time.monotonic() - started < 0.3 + 2
    assert str(timed_out.value) == "timed out after 0.3 s"
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(int(pid_file.read_text()), 0)


def test_a_sleep_that_ignores_signals_is_stopped_all_the_same() -> None:
    def deaf() -> list[bytes]:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
            signal.signal(number, signal.SIG_IGN)
        time.sleep(3600)
        return []

    started = time.monotonic()
    with pytest.raises(JobTimedOut):
        sandbox.run(deaf, 0.2, lambda: True)
    assert time.monotonic() - started < 2


def test_work_is_stopped_within_a_poll_once_it_is_no_longer_wanted() -> None:
    asked: list[float] = []
    wanted_until = time.monotonic() + 0.5

    def keep_going() -> bool:
        asked.append(time.monotonic())
        return asked[-1] < wanted_until

    with pytest.raises(JobCancelled):
        sandbox.run(never_returns, 60, keep_going)

    assert wanted_until <= asked[-1] < wanted_until + 2 * POLL_SECONDS + 0.5
    assert len(asked) >= 2


def test_an_exception_in_the_work_is_the_reason_and_a_store_outage_stays_an_outage() -> None:
    def broken() -> list[bytes]:
        raise RuntimeError("the plot could not be drawn: out of memory")

    def outage() -> list[bytes]:
        raise StoreUnavailable("the data store is unavailable; retry shortly")

    with pytest.raises(AnalysisFailed, match="^the plot could not be drawn: out of memory$"):
        sandbox.run(broken, 10, lambda: True)
    with pytest.raises(StoreUnavailable):
        sandbox.run(outage, 10, lambda: True)


def test_a_child_that_dies_without_answering_fails_the_attempt_with_its_exit_code() -> None:
    with pytest.raises(AnalysisFailed, match=r"ended without an answer \(exit code -9\)"):
        sandbox.run(lambda: os.kill(os.getpid(), signal.SIGKILL) or [], 10, lambda: True)


def test_no_time_left_times_out_without_starting_the_work() -> None:
    started: list[bool] = []

    with pytest.raises(JobTimedOut):
        sandbox.run(lambda: started.append(True) or [], 0, lambda: True)

    assert started == []


def test_the_child_dies_with_a_worker_killed_meanwhile(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    worker = subprocess.Popen([sys.executable, "-c", f"""
import os, threading
from adapters.forked_sandbox import ForkedSandbox
def stuck():
    open({str(pid_file)!r}, "w").write(str(os.getpid()))
    threading.Event().wait()
ForkedSandbox().run(stuck, 600, lambda: True)
"""], cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and worker.poll() is None, "the child never started"
            time.sleep(0.02)
        child = int(pid_file.read_text())
    finally:
        worker.kill()
        worker.wait()

    deadline = time.monotonic() + 5
    while _is_running(child):
        assert time.monotonic() < deadline, "the analysis process outlived its worker"
        time.sleep(0.02)


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie, until init reaps it, is no longer running
