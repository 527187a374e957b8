"""A gene set stored by the first release, upgraded: the container on fakeredis, the sample set."""
from __future__ import annotations

from adapters.hgnc_source import HgncFileSource
from entrypoints.containers import Container
from genes.gene_lookup import GeneQuery
from tests.conftest import FIXTURES
from tests.first_release import store_as_the_first_release

SAMPLE = FIXTURES / "hgnc_sample.tsv"


def test_a_set_stored_by_the_first_release_is_loaded_again_from_its_own_records(container: Container) -> None:
    """Without it, every lookup but by symbol found nothing after an upgrade (the first release wrote
    no lookup hashes), ?locus_group= included, which that release answered."""
    service, lookup = container.gene_service(), container.gene_lookup()
    assert service.upgrade_stored_set() is None  # nothing loaded
    service.load(HgncFileSource(SAMPLE))
    assert service.upgrade_stored_set() is None  # stored by this version
    records = list(lookup.export_json().value)
    by_group = lookup.find_ids(GeneQuery({"locus_group": "pseudogene"})).value
    assert by_group
    store_as_the_first_release(container.genes_redis())
    assert lookup.find_ids(GeneQuery({"locus_group": "pseudogene"})).value == []

    summary = service.upgrade_stored_set()

    assert summary is not None and summary.count == len(records) and summary.source == str(SAMPLE)
    assert list(lookup.export_json().value) == records
    assert lookup.find_ids(GeneQuery({"locus_group": "pseudogene"})).value == by_group
    assert lookup.info().value is not None and lookup.info().value.last_modified is not None
    assert service.upgrade_stored_set() is None  # once
