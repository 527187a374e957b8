"""RedisJobRepository and RedisResultRepository on a real Redis: the contract the in-memory fakes also keep."""
from __future__ import annotations

import pytest
import redis

from adapters.hotqueue_job_queue import HotQueueJobQueue
from adapters.redis_job_repository import RedisJobRepository
from adapters.redis_result_repository import RedisResultRepository
from tests.job_repository_contract import JobStoreContract


class TestRedisJobStoreOnRealRedis(JobStoreContract):
    """Jobs, their queue and their results in the integration database, whose keys never collide."""

    @pytest.fixture
    def results(self, real_redis_client: redis.Redis) -> RedisResultRepository:
        return RedisResultRepository(real_redis_client)

    @pytest.fixture
    def jobs(self, real_redis_client: redis.Redis, results: RedisResultRepository) -> RedisJobRepository:
        return RedisJobRepository(real_redis_client, HotQueueJobQueue(real_redis_client), results)
