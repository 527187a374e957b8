"""The server's processes and threads from the environment: WEB_CONCURRENCY, WEB_THREADS (or GUNICORN_THREADS)."""
from __future__ import annotations

import pytest

from entrypoints.settings import ConfigurationError, Settings


def test_the_defaults_suit_a_two_core_machine() -> None:
    settings = Settings.from_environment({})

    assert (settings.port, settings.web_concurrency, settings.server_threads()) == (5000, 2, 4)
    assert (settings.log_level, settings.log_format) == ("INFO", "text")


def test_web_concurrency_and_web_threads_set_processes_and_threads() -> None:
    settings = Settings.from_environment({"WEB_CONCURRENCY": "3", "WEB_THREADS": "8", "PORT": "8080"})

    assert (settings.port, settings.web_concurrency, settings.server_threads()) == (8080, 3, 8)


def test_gunicorn_threads_of_earlier_versions_still_counts_unless_web_threads_is_set() -> None:
    assert Settings.from_environment({"GUNICORN_THREADS": "6"}).server_threads() == 6
    assert Settings.from_environment({"GUNICORN_THREADS": "6", "WEB_THREADS": "2"}).server_threads() == 2


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_wrong_count_stops_the_start_with_one_line_naming_it(value: str) -> None:
    with pytest.raises(ConfigurationError, match=f"WEB_CONCURRENCY='{value}'"):
        Settings.from_environment({"WEB_CONCURRENCY": value})
