"""The API in production: `python -m entrypoints.serve` checks, upgrades a stored set, then serves it with granian."""
from __future__ import annotations

import gc
import logging
import os
import shutil
from dataclasses import dataclass
from typing import Mapping

from flask import Flask

from entrypoints.configuration import check_configuration
from entrypoints.containers import Container, prepare_metrics_folder
from entrypoints.load import upgrade_stored_set
from entrypoints.log_config import ACCESS_FORMAT, configure_logging, server_logconfig

log = logging.getLogger(__name__)

# SIGTERM: the processes stop taking connections and finish the requests in flight, for at most
# this long (compose's stop_grace_period and the pod's grace period leave a margin over it).
GRACE_SECONDS = 30


@dataclass(frozen=True)
class ServerSettings:
    """How many processes and threads serve, and where: the defaults suit a 2-core machine that also runs Redis."""

    port: int = 5000
    workers: int = 2
    threads: int = 4
    log_level: str = "INFO"
    log_format: str = "text"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ServerSettings:
        """PORT, WEB_CONCURRENCY (processes), WEB_THREADS (threads a process; GUNICORN_THREADS, the
        name of earlier versions, still counts when WEB_THREADS is not set), LOG_LEVEL, LOG_FORMAT."""
        threads = environ.get("WEB_THREADS") or environ.get("GUNICORN_THREADS") or str(cls.threads)
        return cls(port=int(environ.get("PORT") or cls.port),
                   workers=_positive("WEB_CONCURRENCY", environ.get("WEB_CONCURRENCY") or str(cls.workers)),
                   threads=_positive("WEB_THREADS", threads),
                   log_level=environ.get("LOG_LEVEL") or cls.log_level,
                   log_format=environ.get("LOG_FORMAT") or cls.log_format)


def _positive(name: str, text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"configuration error: {name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def worker_app() -> Flask:
    """In each of the server's processes: the app's loggers as configured, then the app."""
    settings = ServerSettings.from_environment()
    configure_logging(settings.log_level, settings.log_format)
    from entrypoints.api import create_app  # here: prometheus_client only once the metrics folder is set

    app = create_app()
    # The ~100,000 objects of the loaded app (modules, classes, functions) live as long as the
    # process: frozen, a full collection (about one per POST /data) takes ~5 ms of CPU, not ~50.
    gc.freeze()
    return app


def serve(settings: ServerSettings) -> None:
    """Once, before any process serves: a wrong setting stops the start with one line, and the open
    data routes are warned about once. Then the metrics folder, before anything imports
    prometheus_client (which picks its mode then). Last: a gene set stored by an earlier version
    gets the indexes lookups read. Then granian forks the processes, which each build the app."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    configure_logging(settings.log_level, settings.log_format)
    container = Container()
    check_configuration(container, log)
    folder, made_here = prepare_metrics_folder()
    try:
        upgrade_stored_set(container, log)
        server = Server(
            "entrypoints.serve:worker_app", factory=True, interface=Interfaces.WSGI,
            address="0.0.0.0", port=settings.port, workers=settings.workers, blocking_threads=settings.threads,
            log_level=LogLevels(settings.log_level.lower()), log_dictconfig=server_logconfig(
                settings.log_level, settings.log_format),
            log_access=True, log_access_format=ACCESS_FORMAT, websockets=False,
            workers_kill_timeout=GRACE_SECONDS,
            respawn_failed_workers=True)  # a process that died is replaced, as gunicorn's were
        server.serve()
    finally:
        if made_here:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    serve(ServerSettings.from_environment())


if __name__ == "__main__":
    main()
