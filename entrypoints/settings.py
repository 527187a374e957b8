"""Every setting of the service, read once from the environment into one object, each checked at start."""
from __future__ import annotations

import dataclasses
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping, TypeVar
from urllib.parse import SplitResult, unquote, urlsplit

from marshmallow import ValidationError, fields, validate

from entrypoints.log_config import LOG_FORMATS

OFFICIAL_HGNC_JSON_URL = "https://storage.googleapis.com/public-download-files/hgnc/json/json/hgnc_complete_set.json"
OFFICIAL_HGNC_WITHDRAWN_URL = "https://storage.googleapis.com/public-download-files/hgnc/tsv/tsv/withdrawn.txt"
OPEN_DATA_ROUTES_WARNING = ("ADMIN_TOKEN is not set: anyone who can reach the API can replace or delete "
                            "the gene data (POST and DELETE /data)")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
EVERY_INTERFACE = ("0.0.0.0", "::")
SCHEMES = {"redis": False, "rediss": True}  # scheme -> TLS
DEFAULT_REDIS_PORT = 6379

T = TypeVar("T")


class ConfigurationError(Exception):
    """A setting is wrong: the process cannot start (or go on) until it is fixed. The message is one line."""


def variable(name: str, default: T, parser: fields.Field[Any], *, secret: bool = False, config: str = "") -> T:
    """A setting read from the environment variable `name`: `default` when it is unset or empty, else its
    text as `parser` reads and checks it. A `secret` one is never shown, in an error or a repr; `config`
    is its key in the container's `config` (dotted), the field's name unless given."""
    return field(default=default, repr=not secret,
                 metadata={"variable": name, "parser": parser, "secret": secret, "config": config})


def _whole(minimum: int, maximum: int | None = None) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum))


def _port() -> fields.Integer:
    return _whole(1, 65535)


def _seconds() -> fields.Float:
    return fields.Float(validate=validate.Range(min=0, min_inclusive=False))


def _text(*checks: validate.Validator) -> fields.String:
    return fields.String(validate=list(checks))


# Visible ASCII without spaces: what a client can send in an Authorization header.
_TOKEN = validate.Regexp(r"^[!-~]*\Z", error="Must be visible ASCII characters without spaces "
                                             "(e.g. the output of `openssl rand -hex 32`).")
_LOG_LEVEL = validate.Regexp(rf"(?i)^({'|'.join(LOG_LEVELS)})\Z", error=f"Must be one of {', '.join(LOG_LEVELS)}.")


