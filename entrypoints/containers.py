"""The composition root: the only module that reads the environment and builds clients."""
from __future__ import annotations

import glob
import os
import socket
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from dependency_injector import containers, providers

from adapters.hgnc_source import HgncBytesSource, source_for
from adapters.hgnc_withdrawn_format import parse_withdrawn
from adapters.hotqueue_job_queue import HotQueueJobConsumer, HotQueueJobQueue
from adapters.hotqueue_monitor import HotQueueMonitor
from adapters.redis_client import StoreRedis
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_job_repository import RedisJobRepository
from adapters.redis_result_repository import RedisResultRepository
from adapters.redis_withdrawn_store import RedisWithdrawnStore
from entrypoints import configuration
from genes.gene_lookup import GeneLookup
from genes.gene_service import GeneService
from genes.hgnc_search import HgncMirror
from genes.job_runner import JobRunner
from genes.job_service import JobService
from genes.monitoring_service import MonitoringService
from genes.ports import PlotRenderer
from genes.retention_upgrade import RetentionUpgrade
from genes.symbol_check import SymbolChecker
from genes.withdrawn_service import WithdrawnService

OFFICIAL_HGNC_JSON_URL = "https://storage.googleapis.com/public-download-files/hgnc/json/json/hgnc_complete_set.json"
OFFICIAL_HGNC_WITHDRAWN_URL = "https://storage.googleapis.com/public-download-files/hgnc/tsv/tsv/withdrawn.txt"

# The course's layout of the Redis databases.
GENES_DB, QUEUE_DB, JOBS_DB, RESULTS_DB = 0, 1, 2, 3


def _redis_client(settings: configuration.RedisSettings, db: int) -> redis.Redis:
    """A lazily connecting client: nothing touches the network until the first command. An outage
    raises the domain's StoreUnavailable (adapters.redis_client).

    One quick retry rides over a dropped connection; a Redis that is down is reported within
    a fraction of a second (the API answers 503, the worker backs off), not after redis-py's
    default of several growing waits.
    """
    return StoreRedis(
        **settings.connection_options(),
        db=db,
        retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), retries=1),
        socket_connect_timeout=2,
        socket_timeout=30,
        socket_keepalive=True,
        health_check_interval=15,
    )


def _worker_id() -> str:
    """Unique per worker process, readable in logs: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


METRICS_FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own name for it


def prepare_metrics_folder() -> tuple[str, bool]:
    """The folder where gunicorn's processes share their metrics (prometheus_client's multiprocess
    mode), and whether it was made here: `PROMETHEUS_MULTIPROC_DIR`, emptied of an earlier run's
    files, or else a fresh temporary folder, which is put into the environment of the processes to
    come. Call it before prometheus_client is imported: the library picks its mode on import.
    """
    folder = os.environ.get(METRICS_FOLDER_VARIABLE)
    if not folder:
        folder = os.environ[METRICS_FOLDER_VARIABLE] = tempfile.mkdtemp(prefix="hgnc-metrics-")
        return folder, True
    os.makedirs(folder, exist_ok=True)
    for stale in glob.glob(os.path.join(folder, "*.db")):
        os.remove(stale)
    return folder, False


def metrics_folder() -> str | None:
    """The folder of multiprocess metrics, when the processes of this API share one."""
    return os.environ.get(METRICS_FOLDER_VARIABLE) or None


# Where a worker says which one it is, for `python -m entrypoints.worker --check` in its container
# (or pod): the temporary folder, TMPDIR's when set.
WORKER_FILE = Path(tempfile.gettempdir()) / "hgnc-worker.json"


def _plot_renderer() -> PlotRenderer:
    # Imported here, when a worker builds its runner: the plot's modules (matplotlib's tick locator
    # and font included) take ~1.4 s to import, and only a worker draws. The API's processes and the
    # worker's health check (`--check`, run every few seconds) build this container too.
    from adapters.pillow_plot import PillowPlotRenderer

    return PillowPlotRenderer()


def _optional_port(text: str) -> int | None:
    """WORKER_METRICS_PORT: a TCP port, or empty for none."""
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"WORKER_METRICS_PORT must be a TCP port (1-65535) or empty, not {text!r}")
    return int(text)


def _keep_for(ttl_seconds: int) -> timedelta | None:
    """JOB_TTL_SECONDS as the jobs' retention: 0 keeps them for ever."""
    if ttl_seconds < 0:
        raise ValueError(f"JOB_TTL_SECONDS must be 0 (keep for ever) or a number of seconds, not {ttl_seconds}")
    return timedelta(seconds=ttl_seconds) if ttl_seconds else None


