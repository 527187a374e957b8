"""What the service keeps of a job, end to end: expiry after JOB_TTL_SECONDS, listing, Idempotency-Key, reuse.

The real API (`JOB_TTL_SECONDS=4`) and a real worker, on a redis-server of this module's own with
the sample set loaded: expiring keys here disturbs no other test.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Callable

import pytest
import redis
import requests

from entrypoints.containers import Container, GENES_DB, JOBS_DB, QUEUE_DB, RESULTS_DB
from genes.job import Job
from tests.conftest import FIXTURES, StartApi, StartProcess
from tests.problem_details import assert_problem
from tests.support import ApiClient, ApiProcess, RedisServer, wait_for_jobs

TTL_SECONDS = 4
LATE_EIGHTIES = {"start_date": "1986-01-01", "end_date": "1991-12-31"}
NINETIES = {"start_date": "1990-01-01", "end_date": "1999-12-31"}
DATABASES = (GENES_DB, QUEUE_DB, JOBS_DB, RESULTS_DB)
StartService = Callable[[int], ApiProcess]
RunWorker = Callable[[ApiClient, list[str]], str]


@pytest.fixture
def start_service(redis_server: RedisServer, start_api: StartApi) -> StartService:
    """The API with this JOB_TTL_SECONDS, no job yet, the sample set loaded."""

    def start(ttl_seconds: int) -> ApiProcess:
        for db in (QUEUE_DB, JOBS_DB, RESULTS_DB):
            redis.Redis(port=redis_server.port, db=db).flushdb()
        process = start_api(redis_server.host, redis_server.port, FIXTURES / "hgnc_sample.tsv",
                            extra_env={"JOB_TTL_SECONDS": str(ttl_seconds)})
        assert process.client.post("/data").status_code == 201
        return process

    return start


@pytest.fixture
def api_process(start_service: StartService) -> ApiProcess:
    """The API with JOB_TTL_SECONDS=TTL_SECONDS: `api` talks to it."""
    return start_service(TTL_SECONDS)


@pytest.fixture
def run_worker(redis_server: RedisServer, start_process: StartProcess) -> RunWorker:
    """Start a real worker, wait until `job_ids` are complete, stop it (SIGTERM): jobs submitted later stay queued;
    its log."""

    def run(api: ApiClient, job_ids: list[str]) -> str:
        worker = start_process(["python", "-m", "entrypoints.worker"], name="worker",
                               env={"REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port), "LOG_LEVEL": "INFO"})
        ended = wait_for_jobs(api, job_ids, 30, watching=[worker])
        assert {job["status"] for job in ended.values()} == {"complete"}, ended
        worker.stop()
        return worker.log_path.read_text()

    return run


def submit(api: ApiClient, body: dict = LATE_EIGHTIES, key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/jobs", json=body, headers=headers)


def submitted(api: ApiClient, body: dict = LATE_EIGHTIES) -> str:
    response = submit(api, body)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def status(api: ApiClient, job_id: str) -> str:
    return api.get(f"/jobs/{job_id}").json()["status"]


def every_key(redis_server: RedisServer) -> dict[int, set[bytes]]:
    return {db: set(redis.Redis(port=redis_server.port, db=db).keys()) for db in DATABASES}


def every_member(redis_server: RedisServer) -> dict[bytes, set[bytes]]:
    """The members of each sorted set of the jobs database: the listings and the expiry index."""
    client = redis.Redis(port=redis_server.port, db=JOBS_DB)
    return {key: set(client.zrange(key, 0, -1)) for key in client.scan_iter("jobs*", _type="zset")}  # not jobs:format


def start_as_a_worker_does(redis_server: RedisServer, job_id: str) -> None:
    """Take the job to `in progress` as a worker's first step does, and leave it there: a job that runs for ever."""
    container = Container()
    container.config.redis.host.from_value(redis_server.host)
    container.config.redis.port.from_value(redis_server.port)
    container.job_repository().update(job_id, Job.start)
    container.reset_singletons()


def test_an_ended_job_its_results_plot_and_listed_ids_expire_after_the_ttl_and_nothing_else(
        api: ApiClient, redis_server: RedisServer, run_worker: RunWorker) -> None:
    done = submitted(api)
    run_worker(api, [done])
    answered = api.get(f"/jobs/{done}").json()
    cancelled, waiting, running = submitted(api), submitted(api, NINETIES), submitted(api)
    assert api.delete(f"/jobs/{cancelled}").status_code == 200
    start_as_a_worker_does(redis_server, running)
    ended, expires = (datetime.fromisoformat(answered[name]) for name in ("finished_at", "expires_at"))
    assert expires - ended == timedelta(seconds=TTL_SECONDS)
    assert api.get(f"/jobs/{running}").json()["expires_at"] is None
    keys_before, members_before = every_key(redis_server), every_member(redis_server)
    gone = {done, cancelled}

    time.sleep(TTL_SECONDS + 0.5)

    for job_id in gone:
        for path in (f"/jobs/{job_id}", f"/results/{job_id}", f"/results/{job_id}/plot"):
            response = api.get(path)
            assert assert_problem(response.status_code, response.headers, response.content, 404)
    assert api.get("/jobs").json() == [waiting, running]
    for listing in ("complete", "cancelled"):
        assert api.get("/jobs", params={"status": listing}).json() == []
    assert status(api, waiting) == "submitted" and status(api, running) == "in progress"
    assert keys_before[RESULTS_DB], "the complete job has results"  # only it: the others have none
    named_after_them = keys_before[RESULTS_DB] | {key for keys in keys_before.values() for key in keys
                                                  if any(job_id.encode() in key for job_id in gone)}
    ids_gone = {job_id.encode() for job_id in gone}
    members_left = {key: members - ids_gone for key, members in members_before.items() if members - ids_gone}
    emptied = set(members_before) - set(members_left)  # Redis deletes an empty sorted set
    assert every_member(redis_server) == members_left
    assert every_key(redis_server) == {db: keys - named_after_them - emptied for db, keys in keys_before.items()}