@dataclass(frozen=True)
class Settings:
    """The service's settings. A new one is one line here; the container reads it as `config.<field>`."""

    # The Redis: REDIS_URL, when set, gives the host, the port, TLS and the login (RedisSettings).
    redis_host: str = variable("REDIS_HOST", "localhost", _text(), config="redis.host")
    redis_port: int = variable("REDIS_PORT", DEFAULT_REDIS_PORT, _port(), config="redis.port")
    redis_url: str = variable("REDIS_URL", "", _text(), secret=True, config="redis.url")
    redis_username: str = variable("REDIS_USERNAME", "", _text(), config="redis.username")
    redis_password: str = variable("REDIS_PASSWORD", "", _text(), secret=True, config="redis.password")
    redis_ca_cert: str = variable("REDIS_CA_CERT", "", _text(), config="redis.ca_cert")
    # Sentinel (docs/failover.md): the sentinels find the primary; REDIS_HOST and REDIS_PORT are then unused.
    redis_sentinels: str = variable("REDIS_SENTINELS", "", _text(), config="redis.sentinels")
    redis_sentinel_master: str = variable("REDIS_SENTINEL_MASTER", "", _text(), config="redis.sentinel_master")
    redis_sentinel_password: str = variable("REDIS_SENTINEL_PASSWORD", "", _text(), secret=True,
                                            config="redis.sentinel_password")
    # Replicas that must hold a submit or a load before it is acknowledged; unset: 1 with sentinels, else 0.
    redis_min_replicas_acked: int | None = variable("REDIS_MIN_REPLICAS_ACKED", None, _whole(0),
                                                    config="redis.min_replicas_acked")
    # The data and the jobs.
    hgnc_source: str = variable("HGNC_SOURCE", OFFICIAL_HGNC_JSON_URL, _text())
    hgnc_withdrawn_source: str = variable("HGNC_WITHDRAWN_SOURCE", OFFICIAL_HGNC_WITHDRAWN_URL, _text())
    job_lease_seconds: float = variable("JOB_LEASE_SECONDS", 30.0, _seconds())
    job_max_attempts: int = variable("JOB_MAX_ATTEMPTS", 3, _whole(1))
    job_timeout_seconds: float = variable("JOB_TIMEOUT_SECONDS", 600.0, _seconds())  # decimals allowed
    job_ttl_seconds: int = variable("JOB_TTL_SECONDS", 7 * 24 * 3600, _whole(0))  # 0: kept for ever
    # The read cache (adapters/gene_cache): off sends every gene read to Redis.
    gene_cache: bool = variable("GENE_CACHE", True, fields.Boolean(
        truthy={"on"}, falsy={"off"}, error_messages={"invalid": "Must be on or off."}))
    # Releases held side by side (docs/releases.md): how many; how long a process keeps a release it
    # was asked for by ?release= (not the live one) in memory after its last read.
    releases_kept: int = variable("RELEASES_KEPT", 3, _whole(1))
    release_cache_idle_seconds: float = variable("RELEASE_CACHE_IDLE_SECONDS", 600.0, _seconds())
    admin_token: str = variable("ADMIN_TOKEN", "", _text(_TOKEN), secret=True)  # unset: the data routes are open
    # Logs.
    log_level: str = variable("LOG_LEVEL", "INFO", _text(_LOG_LEVEL), config="log.level")
    log_format: str = variable("LOG_FORMAT", "text", _text(validate.OneOf(LOG_FORMATS)), config="log.format")
    # The API's server (`python -m entrypoints.serve`: granian; `python -m entrypoints.api`: Werkzeug's).
    host: str = variable("HOST", "0.0.0.0", _text())  # `make run`'s default: 127.0.0.1
    port: int = variable("PORT", 5000, _port())
    web_concurrency: int = variable("WEB_CONCURRENCY", 2, _whole(1))
    web_threads: int = variable("WEB_THREADS", 4, _whole(1))  # threads a server process
    # The name of WEB_THREADS before granian replaced gunicorn: still taken when WEB_THREADS is not set.
    gunicorn_threads: int | None = variable("GUNICORN_THREADS", None, _whole(1))
    # The job worker; `make run`'s number of them.
    worker_metrics_port: int | None = variable("WORKER_METRICS_PORT", None, _port())  # unset: no metrics served
    workers: int = variable("WORKERS", 1, _whole(0))

    # The variables the environment set (not empty), e.g. for `make run` to tell a Redis given from the default.
    given: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Every variable read and checked; every wrong one named in one line (ConfigurationError)."""
        values: dict[str, Any] = {}
        wrong: list[str] = []
        for setting in _variables():
            name = setting.metadata["variable"]
            text = environ.get(name, "")
            if text == "":
                continue
            try:
                values[setting.name] = _parse(setting, text)
            except ConfigurationError as error:
                wrong.append(str(error))
        if wrong:
            raise ConfigurationError("; ".join(wrong))
        settings = cls(**values, given=frozenset(name for name in variable_names() if environ.get(name)))
        settings.redis()  # REDIS_URL against REDIS_HOST and the credentials
        return settings

    def redis(self) -> RedisSettings:
        return RedisSettings.from_variables(self.redis_url, self.redis_host, self.redis_port,
                                            self.redis_username, self.redis_password, self.redis_ca_cert,
                                            self.redis_sentinels, self.redis_sentinel_master,
                                            self.redis_sentinel_password, self.redis_min_replicas_acked)

    def as_config(self) -> dict[str, Any]:
        """The values as the container's `config` holds them: `{"redis": {"host": ...}, "port": ...}`."""
        config: dict[str, Any] = {}
        for setting in _variables():
            *groups, key = (setting.metadata["config"] or setting.name).split(".")
            place = config
            for group in groups:
                place = place.setdefault(group, {})
            place[key] = getattr(self, setting.name)
        return config

    def server_threads(self) -> int:
        """WEB_THREADS, or GUNICORN_THREADS where only that older name is set."""
        if "WEB_THREADS" not in self.given and self.gunicorn_threads is not None:
            return self.gunicorn_threads
        return self.web_threads

    def bind_address(self) -> str:
        """HOST:PORT as servers take it (an IPv6 address in brackets)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _variables() -> list[dataclasses.Field[Any]]:
    return [each for each in dataclasses.fields(Settings) if "variable" in each.metadata]


def variable_names() -> list[str]:
    """Every environment variable the service reads, in the order of Settings."""
    return [each.metadata["variable"] for each in _variables()]


def _parse(setting: dataclasses.Field[Any], text: str) -> Any:
    name = setting.metadata["variable"]
    try:
        return setting.metadata["parser"].deserialize(text)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, list) else [str(error.messages)]
        shown = "" if setting.metadata["secret"] else f"={text!r}"
        message = "; ".join(str(each).rstrip(".") for each in messages)
        raise ConfigurationError(f"{name}{shown}: {message[:1].lower()}{message[1:]}") from None


def checked(name: str, text: str) -> Any:
    """One variable's text as Settings reads it (e.g. an ADMIN_TOKEN given to a test's container)."""
    [setting] = [each for each in _variables() if each.metadata["variable"] == name]
    return _parse(setting, text) if text else setting.default


def settings_or_exit(environ: Mapping[str, str] = os.environ) -> Settings:
    """The start-up check of every process: the settings, or one line on stderr naming each wrong
    variable (never a secret's value) and exit status 78 (EX_CONFIG)."""
    try:
        return Settings.from_environment(environ)
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr, flush=True)
        raise SystemExit(os.EX_CONFIG) from None


