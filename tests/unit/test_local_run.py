"""`make run`'s settings and its port check: one clear line for the user, never a traceback."""
from __future__ import annotations

import socket

import pytest

from local.run import CannotStart, Settings, ensure_free


def test_the_defaults_are_port_5000_one_job_worker_and_a_redis_of_our_own_on_6379() -> None:
    assert Settings.from_env({}) == Settings(port=5000, workers=1, redis_host=None, redis_port=6379)


def test_settings_come_from_the_environment() -> None:
    env = {"PORT": "8080", "WORKERS": "3", "REDIS_HOST": "redis.internal", "REDIS_PORT": "6380"}
    assert Settings.from_env(env) == Settings(port=8080, workers=3, redis_host="redis.internal", redis_port=6380)


@pytest.mark.parametrize("name, value", [("PORT", "http"), ("WORKERS", "0"), ("WORKERS", "-1"), ("REDIS_PORT", "6379.5")])
def test_a_setting_that_is_not_a_whole_number_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(CannotStart, match=f"^{name} must be a whole number of at least 1, not '{value}'$"):
        Settings.from_env({name: value})


def test_a_port_in_use_is_named_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CannotStart, match=f"^port {port} is already in use: set PORT to another port$"):
            ensure_free("127.0.0.1", port, "set PORT to another port")
