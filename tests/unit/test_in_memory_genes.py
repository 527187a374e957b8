"""The in-memory gene store the domain's tests use, held to the same contract as the Redis adapters."""
from __future__ import annotations

import pytest

from tests.gene_repository_contract import GeneStore, GeneStoreContract
from tests.unit.gene_fakes import InMemoryGenes


class TestInMemoryGenes(GeneStoreContract):
    @pytest.fixture
    def repository(self) -> GeneStore:
        genes = InMemoryGenes()
        return GeneStore(genes, genes)