def test_a_job_that_has_not_ended_never_expires(api: ApiClient, redis_server: RedisServer) -> None:
    waiting, running = submitted(api), submitted(api)
    start_as_a_worker_does(redis_server, running)

    time.sleep(TTL_SECONDS + 0.5)

    jobs = redis.Redis(port=redis_server.port, db=JOBS_DB)
    for job_id, expected in ((waiting, "submitted"), (running, "in progress")):
        job = api.get(f"/jobs/{job_id}").json()
        assert (job["status"], job["expires_at"]) == (expected, None)
        assert jobs.pttl(f"job:{job_id}") == -1
    assert api.get("/jobs").json() == [waiting, running]


def test_jobs_are_listed_a_page_at_a_time_with_or_without_a_status(api: ApiClient) -> None:
    ids = [submitted(api) for _ in range(12)]
    for job_id in ids[::3]:
        assert api.delete(f"/jobs/{job_id}").status_code == 200

    def page(**query: object) -> list[str]:
        response = api.get("/jobs", params=query)
        assert response.status_code == 200, response.text
        return response.json()

    assert page() == ids
    assert [job_id for offset in range(0, 12, 5) for job_id in page(limit=5, offset=offset)] == ids
    assert page(limit=10_000, offset=11) == ids[11:]
    assert page(limit=1, offset=12) == []
    cancelled = ids[::3]
    assert page(status="cancelled", limit=2) == cancelled[:2]
    assert page(status="cancelled", limit=2, offset=2) == cancelled[2:]
    assert page(status="submitted", offset=7) == [job_id for job_id in ids if job_id not in cancelled][7:]
    for bad in ({"limit": 0}, {"limit": 10_001}, {"offset": -1}):
        response = api.get("/jobs", params=bad)
        assert_problem(response.status_code, response.headers, response.content, 400)


def test_an_idempotency_key_answers_its_first_job_until_that_job_expires(api: ApiClient, redis_server: RedisServer) -> None:
    key = "2c0d6a8e-1f5b-4c3e-9a7d-5e8b0f1c2d3a"
    first = submit(api, LATE_EIGHTIES, key)
    assert first.status_code == 202, first.text

    again = submit(api, {"end_date": "1991-12-31", "start_date": "1986-01-01", "locus_group": None}, key)
    other = submit(api, NINETIES, key)

    assert again.status_code == 202
    assert (again.json()["id"], again.headers["Location"]) == (first.json()["id"], first.headers["Location"])
    problem = assert_problem(other.status_code, other.headers, other.content, 422)
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert api.get("/jobs").json() == [first.json()["id"]]
    assert redis.Redis(port=redis_server.port, db=QUEUE_DB).llen("hotqueue:jobs") == 1

    assert api.delete(f"/jobs/{first.json()['id']}").status_code == 200
    time.sleep(TTL_SECONDS + 0.5)  # the job expires, and its key with it

    after = submit(api, NINETIES, key)
    assert after.status_code == 202, after.text
    assert after.json()["id"] != first.json()["id"]
    assert api.get("/jobs").json() == [after.json()["id"]]


def test_a_job_with_parameters_computed_on_the_loaded_set_reuses_them_until_a_reload(
        start_service: StartService, redis_server: RedisServer, run_worker: RunWorker) -> None:
    api = start_service(0).client  # kept for ever: the test reads them all at the end
    first = submitted(api)
    run_worker(api, [first])
    again, other = submitted(api), submitted(api, NINETIES)
    log = run_worker(api, [again, other])
    assert api.post("/data").status_code == 201  # the same file, loaded anew
    reloaded = submitted(api)
    run_worker(api, [reloaded])

    jobs = {job_id: api.get(f"/jobs/{job_id}").json()
            for job_id in (first, again, other, reloaded)}
    assert {job_id: job["reused"] for job_id, job in jobs.items()} == {first: False, again: True, other: False,
                                                                      reloaded: False}
    assert f"job {again} ended complete" in log and "with the results computed before" in log
    answers = {job_id: (api.get(f"/results/{job_id}").json(),
                        api.get(f"/results/{job_id}/plot").content) for job_id in jobs}
    assert answers[again] == answers[first] == answers[reloaded]
    results_keys = redis.Redis(port=redis_server.port, db=RESULTS_DB).keys()
    assert len(results_keys) == 2 * 3  # results and plot of: the first set's two ranges, and the reloaded set's one
