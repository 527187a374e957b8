"""The server's processes and threads from the environment: WEB_CONCURRENCY, WEB_THREADS (or GUNICORN_THREADS)."""
from __future__ import annotations

import pytest

from entrypoints.serve import ServerSettings


def test_the_defaults_suit_a_two_core_machine() -> None:
    settings = ServerSettings.from_environment({})

    assert (settings.port, settings.workers, settings.threads) == (5000, 2, 4)
    assert (settings.log_level, settings.log_format) == ("INFO", "text")


def test_web_concurrency_and_web_threads_set_processes_and_threads() -> None:
    settings = ServerSettings.from_environment({"WEB_CONCURRENCY": "3", "WEB_THREADS": "8", "PORT": "8080"})

    assert (settings.port, settings.workers, settings.threads) == (8080, 3, 8)


def test_gunicorn_threads_of_earlier_versions_still_counts_unless_web_threads_is_set() -> None:
    assert ServerSettings.from_environment({"GUNICORN_THREADS": "6"}).threads == 6
    assert ServerSettings.from_environment({"GUNICORN_THREADS": "6", "WEB_THREADS": "2"}).threads == 2


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_wrong_count_stops_the_start_with_one_line(value: str) -> None:
    with pytest.raises(SystemExit, match=f"configuration error: WEB_CONCURRENCY must be a whole number of at "
                                         f"least 1, not '{value}'"):
        ServerSettings.from_environment({"WEB_CONCURRENCY": value})
