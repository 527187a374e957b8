"""The composition root: builds the clients and services from the settings (entrypoints/settings.py)."""
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
from redis.sentinel import Sentinel
from dependency_injector import containers, providers

from adapters.forked_sandbox import ForkedSandbox
from adapters.gene_cache import GeneCache
from adapters.gene_cache.release_readers import ReleaseReaders
from adapters.hgnc_source import HgncBytesSource, source_for
from adapters.hgnc_withdrawn_format import parse_withdrawn
from adapters.hotqueue_job_queue import HotQueueJobConsumer, HotQueueJobQueue
from adapters.hotqueue_monitor import HotQueueMonitor
from adapters.redis_client import ReplicaAcks, StoreRedis
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_releases import RedisReleaseRegistry
from adapters.redis_job_repository import RedisJobRepository
from adapters.redis_result_repository import RedisResultRepository
from adapters.redis_withdrawn_store import RedisWithdrawnStore
from entrypoints.settings import RedisSettings, Settings, checked
from genes.analysis import analyse
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

# The course's layout of the Redis databases.
GENES_DB, QUEUE_DB, JOBS_DB, RESULTS_DB = 0, 1, 2, 3


# With sentinels, a primary whose machine vanished (no connection reset) is noticed within ~6 s rather
# than after socket_timeout: keepalive probes on a connection awaiting a reply, and a bound on how long
# a request may stay unacknowledged by the peer's kernel. A busy but living Redis trips neither.
FAILOVER_KEEPALIVE = {socket.TCP_KEEPIDLE: 3, socket.TCP_KEEPINTVL: 1, socket.TCP_KEEPCNT: 3,
                      socket.TCP_USER_TIMEOUT: 6000}


def _redis_client(settings: RedisSettings, db: int, sentinel: Sentinel | None = None) -> redis.Redis:
    """A lazily connecting client: nothing touches the network until the first command. An outage
    raises the domain's StoreUnavailable (adapters.redis_client).

    One quick retry rides over a dropped connection; a Redis that is down is reported within
    a fraction of a second (the API answers 503, the worker backs off), not after redis-py's
    default of several growing waits.

    With sentinels, every new connection asks them where the primary is, and a connection to a
    primary since demoted (READONLY) is dropped: after a failover, the next command reaches the new one.
    """
    options = dict(
        settings.connection_options(),
        db=db,
        retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), retries=1),
        socket_connect_timeout=2,
        socket_timeout=30,
        socket_keepalive=True,
        health_check_interval=15,
    )
    if sentinel is not None:
        options["socket_keepalive_options"] = FAILOVER_KEEPALIVE
        client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]  # unannotated in redis-py
            settings.sentinel_master, redis_class=StoreRedis, **options)
        return client
    return StoreRedis(**options)


def _sentinel(settings: RedisSettings) -> Sentinel | None:
    """The sentinels that name the primary (one set of connections to them per process); None without."""
    if not settings.sentinels:
        return None
    # Short timeouts: a sentinel that is down is passed over for the next one within a second.
    return Sentinel(list(settings.sentinels), sentinel_kwargs={  # type: ignore[no-untyped-call]
        "password": settings.sentinel_password, "socket_connect_timeout": 1, "socket_timeout": 1})


def _worker_id() -> str:
    """Unique per worker process, readable in logs: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


# prometheus_client's own variable, not a setting: the library reads it, and the API's master sets it
# for the processes it forks.
METRICS_FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_folder() -> tuple[str, bool]:
    """The folder where the server's processes share their metrics (prometheus_client's multiprocess
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


def _keep_for(ttl_seconds: int) -> timedelta | None:
    """JOB_TTL_SECONDS as the jobs' retention: 0 keeps them for ever."""
    return timedelta(seconds=ttl_seconds) if ttl_seconds else None


