"""The in-memory job and result stores the domain's tests use, held to the same contract as the Redis adapters."""
from __future__ import annotations

import pytest

from tests.job_repository_contract import JobStoreContract
from tests.unit.job_fakes import FakeJobRepository, FakeResultRepository


class TestInMemoryJobStore(JobStoreContract):
    @pytest.fixture
    def jobs(self) -> FakeJobRepository:
        return FakeJobRepository()

    @pytest.fixture
    def results(self) -> FakeResultRepository:
        return FakeResultRepository()
