"""Waiting for a condition: `eventually`, the one poll loop of the tests and the benchmarks."""
from __future__ import annotations

import time
from typing import Callable, Iterable, Protocol, TypeVar

T = TypeVar("T")


class Watched(Protocol):
    """A process whose exit ends a wait at once (tests.support.processes.ServiceProcess is one)."""

    name: str

    def is_running(self) -> bool: ...

    def log_tail(self, lines: int = 40) -> str: ...


class ProcessExited(AssertionError):
    """A watched process exited while a test waited on it; the message carries its log."""


def eventually(condition: Callable[[], T], timeout: float, what: str, *, interval: float = 0.02,
               watching: Iterable[Watched] = ()) -> T:
    """Call `condition` until it returns a true value, and return that value.

    An exception from `condition` counts as "not yet" (a server still starting refuses connections).
    After `timeout` seconds: AssertionError naming `what`, the last value and the last exception.
    If one of the `watching` processes has exited and the condition still does not hold: ProcessExited
    with its log, without waiting more.
    """
    watched = list(watching)
    deadline = time.monotonic() + timeout
    last_value: object = None
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
        except Exception as error:  # "not yet"; reported if it is still the case at the deadline
            last_error = error
        else:
            if value:
                return value
            last_value, last_error = value, None
        for process in watched:
            if not process.is_running():
                raise ProcessExited(f"{process.name} exited while awaiting: {what}\n--- its log ---\n"
                                    f"{process.log_tail()}")
        if time.monotonic() >= deadline:
            because = f"; last error: {last_error!r}" if last_error is not None else ""
            raise AssertionError(f"after {timeout:g} s, still not: {what}; last value: {last_value!r}{because}")
        time.sleep(interval)
