"""A job's analysis in a forked child process, killed (SIGKILL) at its time limit or on a cancel."""
from __future__ import annotations

import ctypes
import gc
import json
import logging
import multiprocessing
import signal
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Callable, Sequence

from genes.errors import AnalysisFailed, JobCancelled, JobTimedOut, StoreAccessDenied, StoreUnavailable

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
POLL_SECONDS = 0.2  # how often `keep_going` is asked: a cancel stops the work within about this
# 'fork': the child starts from the worker's memory (the summaries read, the plot's modules imported;
# ~10 ms of CPU to fork a worker of 200 MiB), and nothing crosses to it by pickle, which 'spawn' and
# 'forkserver' use for the function.
_FORK = multiprocessing.get_context("fork")
# An error met in the child, as the plain word it sends; the parent raises it again.
_STORE_ERRORS: dict[str, type[Exception]] = {"unavailable": StoreUnavailable, "denied": StoreAccessDenied}
log = logging.getLogger(__name__)


class ForkedSandbox:
    """One child process per attempt. Over the pipe only bytes go: a JSON header, then the parts."""

    def run(self, work: Callable[[], Sequence[bytes]], seconds: float, keep_going: Callable[[], bool]) -> list[bytes]:
        if seconds <= 0:
            raise JobTimedOut(seconds)
        deadline = time.monotonic() + seconds
        receiving, sending = _FORK.Pipe(duplex=False)
        child = _FORK.Process(target=_answer, args=(work, sending), name="analysis", daemon=True)
        child.start()
        sending.close()  # the child's end: once the child is gone, reading gives EOF
        try:
            return _collect(child, receiving, seconds, deadline, keep_going)
        finally:
            receiving.close()
            child.kill()  # a no-op once it has exited
            child.join()  # were it never to return (a child stuck in the kernel), `--check` says "wedged"
            child.close()


def _collect(child: BaseProcess, receiving: Connection, seconds: float, deadline: float,
             keep_going: Callable[[], bool]) -> list[bytes]:
    header: dict[str, Any] | None = None
    parts: list[bytes] = []
    next_check = time.monotonic() + POLL_SECONDS
    while header is None or len(parts) < header["parts"]:
        now = time.monotonic()
        if now >= deadline:
            raise JobTimedOut(seconds)
        if now >= next_check:
            if not keep_going():
                raise JobCancelled()
            next_check = now + POLL_SECONDS
        if not receiving.poll(min(deadline, next_check) - now):
            continue
        try:
            message = receiving.recv_bytes()
        except EOFError:
            child.join()
            raise AnalysisFailed(f"the analysis process ended without an answer (exit code {child.exitcode})") from None
        if header is None:
            header = json.loads(message)
            _raise_error(header)
        else:
            parts.append(message)
    return parts


def _raise_error(header: dict[str, Any]) -> None:
    if "error" not in header:
        return
    reason = str(header["reason"])
    raise _STORE_ERRORS.get(str(header["error"]), AnalysisFailed)(reason)


def _process_symbols() -> ctypes.CDLL | None:
    """The C library's functions as this process links them, found once: `ctypes.util.find_library`
    runs `ldconfig -p`, ~3 ms that each job's child would otherwise pay."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _process_symbols()


def _die_with_parent() -> None:
    """Be killed with the worker (SIGKILL too), not left running a job no one waits for (Linux)."""
    try:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # type: ignore[union-attr]  # None: caught below
    except AttributeError:  # not Linux (no prctl): the child ends with its work, or at the pipe's end
        pass


def _answer(work: Callable[[], Sequence[bytes]], sending: Connection) -> None:
    """In the child: run `work`, send what it answers, or the error it raised, as plain data."""
    _die_with_parent()
    gc.disable()  # it lives for one job: a collection would only touch (and copy) the pages shared with the worker
    try:
        parts = list(work())
        header: dict[str, Any] = {"parts": len(parts)}
    except StoreUnavailable as error:
        header, parts = {"error": "unavailable", "reason": str(error)}, []
    except StoreAccessDenied as error:
        header, parts = {"error": "denied", "reason": str(error)}, []
    except Exception as error:  # the job's reason; the traceback goes to the worker's log
        log.exception("the analysis failed")
        header, parts = {"error": "failed", "reason": str(error) or type(error).__name__}, []
    sending.send_bytes(json.dumps(header).encode())
    for part in parts:
        sending.send_bytes(part)
    sending.close()
