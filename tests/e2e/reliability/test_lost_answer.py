"""A BLMOVE whose answer the network loses: Redis moved the id, the client retried; the job must still run."""
from __future__ import annotations

import json
from typing import Iterator

import pytest

from genes.job import JobStatus
from tests.e2e.reliability.cutting_proxy import CuttingProxy
from tests.e2e.reliability.deployment import A_MONTH, JOB_SECONDS, LEASE_SECONDS, Store, Workers
from tests.support import eventually

pytestmark = pytest.mark.reliability


@pytest.fixture
def proxy(jobs_store: Store) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(jobs_store.server.host, jobs_store.server.port)
    yield proxy
    proxy.close()


def test_a_job_whose_take_was_answered_into_a_cut_connection_is_still_run_by_the_live_worker(
        jobs_store: Store, workers: Workers, proxy: CuttingProxy) -> None:
    worker = workers.start(REDIS_HOST=proxy.host, REDIS_PORT=str(proxy.port))
    job_id = jobs_store.save_unqueued(A_MONTH)
    proxy.cut_the_answer_containing(json.dumps(job_id).encode())

    jobs_store.put(job_id)
    eventually(lambda: proxy.cuts == 1, 5, "the answer to the worker's BLMOVE is cut")
    assert worker.in_flight() == [job_id]  # Redis moved it; the worker never heard, and redis-py sent BLMOVE again
    others = jobs_store.submit(A_MONTH, count=3)

    eventually(jobs_store.all_in([job_id, *others], JobStatus.COMPLETE), LEASE_SECONDS + 4 * JOB_SECONDS,
               "the stranded job and the others are complete")
    assert jobs_store.is_alive(worker.worker_id)  # no lease ran out: the live worker gave the id back itself
    assert jobs_store.job(job_id).attempts == 1
    jobs_store.assert_complete_exactly_once([job_id, *others], workers.logs())
