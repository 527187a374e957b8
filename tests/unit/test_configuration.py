"""The Redis settings from REDIS_URL or REDIS_HOST and the credentials: what is taken, what is refused, what never shows."""
from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.configuration import ConfigurationError, RedisSettings

SECRET = "s3cr3t-p%40ss"  # percent-encoded as a URL carries it: the password is "s3cr3t-p@ss"


def test_without_a_url_host_port_and_the_credentials_are_taken() -> None:
    settings = RedisSettings.from_environment(host="redis", port=6380, username="svc", password="pw")
    assert settings.connection_options() == {"host": "redis", "port": 6380, "username": "svc", "password": "pw"}


def test_by_default_it_is_localhost_without_a_login() -> None:
    assert RedisSettings.from_environment().connection_options() == {
        "host": "localhost", "port": 6379, "username": None, "password": None}


def test_a_url_overrides_host_and_port_and_gives_its_credentials_decoded() -> None:
    settings = RedisSettings.from_environment(url=f"redis://svc:{SECRET}@cache.internal:6390", host="redis", port=1)
    assert settings.connection_options() == {
        "host": "cache.internal", "port": 6390, "username": "svc", "password": "s3cr3t-p@ss"}


@pytest.mark.parametrize("url", ["redis://cache", "redis://cache/", "redis://:@cache"])
def test_a_url_without_port_or_login_means_6379_and_none(url: str) -> None:
    assert RedisSettings.from_environment(url=url).connection_options() == {
        "host": "cache", "port": 6379, "username": None, "password": None}


def test_rediss_is_tls_with_the_ca_of_redis_ca_cert(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = RedisSettings.from_environment(url="rediss://:pw@cache:6380", ca_cert=str(ca))
    assert settings.connection_options() == {"host": "cache", "port": 6380, "username": None, "password": "pw",
                                             "ssl": True, "ssl_ca_certs": str(ca)}


def test_rediss_without_a_ca_trusts_the_systems_authorities() -> None:
    assert RedisSettings.from_environment(url="rediss://cache").connection_options()["ssl_ca_certs"] is None


def test_the_password_may_come_from_redis_password_beside_a_url_without_one() -> None:
    settings = RedisSettings.from_environment(url="redis://svc@cache", password="pw")
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
        RedisSettings.from_environment(**arguments)
    text = str(refused.value)
    assert message in text
    assert "\n" not in text
    for secret in (SECRET, "s3cr3t", "pw@", ":pw", "other"):
        assert secret not in text, f"{secret!r} shown in: {text}"


def test_neither_repr_nor_str_shows_the_password() -> None:
    settings = RedisSettings.from_environment(url=f"rediss://svc:{SECRET}@cache:6380")
    for text in (repr(settings), str(settings), f"{settings}"):
        assert "s3cr3t" not in text
    assert str(settings) == "rediss://svc@cache:6380, with a password"
