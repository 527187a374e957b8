"""The API in production: `python -m entrypoints.serve` checks, upgrades a stored set, then serves it with granian."""
from __future__ import annotations

import gc
import logging
import os
import shutil
import signal
from types import FrameType

from flask import Flask

from entrypoints.containers import build_container, prepare_metrics_folder
from entrypoints.load import upgrade_stored_set
from entrypoints.log_config import ACCESS_FORMAT, configure_logging, server_logconfig
from entrypoints.settings import Settings, announce, settings_or_exit

log = logging.getLogger(__name__)

# SIGTERM: the processes stop taking connections and finish the requests in flight, for at most
# this long (compose's stop_grace_period and the pod's grace period leave a margin over it).
GRACE_SECONDS = 30


def _exit_before_serving(signum: int, frame: FrameType | None) -> None:
    os._exit(0)  # nothing served yet, nothing to finish: stopping now is the graceful stop


def worker_app() -> Flask:
    """In each of the server's processes: the app's loggers as configured, then the app.

    A forked process inherits the main process's SIGTERM handler, which only flags a copy of the
    server: a stop signalled while the app is still being built was lost, and the process served
    on until granian killed it GRACE_SECONDS later. Until granian installs its own handler, right
    after this returns, a stop signal ends the process at once.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_before_serving)
    settings = settings_or_exit()  # checked once already, before the processes were forked
    configure_logging(settings.log_level, settings.log_format)
    from entrypoints.api import create_app  # here: prometheus_client only once the metrics folder is set

    app = create_app()
    # The ~100,000 objects of the loaded app (modules, classes, functions) live as long as the
    # process: frozen, a full collection (about one per POST /data) takes ~5 ms of CPU, not ~50.
    gc.freeze()
    return app


def serve(settings: Settings) -> None:
    """Once, before any process serves: a wrong setting stops the start with one line, and the open
    data routes are warned about once. Then the metrics folder, before anything imports
    prometheus_client (which picks its mode then). Last: a gene set stored by an earlier version
    gets the indexes lookups read. Then granian forks the processes, which each build the app."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    configure_logging(settings.log_level, settings.log_format)
    announce(settings, log)
    container = build_container(settings)
    folder, made_here = prepare_metrics_folder()
    try:
        upgrade_stored_set(container, log)
        server = Server(
            "entrypoints.serve:worker_app", factory=True, interface=Interfaces.WSGI,
            address=settings.host, port=settings.port, workers=settings.web_concurrency,
            blocking_threads=settings.server_threads(),
            log_level=LogLevels(settings.log_level.lower()), log_dictconfig=server_logconfig(
                settings.log_level, settings.log_format),
            log_access=True, log_access_format=ACCESS_FORMAT, websockets=False,
            workers_kill_timeout=GRACE_SECONDS,
            respawn_failed_workers=True)  # a process that died is replaced
        server.serve()
    finally:
        if made_here:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    serve(settings_or_exit())


if __name__ == "__main__":
    main()
