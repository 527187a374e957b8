"""gunicorn's settings for the API: `gunicorn -c gunicorn.conf.py 'entrypoints.api:create_app()'`.

Every setting comes from the service's settings (entrypoints/settings.py: PORT, HOST, WEB_CONCURRENCY,
GUNICORN_THREADS, GUNICORN_TIMEOUT, LOG_LEVEL, LOG_FORMAT), or gunicorn's command line.
The defaults suit a 2-core machine that also runs Redis. bench/bench_serve.py found 2 gthread
workers of 4 threads, 3 sync workers, 2x2 and 3x2 within the noise of a shared machine of each
other for GET /genes/<id> and /help; threads win where it matters beyond that: slow clients.
"""
import gc
import os
import shutil

from entrypoints.containers import build_container, prepare_metrics_folder
from entrypoints.load import upgrade_stored_set
from entrypoints.log_config import configure_logging, gunicorn_logconfig
from entrypoints.settings import announce, settings_or_exit

# A wrong setting stops gunicorn here, in the master, with one line: not a traceback per worker, respawned.
settings = settings_or_exit()
bind = settings.bind_address()

# A worker process runs Python on one core at a time (the GIL); its threads overlap the waits on
# Redis and keep a slow client that streams GET /data (32 MB) from holding a whole process.
worker_class = "gthread"
workers = settings.web_concurrency
threads = settings.gunicorn_threads

# POST /data downloads and loads the whole HGNC set: seconds here, far more on a slow link.
timeout = settings.gunicorn_timeout
graceful_timeout = 30
keepalive = 5
# No control socket (gunicorn 25's `gunicornc`, unused here): its path is one per user
# (~/.gunicorn/gunicorn.ctl), so two gunicorns of one user took it from each other.
control_socket_disable = True

accesslog = "-"  # stdout, one line per request, with its duration in ms
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"  # stderr
loglevel = settings.log_level.lower()
log_format = settings.log_format
logconfig_dict = gunicorn_logconfig(loglevel, log_format)  # LOG_FORMAT=json: both logs as JSON lines

# Heartbeat files in memory: on a container's overlay disk a slow fsync can get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


_made_metrics_folder: list[str] = []


def on_starting(server: object) -> None:
    """Once, in the master before any worker: where Redis is, and open data routes warned about once,
    not once per worker. Then the metrics folder, before any worker imports prometheus_client (which
    picks its mode then). Last, before serving: a gene set stored by an earlier version gets the
    indexes lookups read."""
    container = build_container(settings)
    announce(settings, server.log)  # type: ignore[attr-defined]
    folder, made_here = prepare_metrics_folder()
    if made_here:
        _made_metrics_folder.append(folder)
    upgrade_stored_set(container, server.log)  # type: ignore[attr-defined]


def child_exit(server: object, worker: object) -> None:
    """A worker's live gauges go with it; its counters stay in the totals."""
    from prometheus_client import multiprocess  # here: only once the folder is set

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def on_exit(server: object) -> None:
    for folder in _made_metrics_folder:
        shutil.rmtree(folder, ignore_errors=True)


def post_worker_init(worker: object) -> None:
    """The app's loggers at LOG_LEVEL in LOG_FORMAT; the app's own objects out of the garbage collector's way."""
    configure_logging(loglevel, log_format)
    # The ~100,000 objects of the loaded app (modules, classes, functions) live as long as the
    # worker: frozen, a full collection (about one per POST /data) takes ~5 ms of CPU, not ~50.
    gc.freeze()

