"""How every process logs: readable text by default, one JSON object a line with LOG_FORMAT=json."""
from __future__ import annotations

import logging
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

# gunicorn's access log passes its "atoms" as the record's args: these become fields of their own.
_ACCESS_FIELDS = {"h": "remote_addr", "m": "method", "U": "path", "q": "query", "s": "status",
                  "B": "bytes", "M": "duration_ms", "a": "user_agent"}



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
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, field in _ACCESS_FIELDS.items():
                atom_value = record.args.get(atom)
                if atom_value not in (None, "", "-"):
                    log_data[field] = int(atom_value) if field == "status" else atom_value
            log_data["pid"] = record.process  # which of gunicorn's processes answered


def _checked(log_format: str) -> str:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return log_format


def formatter(log_format: str) -> logging.Formatter:
    return JsonLineFormatter() if _checked(log_format) == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, log_format: str) -> None:
    """The root logger at `level`, on stderr, in `log_format` (replacing any earlier set-up)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


def gunicorn_logconfig(level: str, log_format: str) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its error log (stderr) and access log (stdout) in `log_format`.

    Empty for text, which keeps gunicorn's own formats as they are.
    """
    if _checked(log_format) == "text":
        return {}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLineFormatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
            "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
