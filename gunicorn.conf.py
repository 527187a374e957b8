"""gunicorn's settings for the API: `gunicorn -c gunicorn.conf.py 'entrypoints.api:create_app()'`.

Every setting can be changed from the environment (or overridden on gunicorn's command line).
The defaults suit a 2-core machine that also runs Redis. bench/bench_serve.py found 2 gthread
workers of 4 threads, 3 sync workers, 2x2 and 3x2 within the noise of a shared machine of each
other for GET /genes/<id> and /help; threads win where it matters beyond that: slow clients.
"""
import gc
import logging
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"

# A worker process runs Python on one core at a time (the GIL); its threads overlap the waits on
# Redis and keep a slow client that streams GET /data (32 MB) from holding a whole process.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# POST /data downloads and loads the whole HGNC set: seconds here, far more on a slow link.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = 30
keepalive = 5

accesslog = "-"  # stdout, one line per request, with its duration in ms
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"  # stderr
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Heartbeat files in memory: on a container's overlay disk a slow fsync can get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def post_worker_init(worker: object) -> None:
    """The app's loggers at LOG_LEVEL; the app's own objects out of the garbage collector's way."""
    logging.basicConfig(level=loglevel.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The ~100,000 objects of the loaded app (modules, classes, functions) live as long as the
    # worker: frozen, a full collection (about one per POST /data) takes ~5 ms of CPU, not ~50.
    gc.freeze()
