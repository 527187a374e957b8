"""How every process logs: readable text by default, one JSON object a line with LOG_FORMAT=json."""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Iterator

from pythonjsonlogger.json import JsonFormatter

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# The job a line is about, in the thread (or request) that runs it; the worker's id, process-wide
# (a ContextVar would not reach the lease's thread, which starts with an empty context).
_job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
_process_fields: dict[str, str] = {}

# The HTTP server's (granian's) access log: one record a request, its "atoms" as the record's args.
ACCESS_LOGGER = "granian.access"
# granian fills the args only with the headers its format names: the User-Agent, as `_h0`.
ACCESS_FORMAT = '%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms "%(header{user-agent})s"'
_ACCESS_FIELDS = {"addr": "remote_addr", "method": "method", "path": "path", "query_string": "query",
                  "status": "status", "dt_ms": "duration_ms", "_h0": "user_agent"}


@contextmanager
def job_context(job_id: str | None) -> Iterator[None]:
    """Every line logged inside (in this thread) carries this `job_id`."""
    token = _job_id.set(job_id)
    try:
        yield
    finally:
        _job_id.reset(token)


def bind_worker_id(worker_id: str) -> None:
    """Every line this process logs from now on carries this `worker_id`."""
    _process_fields["worker_id"] = worker_id


class JsonLineFormatter(JsonFormatter):
    """time, level, logger, message; then job_id and worker_id where there are ones, and any extra."""

    def __init__(self) -> None:
        super().__init__(["levelname", "name", "message"], rename_fields={"levelname": "level", "name": "logger"})

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)
        job_id = _job_id.get()
        if job_id is not None:
            log_data.setdefault("job_id", job_id)
        for name, value in _process_fields.items():
            log_data.setdefault(name, value)
        if record.name == ACCESS_LOGGER and isinstance(record.args, dict):
            for atom, field in _ACCESS_FIELDS.items():
                atom_value = record.args.get(atom)
                if atom_value not in (None, "", "-"):
                    log_data[field] = round(atom_value, 3) if field == "duration_ms" else atom_value
            log_data["pid"] = os.getpid()  # which of the server's processes answered (`lean_records`)


class AccessLineFormatter(logging.Formatter):
    """The text access line: `addr "GET /path?query HTTP/1.1" status 1.2ms "user agent"`."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args
        if not isinstance(atoms, dict):
            return record.getMessage()
        query = atoms.get("query_string")
        target = f"{atoms['path']}?{query}" if query else atoms["path"]
        return (f'{atoms["addr"]} "{atoms["method"]} {target} {atoms["protocol"]}" {atoms["status"]} '
                f'{atoms["dt_ms"]:.1f}ms "{atoms.get("_h0", "-")}"')


def _checked(log_format: str) -> str:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return log_format


def formatter(log_format: str) -> logging.Formatter:
    return JsonLineFormatter() if _checked(log_format) == "json" else logging.Formatter(TEXT_FORMAT)


def lean_records() -> None:
    """Log records without what no format here shows: the caller's file, line and function (a walk
    up the stack), the thread's and the process's ids and names (the logging HOWTO's "Optimization").

    The server logs an access line for every request: in its processes, where 4 threads take turns
    at the GIL, that is ~10% less CPU a request and 8-15% more requests/s (docs/benchmarks.md)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(level: str, log_format: str) -> None:
    """The root logger at `level`, on stderr, in `log_format` (replacing any earlier set-up), its records lean."""
    lean_records()
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


def server_logconfig(level: str, log_format: str) -> dict[str, Any]:
    """The HTTP server's (granian's) logging, as a `logging.config.dictConfig`: its own lines on
    stderr like the app's, the access log on stdout; both JSON lines with LOG_FORMAT=json."""
    json_lines = _checked(log_format) == "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "server": {"()": JsonLineFormatter} if json_lines else {"format": TEXT_FORMAT},
            "access": {"()": JsonLineFormatter if json_lines else AccessLineFormatter},
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "server", "stream": "ext://sys.stderr"},
            "stdout": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "_granian": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
            ACCESS_LOGGER: {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
