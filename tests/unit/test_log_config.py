"""LOG_FORMAT: readable text by default; with json, one object a line with the fields collectors index."""
from __future__ import annotations

import json
import logging
import logging.config
import os
import re
import sys
import time

import pytest

from granian.log import log_request_builder

from entrypoints.log_config import (ACCESS_FORMAT, ACCESS_LOGGER, AccessLineFormatter, JsonLineFormatter,
                                    bind_worker_id, configure_logging, formatter, job_context, lean_records,
                                    server_logconfig)


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


def access_record(path: str, query: str = "", status: int = 200) -> logging.LogRecord:
    """The record granian's own access logger makes, with our format, for one request."""
    made: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = made.append  # type: ignore[method-assign]
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        log_request = log_request_builder(ACCESS_FORMAT)
        log_request(time.time(), time.perf_counter() - 0.0031, {
            "addr_remote": "127.0.0.1", "protocol": "HTTP/1.1", "path": path, "qs": query, "method": "GET",
            "scheme": "http", "headers": {"user-agent": "curl/8"}.get}, status)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    [record] = made
    return record


def test_the_servers_access_line_gives_the_request_as_fields() -> None:
    fields = json.loads(JsonLineFormatter().format(access_record("/genes/HGNC:5", status=404)))

    assert fields["logger"] == "granian.access"
    assert fields["message"].startswith('127.0.0.1 "GET /genes/HGNC:5 HTTP/1.1" 404 3.')
    assert {k: fields[k] for k in ("method", "path", "status", "remote_addr", "user_agent")} == {
        "method": "GET", "path": "/genes/HGNC:5", "status": 404, "remote_addr": "127.0.0.1", "user_agent": "curl/8"}
    assert 3 <= fields["duration_ms"] < 1000 and fields["pid"] == os.getpid()
    assert "query" not in fields  # empty atoms are left out


def test_the_text_access_line_keeps_the_query_and_the_user_agent() -> None:
    line = AccessLineFormatter().format(access_record("/genes", query="symbol=A2M"))

    assert re.fullmatch(r'127\.0\.0\.1 "GET /genes\?symbol=A2M HTTP/1\.1" 200 \d+\.\dms "curl/8"', line), line


def test_text_stays_the_readable_default() -> None:
    line = formatter("text").format(record("worker %s stopped", "w-1"))

    assert line.endswith(" INFO worker: worker w-1 stopped")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_server_logs_its_lines_on_stderr_and_the_access_log_on_stdout(log_format: str) -> None:
    config = server_logconfig("info", log_format)

    assert config["loggers"][ACCESS_LOGGER]["handlers"] == ["stdout"]
    assert config["loggers"]["_granian"]["handlers"] == ["stderr"]
    assert config["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    logging.config.dictConfig({**config, "loggers": {}, "root": {}})  # valid for dictConfig


def test_an_unknown_format_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of text, json, not 'xml'"):
        configure_logging("INFO", "xml")


def test_lean_records_leave_out_the_call_site_and_the_access_line_still_names_its_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for flag in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing"):
        monkeypatch.setattr(logging, flag, getattr(logging, flag))  # put back after the test
    lean_records()

    lean = logging.getLogger("lean").makeRecord("lean", logging.INFO, "(unknown file)", 0, "x", (), None)
    assert (lean.thread, lean.process, lean.processName) == (None, None, None)
    assert json.loads(JsonLineFormatter().format(access_record("/help")))["pid"] == os.getpid()
