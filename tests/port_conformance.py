"""Never run, only type-checked (`make check`): every adapter and every in-memory fake satisfies its port.

The ports are Protocols, so nothing but this file and the services' own call sites asserts that an
adapter or a fake has each method, with the port's signature; the contract tests check their behaviour.
"""
from __future__ import annotations

import redis

from adapters.hgnc_source import HgncBytesSource, HgncFileSource, HgncUrlSource
from adapters.hotqueue_job_queue import HotQueueJobQueue
from adapters.pillow_plot import PillowPlotRenderer
from adapters.redis_gene_catalog import RedisGeneCatalog
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_job_repository import RedisJobRepository
from adapters.redis_result_repository import RedisResultRepository
from adapters.gene_cache.release_readers import ReleaseReaders
from adapters.redis_releases import RedisReleaseRegistry
from adapters.redis_withdrawn_store import RedisWithdrawnStore
from genes.hgnc_search import HgncMirror
from genes.ports import (
    GeneCatalog, GeneRepository, GeneSource, JobRepository, PlotRenderer, ReleaseReads, ReleaseRegistry,
    ResultRepository, WithdrawnStore,
)
from genes.symbol_check import SymbolChecker
from tests.unit.gene_fakes import FakeGeneSource, InMemoryGenes, InMemoryWithdrawn
from tests.unit.job_fakes import FakeJobRepository, FakePlotRenderer, FakeReleaseRegistry, FakeResultRepository


def adapters(client: redis.Redis, results: RedisResultRepository) -> None:
    gene_repository: GeneRepository = RedisGeneRepository(client)
    gene_catalog: GeneCatalog = RedisGeneCatalog(client)
    registry: ReleaseRegistry = RedisReleaseRegistry(client)
    withdrawn = RedisWithdrawnStore(client)
    release_reads: ReleaseReads = ReleaseReaders(client, gene_catalog, SymbolChecker(gene_catalog, withdrawn),
                                                 HgncMirror(gene_catalog, withdrawn), withdrawn, registry)
    withdrawn_stores: list[WithdrawnStore] = [RedisWithdrawnStore(client), InMemoryWithdrawn()]
    job_repository: JobRepository = RedisJobRepository(client, HotQueueJobQueue(client), results)
    result_repository: ResultRepository = results
    plot_renderer: PlotRenderer = PillowPlotRenderer()
    sources: list[GeneSource] = [HgncFileSource("hgnc_complete_set.json"), HgncBytesSource(b""), HgncUrlSource("https://")]


def fakes() -> None:
    genes = InMemoryGenes()
    gene_repository: GeneRepository = genes
    gene_catalog: GeneCatalog = genes
    job_repository: JobRepository = FakeJobRepository()
    result_repository: ResultRepository = FakeResultRepository()
    plot_renderer: PlotRenderer = FakePlotRenderer()
    release_registry: ReleaseRegistry = FakeReleaseRegistry()
    source: GeneSource = FakeGeneSource([])
