"""`make run`'s settings and its port checks: one clear line for the user, never a traceback."""
from __future__ import annotations

import socket

import pytest

from entrypoints.settings import ConfigurationError
from local.run import CannotStart, Supervisor, ensure_free, runs_own_redis, settings_from
from tests.support import closed_port


def test_the_defaults_are_127_0_0_1_port_5000_one_job_worker_and_a_redis_of_our_own_on_6379() -> None:
    settings = settings_from({})
    assert (settings.host, settings.port, settings.workers, settings.redis_port) == ("127.0.0.1", 5000, 1, 6379)
    assert runs_own_redis(settings)


def test_settings_come_from_the_environment() -> None:
    settings = settings_from({"HOST": "0.0.0.0", "PORT": "8080", "WORKERS": "3", "REDIS_PORT": "6380"})
    assert (settings.host, settings.port, settings.workers, settings.redis_port) == ("0.0.0.0", 8080, 3, 6380)


def test_an_empty_host_is_127_0_0_1_too() -> None:
    assert settings_from({"HOST": ""}).host == "127.0.0.1"


def test_no_job_worker_at_all_is_allowed_so_that_jobs_can_be_seen_waiting() -> None:
    assert settings_from({"WORKERS": "0"}).workers == 0


@pytest.mark.parametrize("variable, value", [("REDIS_HOST", "redis.internal"), ("REDIS_URL", "redis://redis.internal")])
def test_a_redis_named_by_redis_host_or_redis_url_is_used_and_none_started(variable: str, value: str) -> None:
    assert not runs_own_redis(settings_from({variable: value}))


@pytest.mark.parametrize("name, value", [("PORT", "http"), ("WORKERS", "-1"), ("REDIS_PORT", "6379.5")])
def test_a_setting_that_is_not_a_whole_number_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{name}='{value}': "):
        settings_from({name: value})


def test_a_wrong_redis_url_is_one_line_that_says_what_is_wrong() -> None:
    with pytest.raises(ConfigurationError, match="^REDIS_URL must start with redis:// or rediss://, not http:$"):
        settings_from({"REDIS_URL": "http://redis.internal"})


def test_a_port_in_use_is_named_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CannotStart, match=f"^port {port} is already in use: set PORT to another port$"):
            ensure_free("127.0.0.1", port, "set PORT to another port")


def test_a_taken_redis_port_suggests_a_free_one_and_says_what_the_redis_on_it_would_get() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        supervisor = Supervisor(settings_from({"REDIS_PORT": str(port), "PORT": str(closed_port())}), {})
        with pytest.raises(CannotStart) as refused:
            supervisor.start()
    advice = str(refused.value)
    assert advice.startswith(f"port {port} is already in use: e.g. REDIS_PORT=")
    suggested = int(advice.split("REDIS_PORT=")[1].split()[0])
    assert suggested != port
    ensure_free("127.0.0.1", suggested, "")  # free indeed
    assert "REDIS_HOST=localhost" in advice and "databases 0 to 3" in advice
    assert advice.index("REDIS_PORT=") < advice.index("REDIS_HOST=localhost")  # another port first


def test_a_redis_given_that_does_not_answer_is_one_line_that_names_it() -> None:
    port = closed_port()
    url = f"redis://127.0.0.1:{port}"
    supervisor = Supervisor(settings_from({"REDIS_URL": url}), {"REDIS_URL": url})
    with pytest.raises(CannotStart, match=f"^no Redis answers at redis://127.0.0.1:{port} \\(REDIS_URL or REDIS_HOST\\)$"):
        supervisor.check_redis_given()