class Container(containers.DeclarativeContainer):
    # ThreadSafeSingleton, not Singleton: gunicorn's threads would otherwise each build their own at a
    # process's first burst of requests (a second catalog holds its indexes and watch twice).
    config = providers.Configuration()
    config.redis.host.from_env("REDIS_HOST", default="localhost")
    config.redis.port.from_env("REDIS_PORT", as_=int, default=6379)
    config.redis.url.from_env("REDIS_URL", default="")
    config.redis.username.from_env("REDIS_USERNAME", default="")
    config.redis.password.from_env("REDIS_PASSWORD", default="")
    config.redis.ca_cert.from_env("REDIS_CA_CERT", default="")
    config.hgnc_source.from_env("HGNC_SOURCE", default=OFFICIAL_HGNC_JSON_URL)
    config.hgnc_withdrawn_source.from_env("HGNC_WITHDRAWN_SOURCE", default=OFFICIAL_HGNC_WITHDRAWN_URL)
    config.job_lease_seconds.from_env("JOB_LEASE_SECONDS", as_=float, default=30.0)
    config.job_max_attempts.from_env("JOB_MAX_ATTEMPTS", as_=int, default=3)
    config.port.from_env("PORT", as_=int, default=5000)  # the API's (gunicorn.conf.py binds it too)
    config.log.level.from_env("LOG_LEVEL", default="INFO")
    config.log.format.from_env("LOG_FORMAT", default="text")
    config.worker_metrics_port.from_env("WORKER_METRICS_PORT", as_=_optional_port, default="")
    config.job_ttl_seconds.from_env("JOB_TTL_SECONDS", as_=int, default=7 * 24 * 3600)
    config.admin_token.from_env("ADMIN_TOKEN", default="")

    admin_token = providers.Callable(configuration.admin_token, config.admin_token)

    redis_settings = providers.ThreadSafeSingleton(
        configuration.RedisSettings.from_environment,
        url=config.redis.url, host=config.redis.host, port=config.redis.port,
        username=config.redis.username, password=config.redis.password, ca_cert=config.redis.ca_cert,
    )
    genes_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, GENES_DB)
    queue_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, QUEUE_DB)
    jobs_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, JOBS_DB)
    results_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, RESULTS_DB)

    gene_repository = providers.ThreadSafeSingleton(RedisGeneRepository, genes_redis)
    default_gene_source = providers.Factory(source_for, config.hgnc_source)
    uploaded_gene_source = providers.Factory(HgncBytesSource)
    gene_service = providers.Factory(GeneService, gene_repository, default_gene_source)
    gene_catalog = providers.ThreadSafeSingleton(RedisGeneCatalog, genes_redis)
    withdrawn_store = providers.ThreadSafeSingleton(RedisWithdrawnStore, genes_redis)
    gene_lookup = providers.Factory(GeneLookup, gene_catalog, withdrawn_store)
    default_withdrawn_source = providers.Factory(source_for, config.hgnc_withdrawn_source, parse=parse_withdrawn)
    uploaded_withdrawn_source = providers.Factory(HgncBytesSource, parse=parse_withdrawn)
    withdrawn_service = providers.Factory(WithdrawnService, withdrawn_store, default_withdrawn_source)
    symbol_checker = providers.ThreadSafeSingleton(SymbolChecker, gene_catalog, withdrawn_store)  # holds what it read
    hgnc_mirror = providers.ThreadSafeSingleton(HgncMirror, gene_catalog, withdrawn_store)  # holds its index

    result_repository = providers.ThreadSafeSingleton(RedisResultRepository, results_redis)
    job_queue = providers.ThreadSafeSingleton(HotQueueJobQueue, queue_redis)
    job_repository = providers.ThreadSafeSingleton(RedisJobRepository, jobs_redis, job_queue, result_repository)
    plot_renderer = providers.ThreadSafeSingleton(_plot_renderer)
    keep_for = providers.Callable(_keep_for, config.job_ttl_seconds)
    job_service = providers.Factory(JobService, job_repository, result_repository, keep_for)
    retention_upgrade = providers.Factory(RetentionUpgrade, job_repository, keep_for)
    queue_monitor = providers.ThreadSafeSingleton(HotQueueMonitor, queue_redis)
    monitoring_service = providers.Factory(MonitoringService, job_repository, queue_monitor)
    worker_file = providers.Object(WORKER_FILE)
    job_consumer = providers.Factory(
        HotQueueJobConsumer, queue_redis, providers.Callable(_worker_id), config.job_lease_seconds
    )
    job_runner = providers.Factory(
        JobRunner,
        job_repository,
        gene_repository,
        result_repository,
        plot_renderer,
        max_attempts=config.job_max_attempts,
    )
