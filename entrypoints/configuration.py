"""Settings from the environment checked at start: a wrong one stops the process with one line, never a password."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, unquote, urlsplit


if TYPE_CHECKING:  # containers.py builds on this module
    from entrypoints.containers import Container

OPEN_DATA_ROUTES_WARNING = ("ADMIN_TOKEN is not set: anyone who can reach the API can replace or delete "
                            "the gene data (POST and DELETE /data)")
SCHEMES = {"redis": False, "rediss": True}  # scheme -> TLS
DEFAULT_PORT = 6379


class ConfigurationError(Exception):
    """A setting is wrong: the process cannot start (or go on) until it is fixed. The message is one line."""


def check_configuration(container: Container, log: logging.Logger, api: bool = True) -> None:
    """Once at start (gunicorn's master, the development server's or the worker's `main`): exit with one
    line on a wrong setting; say where Redis is; warn, for the API, when the data routes are open."""
    try:
        log.info("Redis: %s", container.redis_settings())
        open_data_routes = api and not container.admin_token()
    except ConfigurationError as error:
        raise SystemExit(f"configuration error: {error}") from None
    if open_data_routes:
        log.warning(OPEN_DATA_ROUTES_WARNING)


@dataclass(frozen=True)
class RedisSettings:
    """Where the Redis is and how to log in: from REDIS_URL, else REDIS_HOST and REDIS_PORT; and the credentials."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    ca_cert: str | None = None

    @classmethod
    def from_environment(cls, url: str = "", host: str = "localhost", port: int = DEFAULT_PORT,
                         username: str = "", password: str = "", ca_cert: str = "") -> RedisSettings:
        """REDIS_URL overrides REDIS_HOST and REDIS_PORT; REDIS_USERNAME and REDIS_PASSWORD give what it does not.

        The URL may name no database (the service uses 0-3 itself) and take no query parameters.
        """
        tls = False
        if url:
            parsed = _parse_url(url)
            host, port, tls = parsed.hostname or "", parsed.port or DEFAULT_PORT, SCHEMES[parsed.scheme]
            username = _credential(parsed.username, username, "user name", "REDIS_USERNAME")
            password = _credential(parsed.password, password, "password", "REDIS_PASSWORD")
        if username and not password:
            raise ConfigurationError("a Redis user name is set (REDIS_USERNAME or REDIS_URL) without a password")
        if ca_cert:
            if not tls:
                raise ConfigurationError("REDIS_CA_CERT is set, but the connection is not TLS: use a rediss:// REDIS_URL")
            if not os.access(ca_cert, os.R_OK) or not os.path.isfile(ca_cert):
                raise ConfigurationError(f"REDIS_CA_CERT names no readable file: {ca_cert}")
        return cls(host, port, username or None, password or None, tls, ca_cert or None)

    def connection_options(self) -> dict[str, Any]:
        """Keyword arguments of `redis.Redis` (without the database)."""
        options: dict[str, Any] = {"host": self.host, "port": self.port,
                                   "username": self.username, "password": self.password}
        if self.tls:  # redis-py checks the certificate and the host name by default
            options.update(ssl=True, ssl_ca_certs=self.ca_cert)
        return options

    def __str__(self) -> str:
        """For logs: the address, TLS, the user; never the password."""
        user = f"{self.username}@" if self.username else ""
        login = ", with a password" if self.password else ""
        return f"{'rediss' if self.tls else 'redis'}://{user}{self.host}:{self.port}{login}"


def _parse_url(url: str) -> SplitResult:
    # The messages quote no part of the URL but its scheme and path: the rest may hold a password.
    parsed = urlsplit(url)
    if parsed.scheme not in SCHEMES:
        raise ConfigurationError(f"REDIS_URL must start with redis:// or rediss://, not {parsed.scheme or '(none)'}:")
    try:
        parsed.port
    except ValueError:
        raise ConfigurationError("REDIS_URL has a port that is not a number from 0 to 65535") from None
    if not parsed.hostname:
        raise ConfigurationError("REDIS_URL names no host")
    if parsed.path not in ("", "/"):
        raise ConfigurationError(
            f"REDIS_URL names a database ({parsed.path}): the service uses databases 0 to 3 itself "
            f"(genes, queue, jobs, results); remove {parsed.path} from the URL")
    if parsed.query or parsed.fragment:
        raise ConfigurationError("REDIS_URL takes no query parameters (no ?db=, no ssl options): "
                                 "use rediss:// and REDIS_CA_CERT for TLS")
    return parsed


def _credential(in_url: str | None, in_variable: str, what: str, variable: str) -> str:
    in_url = unquote(in_url) if in_url else ""
    if in_url and in_variable and in_url != in_variable:
        raise ConfigurationError(f"REDIS_URL and {variable} give two different {what}s: set one of them")
    return in_url or in_variable


def admin_token(value: str) -> str:
    """ADMIN_TOKEN as a client can send it in an Authorization header: visible ASCII, no spaces."""
    if value and not all("!" <= character <= "~" for character in value):
        raise ConfigurationError("ADMIN_TOKEN must be visible ASCII characters without spaces "
                                 "(e.g. the output of `openssl rand -hex 32`)")
    return value
