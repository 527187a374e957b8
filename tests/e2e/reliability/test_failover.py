"""The primary Redis killed under load: Sentinel promotes a replica, every process follows, no acknowledged job is lost."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import pytest
import requests

from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from genes.analysis import analyse
from genes.job import JobParameters, JobStatus
from tests.conftest import StartApi, StartProcess
from tests.e2e.reliability.replicated_redis import ReplicatedRedis
from tests.support import closed_port, eventually

pytestmark = pytest.mark.reliability

FIRST = JobParameters(date(2000, 1, 1), date(2000, 1, 31))
SUBMIT_INTERVAL_SECONDS = 0.1
WRITES_RESUME_WITHIN_SECONDS = 15.0
SAMPLE_TSV = Path(__file__).resolve().parents[2] / "fixtures" / "hgnc_sample.tsv"


@pytest.fixture
def replicated(redis_binary: str, tmp_path: Path) -> Iterator[ReplicatedRedis]:
    group = ReplicatedRedis(redis_binary, tmp_path / "redis")
    yield group
    group.stop()


@pytest.fixture
def store(replicated: ReplicatedRedis, hgnc_data_path: Path) -> Iterator[Container]:
    """The test's own view of the store, found through the sentinels as the service finds it; the set loaded."""
    container = build_container(Settings.from_environment({**replicated.env(), "HGNC_SOURCE": str(hgnc_data_path)}))
    container.gene_service().load()
    yield container
    container.reset_singletons()