class Container(containers.DeclarativeContainer):
    # ThreadSafeSingleton, not Singleton: the server's threads would otherwise each build their own at a
    # process's first burst of requests (a second catalog holds its indexes and watch twice).
    # Settings' defaults; build_container gives a process its settings, and a test may set any option.
    config = providers.Configuration(default=Settings().as_config())

    admin_token = providers.Callable(checked, "ADMIN_TOKEN", config.admin_token)

    redis_settings = providers.ThreadSafeSingleton(
        RedisSettings.from_variables,
        url=config.redis.url, host=config.redis.host, port=config.redis.port,
        username=config.redis.username, password=config.redis.password, ca_cert=config.redis.ca_cert,
        sentinels=config.redis.sentinels, sentinel_master=config.redis.sentinel_master,
        sentinel_password=config.redis.sentinel_password, min_replicas_acked=config.redis.min_replicas_acked,
    )
    redis_sentinel = providers.ThreadSafeSingleton(_sentinel, redis_settings)
    genes_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, GENES_DB, redis_sentinel)
    queue_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, QUEUE_DB, redis_sentinel)
    jobs_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, JOBS_DB, redis_sentinel)
    results_redis = providers.ThreadSafeSingleton(_redis_client, redis_settings, RESULTS_DB, redis_sentinel)
    replica_acks = providers.ThreadSafeSingleton(ReplicaAcks, redis_settings.provided.min_replicas_acked)

    gene_cache = providers.ThreadSafeSingleton(GeneCache, genes_redis, enabled=config.gene_cache)
    release_registry = providers.ThreadSafeSingleton(RedisReleaseRegistry, genes_redis, kept=config.releases_kept,
                                                     live_cache=gene_cache)
    gene_repository = providers.ThreadSafeSingleton(RedisGeneRepository, genes_redis, gene_cache, replicas=replica_acks,
                                                    releases=release_registry)
    default_gene_source = providers.Factory(source_for, config.hgnc_source)
    uploaded_gene_source = providers.Factory(HgncBytesSource)
    gene_service = providers.Factory(GeneService, gene_repository, default_gene_source)
    gene_catalog = providers.ThreadSafeSingleton(RedisGeneCatalog, genes_redis, gene_cache)
    withdrawn_store = providers.ThreadSafeSingleton(RedisWithdrawnStore, genes_redis, enabled=config.gene_cache)
    gene_lookup = providers.Factory(GeneLookup, gene_catalog, withdrawn_store)
    default_withdrawn_source = providers.Factory(source_for, config.hgnc_withdrawn_source, parse=parse_withdrawn)
    uploaded_withdrawn_source = providers.Factory(HgncBytesSource, parse=parse_withdrawn)
    withdrawn_service = providers.Factory(WithdrawnService, withdrawn_store, default_withdrawn_source)
    symbol_checker = providers.ThreadSafeSingleton(SymbolChecker, gene_catalog, withdrawn_store)  # holds what it read
    hgnc_mirror = providers.ThreadSafeSingleton(HgncMirror, gene_catalog, withdrawn_store)  # holds its index
    # The reads of a release asked for with ?release=: the live ones above, others made on demand.
    release_readers = providers.ThreadSafeSingleton(
        ReleaseReaders, genes_redis, gene_catalog, symbol_checker, hgnc_mirror, withdrawn_store, release_registry,
        live_cache=gene_cache, cache_enabled=config.gene_cache, idle_seconds=config.release_cache_idle_seconds)

    result_repository = providers.ThreadSafeSingleton(RedisResultRepository, results_redis)
    job_queue = providers.ThreadSafeSingleton(HotQueueJobQueue, queue_redis)
    job_repository = providers.ThreadSafeSingleton(RedisJobRepository, jobs_redis, job_queue, result_repository,
                                                   replicas=replica_acks)
    plot_renderer = providers.ThreadSafeSingleton(_plot_renderer)
    keep_for = providers.Callable(_keep_for, config.job_ttl_seconds)
    job_service = providers.Factory(JobService, job_repository, result_repository, release_registry, keep_for)
    retention_upgrade = providers.Factory(RetentionUpgrade, job_repository, keep_for)
    queue_monitor = providers.ThreadSafeSingleton(HotQueueMonitor, queue_redis)
    monitoring_service = providers.Factory(MonitoringService, job_repository, queue_monitor)
    worker_file = providers.Object(WORKER_FILE)
    job_consumer = providers.Factory(
        HotQueueJobConsumer, queue_redis, providers.Callable(_worker_id), config.job_lease_seconds,
        job_timeout_seconds=config.job_timeout_seconds,
    )
    sandbox = providers.ThreadSafeSingleton(ForkedSandbox)
    analysis = providers.Object(analyse)  # what a job computes: tests override it with one that never returns
    job_runner = providers.Factory(
        JobRunner,
        job_repository,
        gene_repository,
        result_repository,
        plot_renderer,
        sandbox,
        release_registry,
        analysis=analysis,
        max_attempts=config.job_max_attempts,
        timeout_seconds=config.job_timeout_seconds,
    )


def build_container(settings: Settings) -> Container:
    """The container of a process, from its settings (read once, at start)."""
    container = Container()
    container.config.from_dict(settings.as_config())
    return container
