"""The settings: each variable with its default and its check; Redis from REDIS_URL or REDIS_HOST and a login."""
from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

import entrypoints
from entrypoints.containers import Container, build_container
from entrypoints.settings import (OFFICIAL_HGNC_JSON_URL, OPEN_DATA_ROUTES_WARNING, ConfigurationError, RedisSettings,
                                  Settings, announce, settings_or_exit, variable_names)

SECRET = "s3cr3t-p%40ss"  # percent-encoded as a URL carries it: the password is "s3cr3t-p@ss"


def test_without_a_url_host_port_and_the_credentials_are_taken() -> None:
    settings = RedisSettings.from_variables(host="redis", port=6380, username="svc", password="pw")
    assert settings.connection_options() == {"host": "redis", "port": 6380, "username": "svc", "password": "pw"}


def test_by_default_it_is_localhost_without_a_login() -> None:
    assert RedisSettings.from_variables().connection_options() == {
        "host": "localhost", "port": 6379, "username": None, "password": None}


def test_a_url_overrides_host_and_port_and_gives_its_credentials_decoded() -> None:
    settings = RedisSettings.from_variables(url=f"redis://svc:{SECRET}@cache.internal:6390", host="redis", port=1)
    assert settings.connection_options() == {
        "host": "cache.internal", "port": 6390, "username": "svc", "password": "s3cr3t-p@ss"}


@pytest.mark.parametrize("url", ["redis://cache", "redis://cache/", "redis://:@cache"])
def test_a_url_without_port_or_login_means_6379_and_none(url: str) -> None:
    assert RedisSettings.from_variables(url=url).connection_options() == {
        "host": "cache", "port": 6379, "username": None, "password": None}