@dataclass
class Traffic:
    """Submits and gene reads sent steadily on threads of their own, each answer noted with its time."""

    url: str
    submits: list[tuple[float, float, int, str | None, JobParameters]] = field(default_factory=list)
    reads: list[tuple[float, int]] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Traffic:
        self._threads = [threading.Thread(target=self._submit, daemon=True),
                         threading.Thread(target=self._read, daemon=True)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(30)

    def accepted(self) -> list[tuple[str, JobParameters]]:
        return [(job_id, parameters) for _, _, status, job_id, parameters in self.submits
                if status == 202 and job_id]

    def _submit(self) -> None:
        number = 0
        while not self._stopping.is_set():
            number += 1  # each job its own parameters: each is computed, none reuses another's results
            parameters = JobParameters(FIRST.start_date, FIRST.end_date + timedelta(days=number))
            sent = time.monotonic()
            try:
                answer = requests.post(f"{self.url}/jobs", json={"start_date": parameters.start_date.isoformat(),
                                                                 "end_date": parameters.end_date.isoformat()},
                                       timeout=30)
                status, job_id = answer.status_code, answer.json().get("id") if answer.status_code == 202 else None
            except requests.RequestException:
                status, job_id = 0, None
            self.submits.append((sent, time.monotonic(), status, job_id, parameters))
            time.sleep(SUBMIT_INTERVAL_SECONDS)

    def _read(self) -> None:
        while not self._stopping.is_set():
            try:
                status = requests.get(f"{self.url}/genes/HGNC:5", timeout=30).status_code
            except requests.RequestException:
                status = 0
            self.reads.append((time.monotonic(), status))
            time.sleep(0.02)


def test_a_killed_primary_loses_no_acknowledged_job_and_without_replicas_submits_are_refused(
        replicated: ReplicatedRedis, store: Container, hgnc_data_path: Path, start_api: StartApi,
        start_process: StartProcess, record_property: pytest.RecordProperty) -> None:
    # The address given besides the sentinels refuses connections: only the sentinels lead anywhere.
    env = {**replicated.env(), "JOB_LEASE_SECONDS": "2"}
    api = start_api("127.0.0.1", closed_port(), hgnc_data_path, extra_env=env)
    for _ in range(2):
        start_process(["python", "-m", "entrypoints.worker"], env={**env, "REDIS_PORT": str(closed_port())})
    first = requests.post(f"{api.url}/jobs", json={"start_date": "2000-01-01", "end_date": "2000-01-31"}, timeout=30)
    assert first.status_code == 202
    eventually(lambda: store.job_repository().get(first.json()["id"]).status is JobStatus.COMPLETE, 30,
               "a first job completes")

    traffic = Traffic(api.url).start()
    try:
        time.sleep(2)
        old_primary = replicated.primary()
        old_primary.kill()
        killed = time.monotonic()
        eventually(lambda: replicated.primary_port() not in (None, old_primary.port), 30,
                   "the sentinels promote a replica", interval=0.05)
        promoted_after = time.monotonic() - killed
        eventually(lambda: any(sent > killed and status == 202 for sent, _, status, _, _ in traffic.submits),
                   WRITES_RESUME_WITHIN_SECONDS, "a submit sent after the kill is accepted", interval=0.05)
        time.sleep(3)
    finally:
        traffic.stop()
    resumed_after = min(answered for sent, answered, status, _, _ in traffic.submits
                        if sent > killed and status == 202) - killed
    refused = [status for sent, _, status, _, _ in traffic.submits if sent > killed and status != 202]
    print(f"\nfailover: promotion {promoted_after:.2f} s after the kill, writes back {resumed_after:.2f} s after it; "
          f"{len(traffic.accepted())} submits accepted, {len(refused)} refused meanwhile {sorted(set(refused))}")
    record_property("promoted_after_seconds", round(promoted_after, 2))
    record_property("writes_resumed_after_seconds", round(resumed_after, 2))
    assert resumed_after < WRITES_RESUME_WITHIN_SECONDS
    assert set(refused) <= {503}, "a submit during the failover is refused as unavailable, nothing else"
    # Gene reads answer throughout, from the set each API process holds (reads through an outage).
    failed_reads = [(round(at - killed, 2), status) for at, status in traffic.reads if status != 200]
    print(f"gene reads refused: {len(failed_reads)} of {len(traffic.reads)}")
    assert failed_reads == []

    # Every submit answered 202 completes, with the results the analysis gives on the loaded set.
    jobs, results = store.job_repository(), store.result_repository()
    accepted = traffic.accepted()
    eventually(lambda: all(jobs.get(job_id).status is JobStatus.COMPLETE for job_id, _ in accepted), 60,
               f"all {len(accepted)} accepted jobs complete", interval=0.2)
    summaries = store.gene_repository().summaries()
    for job_id, parameters in accepted:
        assert results.get(jobs.get(job_id).results_id) == analyse(summaries, parameters)
    # The API's watch of the live set follows too (it reconnects as a read needs it): it listens on the new primary.
    new_primary = replicated.primary()

    def watch_tracks_the_new_primary() -> bool:
        assert requests.get(f"{api.url}/genes/HGNC:5", timeout=10).status_code == 200
        return any("t" in client["flags"] for client in new_primary.client.client_list())

    eventually(watch_tracks_the_new_primary, 10, "the API's watch tracks the live set on the new primary",
               interval=0.2)

    # The last replica killed: the primary still serves reads, but confirms no write, and keeps none.
    [last_replica] = replicated.live_replicas()
    last_replica.kill()
    jobs_redis = store.jobs_redis()
    kept_jobs, queued = jobs_redis.zcard("jobs"), store.queue_redis().llen(store.job_queue().key)
    info_before = requests.get(f"{api.url}/info", timeout=10).json()
    for number in range(3):
        answer = requests.post(f"{api.url}/jobs", json={"start_date": "1990-01-01", "end_date": f"1990-02-0{number + 1}"},
                               timeout=30)
        assert answer.status_code == 503
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.headers["Retry-After"]
        assert answer.json()["type"] == "/problems/store-not-replicated"
    load = requests.post(f"{api.url}/data", data=SAMPLE_TSV.read_bytes(), timeout=60)
    assert load.status_code == 503
    assert jobs_redis.zcard("jobs") == kept_jobs
    assert store.queue_redis().llen(store.job_queue().key) == queued
    assert requests.get(f"{api.url}/info", timeout=10).json() == info_before
    assert requests.get(f"{api.url}/genes/HGNC:5", timeout=10).status_code == 200