def announce(settings: Settings, log: logging.Logger, api: bool = True) -> None:
    """Once at start, in the process's log: where Redis is; for the API, a warning when the data routes are open."""
    log.info("Redis: %s", settings.redis())
    if api and not settings.admin_token:
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
    sentinels: tuple[tuple[str, int], ...] = ()  # when given, they name the primary: host and port are unused
    sentinel_master: str | None = None
    sentinel_password: str | None = field(default=None, repr=False)
    min_replicas_acked: int = 0

    @classmethod
    def from_variables(cls, url: str = "", host: str = "localhost", port: int = DEFAULT_REDIS_PORT,
                       username: str = "", password: str = "", ca_cert: str = "", sentinels: str = "",
                       sentinel_master: str = "", sentinel_password: str = "",
                       min_replicas_acked: int | None = None) -> RedisSettings:
        """REDIS_URL overrides REDIS_HOST and REDIS_PORT; REDIS_USERNAME and REDIS_PASSWORD give what it does not.
        REDIS_SENTINELS, when set, find the primary instead: the URL then gives only TLS and the login.

        The URL may name no database (the service uses 0-3 itself) and take no query parameters.
        """
        tls = False
        if url:
            parsed = _parse_url(url)
            host, port, tls = parsed.hostname or "", parsed.port or DEFAULT_REDIS_PORT, SCHEMES[parsed.scheme]
            username = _credential(parsed.username, username, "user name", "REDIS_USERNAME")
            password = _credential(parsed.password, password, "password", "REDIS_PASSWORD")
        if username and not password:
            raise ConfigurationError("a Redis user name is set (REDIS_USERNAME or REDIS_URL) without a password")
        if ca_cert:
            if not tls:
                raise ConfigurationError("REDIS_CA_CERT is set, but the connection is not TLS: use a rediss:// REDIS_URL")
            if not os.access(ca_cert, os.R_OK) or not os.path.isfile(ca_cert):
                raise ConfigurationError(f"REDIS_CA_CERT names no readable file: {ca_cert}")
        nodes = _sentinel_addresses(sentinels)
        if nodes and not sentinel_master:
            raise ConfigurationError("REDIS_SENTINELS is set without REDIS_SENTINEL_MASTER, the name the sentinels "
                                     "monitor the primary by")
        if (sentinel_master or sentinel_password) and not nodes:
            raise ConfigurationError("REDIS_SENTINEL_MASTER or REDIS_SENTINEL_PASSWORD is set without REDIS_SENTINELS")
        acked = (1 if nodes else 0) if min_replicas_acked is None else min_replicas_acked
        return cls(host, port, username or None, password or None, tls, ca_cert or None, nodes,
                   sentinel_master or None, sentinel_password or None, acked)

    def connection_options(self) -> dict[str, Any]:
        """Keyword arguments of `redis.Redis` (without the database)."""
        options: dict[str, Any] = {"username": self.username, "password": self.password}
        if not self.sentinels:
            options = {"host": self.host, "port": self.port, **options}
        if self.tls:  # redis-py checks the certificate and the host name by default
            options.update(ssl=True, ssl_ca_certs=self.ca_cert)
        return options

    def __str__(self) -> str:
        """For logs: the address, TLS, the user; never the password."""
        user = f"{self.username}@" if self.username else ""
        login = ", with a password" if self.password else ""
        where = f"{self.host}:{self.port}"
        if self.sentinels:
            where = f"the primary {self.sentinel_master!r} of the sentinels " + ",".join(
                f"{host}:{port}" for host, port in self.sentinels)
        acked = f", {self.min_replicas_acked} replica(s) confirming each submit" if self.min_replicas_acked else ""
        return f"{'rediss' if self.tls else 'redis'}://{user}{where}{login}{acked}"


def _sentinel_addresses(text: str) -> tuple[tuple[str, int], ...]:
    """REDIS_SENTINELS, `host:port,host:port,...` (an IPv6 host in brackets), as (host, port) pairs."""
    addresses = []
    for each in filter(None, (part.strip() for part in text.split(","))):
        host, _, port = each.rpartition(":")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigurationError(f"REDIS_SENTINELS={text!r}: each sentinel must be host:port, not {each!r}")
        addresses.append((host, int(port)))
    return tuple(addresses)


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


def _credential(in_url: str | None, in_variable: str, what: str, name: str) -> str:
    in_url = unquote(in_url) if in_url else ""
    if in_url and in_variable and in_url != in_variable:
        raise ConfigurationError(f"REDIS_URL and {name} give two different {what}s: set one of them")
    return in_url or in_variable
