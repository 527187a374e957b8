"""Upgrades as users make them: the new processes started on a Redis an earlier release wrote.

The API served as in production, on the full set as the first release stored it loads the set again from its
own records before serving; on the one set a version before releases stored, it registers that set as the
release it can date; two workers started together on jobs that 021f1ac stored give the jobs
ended before retention their expiry, once.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import redis

from adapters.hgnc_source import HgncFileSource
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_job_repository import FORMAT_KEY
from entrypoints.containers import JOBS_DB, RESULTS_DB
from tests.conftest import FIXTURES, StartProcess
from tests.first_release import store_as_before_releases, store_as_the_first_release
from tests.jobs_before_retention import ended_days_ago, ms, store_as_021f1ac, unfinished
from tests.support import SERVER_COMMAND, ApiClient, RedisServer, eventually, free_port

SOURCE = "https://storage.googleapis.com/public-download-files/hgnc/tsv/tsv/hgnc_complete_set.txt"
A_DAY_IN_SECONDS = 24 * 3600
SAMPLE_TSV = FIXTURES / "hgnc_sample.tsv"
ARCHIVE = "https://storage.googleapis.com/public-download-files/hgnc/archive/archive/monthly/tsv/hgnc_complete_set_2024-07-01.txt"


def test_the_api_upgrades_a_set_stored_by_the_first_release_before_it_serves(
        redis_server: RedisServer, start_process: StartProcess, hgnc_data_path: Path,
        reference: dict[str, dict[str, Any]]) -> None:
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    client.flushdb()
    RedisGeneRepository(client).replace_all(HgncFileSource(hgnc_data_path).read(), SOURCE)
    store_as_the_first_release(client)

    port = free_port()
    api = ApiClient(f"http://127.0.0.1:{port}")
    process = start_process(
        SERVER_COMMAND,
        env={"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "PORT": str(port),
             "HGNC_SOURCE": str(hgnc_data_path), "WEB_CONCURRENCY": "1", "LOG_LEVEL": "INFO"},
        name="server", ready=api.is_healthy)

    coding = [i for i, record in reference.items() if record["locus_group"] == "protein-coding gene"]
    answer = api.get("/genes", params={"locus_group": "protein-coding gene"}, timeout=30)
    assert answer.json() == coding
    assert api.get("/genes", params={"entrez_id": "672"}, timeout=10).json() == ["HGNC:1100"]
    assert api.get("/genes", params={"uniprot_ids": "p38398"}, timeout=10).json() == ["HGNC:1100"]
    info = api.get("/info", timeout=10).json()
    assert info["count"] == len(reference) and info["source"] == SOURCE
    assert info["last_modified"] == max(record.get("date_modified", "") for record in reference.values())
    assert api.get("/data", timeout=120).json() == list(reference.values())
    log = process.log_path.read_text()
    assert f"loaded again from its own records, with the indexes this version reads: {len(reference)} genes" in log


def test_the_api_makes_the_one_set_of_a_store_before_releases_a_release_before_it_serves(
        redis_server: RedisServer, start_process: StartProcess) -> None:
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    client.flushdb()
    RedisGeneRepository(client).replace_all(HgncFileSource(SAMPLE_TSV).read(), ARCHIVE)
    store_as_before_releases(client)

    port = free_port()
    api = ApiClient(f"http://127.0.0.1:{port}")
    start_process(SERVER_COMMAND, env={"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port),
                                       "PORT": str(port), "HGNC_SOURCE": str(SAMPLE_TSV), "WEB_CONCURRENCY": "1"},
                  name="server", ready=api.is_healthy)

    sample_ids = [line.split("\t", 1)[0] for line in SAMPLE_TSV.read_text().splitlines()[1:]]
    assert [(r["release"], r["count"], r["live"], r["source"]) for r in api.get("/releases").json()] == [
        ("2024-07-01", len(sample_ids), True, ARCHIVE)]
    assert api.get("/genes", params={"release": "2024-07-01"}).json() == sample_ids
    assert api.get("/info").json()["release"] == "2024-07-01"
    assert api.post("/data", params={"release": "2024-10-18"}, data=SAMPLE_TSV.read_bytes()).status_code == 201
    assert [(r["release"], r["live"]) for r in api.get("/releases").json()] == [
        ("2024-10-18", True), ("2024-07-01", False)]


def test_workers_started_together_give_the_jobs_ended_before_retention_their_expiry(
        redis_server: RedisServer, start_process: StartProcess) -> None:
    jobs_redis, results_redis = redis_server.client(JOBS_DB), redis_server.client(RESULTS_DB)
    for client in (redis_server.client(), jobs_redis, results_redis):
        client.flushdb()
    kept = [store_as_021f1ac(jobs_redis, results_redis, ended_days_ago(n / 12, how))
            for n, how in zip(range(1, 301), ("complete", "failed", "cancelled") * 100)]  # under 30 days ago
    past = store_as_021f1ac(jobs_redis, results_redis, ended_days_ago(31))
    waiting = store_as_021f1ac(jobs_redis, results_redis, unfinished(started=False))
    env = {"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "LOG_LEVEL": "INFO",
           "JOB_TTL_SECONDS": str(30 * A_DAY_IN_SECONDS)}

    workers = [start_process(["python", "-m", "entrypoints.worker"], env=env, name=f"worker {n}") for n in (1, 2)]
    eventually(lambda: jobs_redis.get(FORMAT_KEY) == b"retention", 60, "the jobs' format upgraded to retention",
               interval=0.1, watching=workers)

    for job in kept:
        assert jobs_redis.pexpiretime(f"job:{job.id}") == ms(job.finished_at + timedelta(days=30))  # type: ignore[operator]
        assert jobs_redis.hget(f"job:{job.id}", "keep_seconds") == str(30.0 * A_DAY_IN_SECONDS).encode()
    complete = kept[0] if kept[0].status.value == "complete" else kept[2]
    assert results_redis.pexpiretime(f"results:{complete.id}:plot") == ms(complete.finished_at + timedelta(days=30))  # type: ignore[operator]
    assert jobs_redis.exists(f"job:{past.id}", f"job:{waiting.id}") == 1 and jobs_redis.pttl(f"job:{waiting.id}") == -1
    assert jobs_redis.hget(f"job:{waiting.id}", "keep_seconds") == str(30.0 * A_DAY_IN_SECONDS).encode()  # once it ends
    assert jobs_redis.zscore("jobs", past.id) is None and jobs_redis.zcard("jobs") == len(kept) + 1
    for worker in workers:
        worker.stop()
        assert worker.process.returncode == 0, worker.log_tail()
