"""RedisGeneRepository on fakeredis: the whole contract, in memory."""
from __future__ import annotations

import fakeredis
import pytest
import redis

from tests.gene_repository_contract import RedisGeneRepositoryContract


class TestRedisGeneRepositoryOnFakeredis(RedisGeneRepositoryContract):
    @pytest.fixture
    def redis_client(self) -> redis.Redis:
        return fakeredis.FakeRedis()
