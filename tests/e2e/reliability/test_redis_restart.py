"""Nothing lost across a Redis restart with persistence on: genes, jobs, results and queued ids all come back."""
from __future__ import annotations

import pytest
import redis

from genes.job import JobStatus
from tests.e2e.reliability.deployment import A_MONTH, QUEUE_KEY, Store, Workers
from tests.support import ApiClient, eventually

pytestmark = pytest.mark.reliability


def test_genes_jobs_results_and_queued_ids_survive_a_redis_restart_and_the_queued_jobs_then_complete(
        api: ApiClient, jobs_store: Store, workers: Workers) -> None:
    worker = workers.start()
    done = jobs_store.submit(A_MONTH, count=3)
    jobs_store.eventually_all_complete(done, 20)
    assert worker.terminate()[0] == 0
    cancelled = jobs_store.submit(A_MONTH)[0]
    jobs_store.job_service.cancel(cancelled)
    queued = jobs_store.submit(A_MONTH, count=5)  # no worker running: they wait in the queue
    before = _everything(jobs_store)
    seen_before = _seen_through_the_api(api, done[0])

    jobs_store.stop()
    jobs_store.start()

    assert _everything(jobs_store) == before
    assert before["queue"][QUEUE_KEY] == ("list", [f'"{job_id}"' for job_id in [cancelled, *queued]])
    eventually(lambda: api.get("/health", timeout=30).status_code == 200, 20, "the API is back",
               interval=0.2)
    assert _seen_through_the_api(api, done[0]) == seen_before
    workers.start()
    jobs_store.eventually_all_complete(queued, 20)
    eventually(lambda: jobs_store.queued() == [], 5, "the cancelled id is skipped")
    assert jobs_store.job(cancelled).status is JobStatus.CANCELLED
    jobs_store.assert_complete_exactly_once(done + queued, workers.logs())


def _everything(store: Store) -> dict[str, dict[str, object]]:
    """Every key of the service's four databases with its value (workers' heartbeats aside: they expire)."""
    databases = {"genes": store.genes_redis, "queue": store.queue_redis, "jobs": store.jobs_redis,
                 "results": store.results_redis}
    return {name: {key.decode(): _value(client, key) for key in client.scan_iter(count=1000)
                   if b":worker:" not in key}
            for name, client in databases.items()}


def _value(client: redis.Redis, key: bytes) -> object:
    kind = client.type(key).decode()
    read = {
        "string": client.get,
        "hash": client.hgetall,
        "list": lambda k: [item.decode() for item in client.lrange(k, 0, -1)],
        "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
        "set": client.smembers,
    }[kind]
    return kind, read(key)


def _seen_through_the_api(api: ApiClient, job_id: str) -> tuple[object, ...]:
    genes = api.get("/genes", timeout=30).json()
    return (len(genes), genes[:3], api.get("/genes/HGNC:5", timeout=10).json(),
            api.get(f"/jobs/{job_id}", timeout=10).json(),
            api.get(f"/results/{job_id}", timeout=10).json(),
            api.get(f"/results/{job_id}/plot", timeout=10).content)