def test_rediss_is_tls_with_the_ca_of_redis_ca_cert(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = RedisSettings.from_variables(url="rediss://:pw@cache:6380", ca_cert=str(ca))
    assert settings.connection_options() == {"host": "cache", "port": 6380, "username": None, "password": "pw",
                                             "ssl": True, "ssl_ca_certs": str(ca)}


def test_rediss_without_a_ca_trusts_the_systems_authorities() -> None:
    assert RedisSettings.from_variables(url="rediss://cache").connection_options()["ssl_ca_certs"] is None


def test_the_password_may_come_from_redis_password_beside_a_url_without_one() -> None:
    settings = RedisSettings.from_variables(url="redis://svc@cache", password="pw")
    assert (settings.username, settings.password) == ("svc", "pw")


@pytest.mark.parametrize(("arguments", "message"), [
    ({"url": "redis://cache/1"}, "names a database (/1)"),
    ({"url": "redis://cache:6379/0"}, "names a database (/0)"),
    ({"url": "redis://cache?db=2"}, "no query parameters"),
    ({"url": "rediss://cache?ssl_cert_reqs=none"}, "no query parameters"),
    ({"url": "http://cache"}, "redis:// or rediss://"),
    ({"url": "cache:6379"}, "redis:// or rediss://"),
    ({"url": "unix:///run/redis.sock"}, "redis:// or rediss://"),
    ({"url": "redis://:6379"}, "no host"),
    ({"url": "redis://cache:port"}, "port"),
    ({"url": "redis://cache:99999"}, "port"),
    ({"url": f"redis://:{SECRET}@cache", "password": "other"}, "two different passwords"),
    ({"url": "redis://svc:pw@cache", "username": "other"}, "two different user names"),
    ({"username": "svc"}, "without a password"),
    ({"url": "redis://svc@cache"}, "without a password"),
    ({"url": "redis://cache", "ca_cert": "/etc/ssl/ca.pem"}, "not TLS"),
    ({"url": "rediss://cache", "ca_cert": "/no/such/ca.pem"}, "no readable file: /no/such/ca.pem"),
])
def test_a_wrong_setting_is_refused_in_one_line_that_shows_no_password(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        RedisSettings.from_variables(**arguments)
    text = str(refused.value)
    assert message in text
    assert "\n" not in text
    for secret in (SECRET, "s3cr3t", "pw@", ":pw", "other"):
        assert secret not in text, f"{secret!r} shown in: {text}"


def test_neither_repr_nor_str_shows_the_password() -> None:
    settings = RedisSettings.from_variables(url=f"rediss://svc:{SECRET}@cache:6380")
    for text in (repr(settings), str(settings), f"{settings}"):
        assert "s3cr3t" not in text
    assert str(settings) == "rediss://svc@cache:6380, with a password"


# -- the settings object: every variable read once, with its default and its check -----------------

def test_an_empty_environment_gives_the_defaults_the_service_has_always_had() -> None:
    settings = Settings.from_environment({})
    assert settings == Settings()
    assert (settings.redis_host, settings.redis_port, settings.hgnc_source) == ("localhost", 6379, OFFICIAL_HGNC_JSON_URL)
    assert (settings.job_lease_seconds, settings.job_max_attempts, settings.job_ttl_seconds) == (30.0, 3, 7 * 24 * 3600)
    assert (settings.host, settings.port, settings.log_level, settings.log_format) == ("0.0.0.0", 5000, "INFO", "text")
    assert (settings.web_concurrency, settings.web_threads, settings.gunicorn_threads) == (2, 4, None)
    assert (settings.admin_token, settings.worker_metrics_port, settings.workers) == ("", None, 1)


@pytest.mark.parametrize(("variable", "text", "attribute", "value"), [
    ("REDIS_PORT", "6390", "redis_port", 6390),
    ("HGNC_SOURCE", "/data/hgnc.tsv", "hgnc_source", "/data/hgnc.tsv"),
    ("JOB_LEASE_SECONDS", "2.5", "job_lease_seconds", 2.5),
    ("JOB_TTL_SECONDS", "0", "job_ttl_seconds", 0),
    ("LOG_LEVEL", "debug", "log_level", "debug"),
    ("LOG_FORMAT", "json", "log_format", "json"),
    ("WEB_CONCURRENCY", "3", "web_concurrency", 3),
    ("WEB_THREADS", "8", "web_threads", 8),
    ("WORKER_METRICS_PORT", "9100", "worker_metrics_port", 9100),
    ("ADMIN_TOKEN", "f00d-cafe", "admin_token", "f00d-cafe"),
])
def test_each_variable_is_read_into_its_typed_field(variable: str, text: str, attribute: str, value: object) -> None:
    settings = Settings.from_environment({variable: text})
    assert getattr(settings, attribute) == value
    assert settings.given == {variable}


def test_an_empty_variable_is_taken_as_unset() -> None:
    assert Settings.from_environment({"PORT": "", "WORKER_METRICS_PORT": "", "HGNC_SOURCE": ""}) == Settings()


@pytest.mark.parametrize(("variable", "text", "message"), [
    ("PORT", "http", "PORT='http': not a valid integer"),
    ("PORT", "70000", "PORT='70000': must be greater than or equal to 1 and less than or equal to 65535"),
    ("REDIS_PORT", "6379.5", "REDIS_PORT='6379.5': not a valid integer"),
    ("JOB_LEASE_SECONDS", "0", "JOB_LEASE_SECONDS='0': must be greater than 0"),
    ("JOB_LEASE_SECONDS", "nan", "JOB_LEASE_SECONDS='nan': special numeric values"),
    ("JOB_MAX_ATTEMPTS", "0", "JOB_MAX_ATTEMPTS='0': must be greater than or equal to 1"),
    ("JOB_TTL_SECONDS", "-1", "JOB_TTL_SECONDS='-1': must be greater than or equal to 0"),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD': must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LOG_FORMAT", "xml", "LOG_FORMAT='xml': must be one of: text, json"),
    ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY='0': must be greater than or equal to 1"),
    ("GUNICORN_THREADS", "four", "GUNICORN_THREADS='four': not a valid integer"),
    ("WORKER_METRICS_PORT", "0", "WORKER_METRICS_PORT='0': must be greater"),
    ("WORKERS", "-1", "WORKERS='-1': must be greater than or equal to 0"),
])
def test_a_wrong_value_is_refused_in_one_line_naming_the_variable_and_the_value(
        variable: str, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_environment({variable: text})
    assert str(refused.value).startswith(message), str(refused.value)


def test_every_wrong_variable_is_named_at_once_and_a_secret_never_shown() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_environment({"PORT": "http", "ADMIN_TOKEN": f"two {SECRET}", "LOG_FORMAT": "xml"})
    text = str(refused.value)
    assert "\n" not in text
    assert "PORT='http'" in text and "LOG_FORMAT='xml'" in text
    assert "ADMIN_TOKEN: must be visible ASCII characters without spaces" in text
    assert SECRET not in text


def test_the_settings_shown_show_no_secret() -> None:
    settings = Settings.from_environment({"REDIS_URL": f"redis://:{SECRET}@cache", "REDIS_PASSWORD": "s3cr3t-p@ss",
                                          "ADMIN_TOKEN": "s3cr3t-token"})
    assert "s3cr3t" not in repr(settings)


def test_a_wrong_redis_url_is_refused_with_the_settings() -> None:
    with pytest.raises(ConfigurationError, match=r"^REDIS_URL names a database \(/2\)"):
        Settings.from_environment({"REDIS_URL": f"redis://:{SECRET}@cache/2"})


def test_the_container_is_built_from_the_settings_and_a_test_may_still_set_any_option() -> None:
    settings = Settings.from_environment({"REDIS_URL": "redis://cache:6390", "JOB_LEASE_SECONDS": "5",
                                          "ADMIN_TOKEN": "f00d", "WORKER_METRICS_PORT": "9100"})
    container = build_container(settings)
    assert str(container.redis_settings()) == "redis://cache:6390"
    assert (container.config.job_lease_seconds(), container.admin_token()) == (5.0, "f00d")
    assert container.config.worker_metrics_port() == 9100
    assert container.config.log.format() == "text"

    container.config.hgnc_source.from_value("/tmp/hgnc.tsv")
    assert container.config.hgnc_source() == "/tmp/hgnc.tsv"
    assert Container().config() == Settings().as_config()  # a container without settings has the defaults


def test_a_container_given_a_token_no_client_could_send_refuses_it_without_showing_it() -> None:
    container = Container()
    container.config.admin_token.from_value(f"two {SECRET}")
    with pytest.raises(ConfigurationError, match="^ADMIN_TOKEN: ") as refused:
        container.admin_token()
    assert SECRET not in str(refused.value)


def test_the_contract_variables_are_all_settings() -> None:
    assert {"REDIS_HOST", "REDIS_PORT", "REDIS_URL", "HGNC_SOURCE", "JOB_LEASE_SECONDS", "ADMIN_TOKEN", "LOG_FORMAT",
            "PORT", "HOST", "WORKERS", "WEB_CONCURRENCY", "WEB_THREADS", "GUNICORN_THREADS"} <= set(variable_names())


def test_a_server_binds_host_and_port_an_ipv6_address_in_brackets() -> None:
    assert Settings(host="127.0.0.1", port=8000).bind_address() == "127.0.0.1:8000"
    assert Settings(host="::", port=8000).bind_address() == "[::]:8000"


def test_the_start_up_check_exits_78_with_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        settings_or_exit({"LOG_FORMAT": "xml"})
    assert stopped.value.code == 78
    assert capsys.readouterr().err == "configuration error: LOG_FORMAT='xml': must be one of: text, json\n"


@pytest.mark.parametrize(("token", "api", "warned"), [("", True, True), ("f00d", True, False), ("", False, False)])
def test_the_api_warns_at_start_of_open_data_routes(
        token: str, api: bool, warned: bool, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        announce(Settings(admin_token=token, redis_port=6390), logging.getLogger("start"), api=api)
    assert "Redis: redis://localhost:6390" in caplog.messages
    assert (OPEN_DATA_ROUTES_WARNING in caplog.messages) is warned


def test_no_module_of_entrypoints_imports_one_that_imports_it_back() -> None:
    package = Path(entrypoints.__file__).parent
    imports = {path.stem: _entrypoint_imports(path) for path in package.glob("*.py")}

    def reaches(start: str, goal: str) -> bool:
        to_visit, visited = [start], set()
        while to_visit:
            for name in imports.get(to_visit.pop(), set()) - visited:
                if name == goal:
                    return True
                visited.add(name)
                to_visit.append(name)
        return False

    assert [name for name in imports if reaches(name, name)] == []


def _entrypoint_imports(path: Path) -> set[str]:
    """The modules of entrypoints/ that this one imports, at run time or for the type checker."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "entrypoints":
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("entrypoints."):
            names.add(node.module.split(".")[1])  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("entrypoints."))
    return names
