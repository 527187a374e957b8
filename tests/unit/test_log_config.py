"""LOG_FORMAT: readable text by default; with json, one object a line with the fields collectors index."""
from __future__ import annotations

import json
import logging
import logging.config
import sys

import pytest

from entrypoints.log_config import (JsonLineFormatter, bind_worker_id, configure_logging, formatter,
                                    gunicorn_logconfig, job_context)


def record(message: str, *args: object, name: str = "worker", level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args or None, None)


def test_a_json_line_has_time_level_logger_and_message_first() -> None:
    line = JsonLineFormatter().format(record("job %s ended %s", "J-1", "complete"))

    fields = json.loads(line)
    assert list(fields)[:4] == ["time", "level", "logger", "message"]
    assert fields["level"] == "INFO" and fields["logger"] == "worker"
    assert fields["message"] == "job J-1 ended complete"
    assert fields["time"].endswith("+00:00") and "T" in fields["time"]
    assert "\n" not in line


def test_a_line_logged_inside_a_job_carries_its_job_id_and_the_workers_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("entrypoints.log_config._process_fields", {})
    bind_worker_id("host-7-abc123")
    with job_context("J-42"):
        inside = json.loads(JsonLineFormatter().format(record("running")))
    outside = json.loads(JsonLineFormatter().format(record("idle")))

    assert inside["job_id"] == "J-42" and inside["worker_id"] == "host-7-abc123"
    assert "job_id" not in outside and outside["worker_id"] == "host-7-abc123"


def test_an_exception_travels_inside_the_one_line() -> None:
    try:
        raise ValueError("no such year")
    except ValueError:
        failed = record("job failed", level=logging.ERROR)
        failed.exc_info = sys.exc_info()
    line = JsonLineFormatter().format(failed)

    assert "\n" not in line
    assert "ValueError: no such year" in json.loads(line)["exc_info"]


def test_gunicorns_access_line_gives_the_request_as_fields() -> None:
    atoms = {"h": "127.0.0.1", "m": "GET", "U": "/genes/HGNC:5", "q": "", "s": "200", "B": 1234, "M": 3,
             "a": "curl/8", "r": "GET /genes/HGNC:5 HTTP/1.1"}
    access = record('%(h)s "%(r)s" %(s)s', atoms, name="gunicorn.access")

    fields = json.loads(JsonLineFormatter().format(access))

    assert fields["message"] == '127.0.0.1 "GET /genes/HGNC:5 HTTP/1.1" 200'
    assert {k: fields[k] for k in ("method", "path", "status", "bytes", "duration_ms", "remote_addr")} == {
        "method": "GET", "path": "/genes/HGNC:5", "status": 200, "bytes": 1234, "duration_ms": 3,
        "remote_addr": "127.0.0.1"}
    assert "query" not in fields  # empty atoms are left out


def test_text_stays_the_readable_default_and_gunicorn_keeps_its_own_formats() -> None:
    line = formatter("text").format(record("worker %s stopped", "w-1"))

    assert line.endswith(" INFO worker: worker w-1 stopped")
    assert gunicorn_logconfig("info", "text") == {}


def test_json_reconfigures_gunicorns_error_and_access_logs() -> None:
    config = gunicorn_logconfig("info", "json")

    assert config["loggers"]["gunicorn.access"]["handlers"] == ["stdout"]
    assert config["loggers"]["gunicorn.error"]["handlers"] == ["stderr"]
    logging.config.dictConfig({**config, "loggers": {}, "root": {}})  # valid for dictConfig


def test_an_unknown_format_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of text, json, not 'xml'"):
        configure_logging("INFO", "xml")
