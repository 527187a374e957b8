"""Submits and loads wait for a replica (WAIT): one that none confirms is undone, one that one confirms is on it."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

import pytest
import redis

from adapters.hgnc_source import HgncFileSource
from adapters.hotqueue_job_queue import HotQueueJobQueue
from adapters.redis_client import ReplicaAcks
from adapters.redis_gene_keys import CURRENT_KEY
from adapters.redis_gene_repository import RedisGeneRepository
from adapters.redis_job_repository import RedisJobRepository, job_key
from adapters.redis_result_repository import RedisResultRepository
from genes.errors import StoreNotReplicated
from genes.job import Job, JobParameters
from tests.support import RedisServer, eventually

SAMPLE = HgncFileSource(Path(__file__).resolve().parents[1] / "fixtures" / "hgnc_sample.tsv")
A_YEAR = JobParameters(date(2001, 1, 1), date(2001, 12, 31))
NO_REPLICA_IN_TIME = ReplicaAcks(required=1, timeout_ms=100)


def _jobs(client: redis.Redis, replicas: ReplicaAcks) -> RedisJobRepository:
    return RedisJobRepository(client, HotQueueJobQueue(client), RedisResultRepository(client), replicas=replicas)


def _everything(client: redis.Redis) -> dict[bytes, bytes]:
    return {key: client.dump(key) or b"" for key in client.scan_iter()}


def test_a_submit_no_replica_confirms_is_refused_and_leaves_no_job_no_queued_id_no_key(
        real_redis_client: redis.Redis) -> None:
    with pytest.raises(StoreNotReplicated, match="^the job could not be copied to a replica"):
        _jobs(real_redis_client, NO_REPLICA_IN_TIME).submit(Job.submit(A_YEAR, idempotency_key="retry-me"))
    assert list(real_redis_client.scan_iter()) == []


def test_a_load_no_replica_confirms_is_refused_and_the_set_loaded_before_stays_live(
        real_redis_client: redis.Redis) -> None:
    RedisGeneRepository(real_redis_client).replace_all(SAMPLE.read(), "first")
    before = _everything(real_redis_client)
    with pytest.raises(StoreNotReplicated, match="^the gene set could not be copied"):
        RedisGeneRepository(real_redis_client, replicas=NO_REPLICA_IN_TIME).replace_all(SAMPLE.read(), "second")
    assert _everything(real_redis_client) == before


class ConfirmsTheSetNotTheSwitch(ReplicaAcks):
    """Replicas that took the whole new set, then fell away before the switch to it."""

    def __init__(self) -> None:
        super().__init__(required=1, timeout_ms=100)
        object.__setattr__(self, "answers", iter([True, False]))

    def confirmed(self, replies: list[object]) -> bool:
        return next(self.answers)  # type: ignore[attr-defined, no-any-return]


def test_a_switch_no_replica_confirms_puts_the_set_before_back_and_drops_the_new_one(
        real_redis_client: redis.Redis) -> None:
    RedisGeneRepository(real_redis_client).replace_all(SAMPLE.read(), "first")
    before = _everything(real_redis_client)
    with pytest.raises(StoreNotReplicated):
        RedisGeneRepository(real_redis_client, replicas=ConfirmsTheSetNotTheSwitch()).replace_all(SAMPLE.read(), "second")
    assert _everything(real_redis_client) == before


@pytest.fixture
def primary_and_replica(redis_binary: str, tmp_path: Path) -> Iterator[tuple[RedisServer, RedisServer]]:
    # No wait before the first copy to the replica (Redis 7 waits 5 s for others to join it).
    primary = RedisServer(redis_binary, tmp_path / "primary", extra_args=["--repl-diskless-sync-delay", "0"]).start()
    replica = RedisServer(redis_binary, tmp_path / "replica",
                          extra_args=["--replicaof", primary.host, str(primary.port)]).start()
    try:
        # Synced, not just connected: a replica acknowledges writes (WAIT) only once its first copy is done.
        with replica.client() as copy:
            eventually(lambda: copy.info("replication")["master_link_status"] == "up", 30, "the replica in sync")
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()


def test_an_acknowledged_submit_and_load_are_on_the_replica_when_they_return(
        primary_and_replica: tuple[RedisServer, RedisServer]) -> None:
    primary, replica = primary_and_replica
    acks = ReplicaAcks(required=1, timeout_ms=5000)
    with primary.client() as client, replica.client() as copy:
        job = _jobs(client, acks).submit(Job.submit(A_YEAR))
        RedisGeneRepository(client, replicas=acks).replace_all(SAMPLE.read(), "sample")
        # WAIT counted the replica once it had applied them: nothing to wait for here.
        assert copy.hget(job_key(job.id), "status") == b"submitted"
        assert copy.get(CURRENT_KEY) == client.get(CURRENT_KEY) is not None
