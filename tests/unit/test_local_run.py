"""`make run`'s settings and its port check: one clear line for the user, never a traceback."""
from __future__ import annotations

import socket

import pytest

from local.run import CannotStart, Settings, Supervisor, ensure_free
from tests.support import closed_port


def test_the_defaults_are_port_5000_one_job_worker_and_a_redis_of_our_own_on_6379() -> None:
    assert Settings.from_env({}) == Settings(port=5000, workers=1, own_redis=True, redis_port=6379)


def test_settings_come_from_the_environment() -> None:
    env = {"PORT": "8080", "WORKERS": "3", "REDIS_PORT": "6380"}
    assert Settings.from_env(env) == Settings(port=8080, workers=3, own_redis=True, redis_port=6380)


@pytest.mark.parametrize("variable, value", [("REDIS_HOST", "redis.internal"), ("REDIS_URL", "redis://redis.internal")])
def test_a_redis_named_by_redis_host_or_redis_url_is_used_and_none_started(variable: str, value: str) -> None:
    assert not Settings.from_env({variable: value}).own_redis


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


def given_redis_url(url: str) -> Supervisor:
    """A supervisor whose environment has REDIS_URL=url (the container read the real one at import)."""
    supervisor = Supervisor(Settings.from_env({"REDIS_URL": url}), {"REDIS_URL": url})
    supervisor.container.config.redis.url.from_value(url)
    return supervisor


def test_a_wrong_redis_url_is_one_line_that_says_what_is_wrong() -> None:
    supervisor = given_redis_url("http://redis.internal")
    with pytest.raises(CannotStart, match="^configuration error: REDIS_URL must start with redis:// or rediss://, not http:$"):
        supervisor.check_redis_given()


def test_a_redis_given_that_does_not_answer_is_one_line_that_names_it() -> None:
    port = closed_port()
    supervisor = given_redis_url(f"redis://127.0.0.1:{port}")
    with pytest.raises(CannotStart, match=f"^no Redis answers at redis://127.0.0.1:{port} \\(REDIS_URL or REDIS_HOST\\)$"):
        supervisor.check_redis_given()
