"""GeneService (load, clear) and GeneLookup (get, find, export) over the in-memory gene store."""
from __future__ import annotations

import json
from datetime import date
from typing import Iterator

import pytest

from genes.errors import GeneNotFound, GeneSourceUnavailable, InvalidGeneId, InvalidGeneSource
from genes.gene import Gene
from genes.gene_lookup import GeneLookup, GeneQuery
from genes.gene_service import GeneService
from tests.unit.gene_fakes import FakeGeneSource, InMemoryGenes


def gene(hgnc_id: str, symbol: str, locus_group: str = "protein-coding gene", **lists: list[str]) -> Gene:
    return Gene(hgnc_id, {"hgnc_id": hgnc_id, "symbol": symbol, "locus_group": locus_group, **lists})


AMN = gene("HGNC:14604", "AMN")
ABCD1 = gene("HGNC:61", "ABCD1", alias_symbol=["ALDP", "AMN"])
BRCA1 = gene("HGNC:1100", "BRCA1", alias_symbol=["RNF53", "BRCC1", "PPP1R53", "FANCS"])
A2MP1 = gene("HGNC:8", "A2MP1", "pseudogene", prev_symbol=["A2MP"])
MT_TA = gene("HGNC:7475", "MT-TA", "non-coding RNA", prev_symbol=["MTTA"], alias_symbol=["trnA"])
OLD_AMN = gene("HGNC:99999", "AMNL", "pseudogene", prev_symbol=["AMN"])
GENES = [ABCD1, BRCA1, A2MP1, MT_TA, OLD_AMN, AMN]
RELEASE = date(2024, 10, 18)


@pytest.fixture
def repository() -> InMemoryGenes:
    return InMemoryGenes()


@pytest.fixture
def service(repository: InMemoryGenes) -> GeneService:
    service = GeneService(repository, FakeGeneSource(GENES, "hgnc_complete_set_2024-10-18.txt"))
    service.load()
    return service


@pytest.fixture
def lookup(service: GeneService, repository: InMemoryGenes) -> GeneLookup:
    return GeneLookup(repository)


def ids_found(lookup: GeneLookup, query: GeneQuery = GeneQuery()) -> list[str]:
    return lookup.find_ids(query).value


def record_of(lookup: GeneLookup, hgnc_id: str) -> dict[str, object]:
    return json.loads(lookup.get_json(hgnc_id).value)


def test_loading_without_a_source_reads_the_default_source_and_sums_it_up(repository: InMemoryGenes) -> None:
    summary = GeneService(repository, FakeGeneSource(GENES, "hgnc_complete_set_2024-10-18.txt.gz")).load()
    assert (summary.count, summary.source, summary.release) == (6, "hgnc_complete_set_2024-10-18.txt.gz", RELEASE)
    assert summary.seconds >= 0
    assert repository.ids().value == ["HGNC:61", "HGNC:1100", "HGNC:8", "HGNC:7475", "HGNC:99999", "HGNC:14604"]


def test_loading_a_given_source_replaces_the_whole_set(service: GeneService, lookup: GeneLookup) -> None:
    summary = service.load(FakeGeneSource([BRCA1], "request body"), RELEASE)
    assert (summary.count, summary.source, summary.release) == (1, "request body", RELEASE)
    assert ids_found(lookup) == ["HGNC:1100"]


def test_a_source_without_genes_is_refused_and_the_loaded_set_stays(service: GeneService, lookup: GeneLookup) -> None:
    with pytest.raises(InvalidGeneSource):
        service.load(FakeGeneSource([], "empty upload"))
    assert len(ids_found(lookup, )) == 6


def test_a_source_that_breaks_down_midway_leaves_the_loaded_set_untouched(service: GeneService, lookup: GeneLookup) -> None:
    with pytest.raises(InvalidGeneSource):
        service.load(FakeGeneSource([BRCA1, AMN, MT_TA], fail_after=2))
    assert len(ids_found(lookup, )) == 6
    assert record_of(lookup, "HGNC:8") == A2MP1.record


def test_an_unreachable_source_is_reported_as_such(service: GeneService, lookup: GeneLookup) -> None:
    class Unreachable(FakeGeneSource):
        def read(self) -> Iterator[Gene]:
            raise GeneSourceUnavailable("cannot download https://example.invalid/hgnc.json")

    with pytest.raises(GeneSourceUnavailable):
        service.load(Unreachable([]))
    assert len(ids_found(lookup, )) == 6


def test_getting_brca1_by_id_gives_its_whole_record(lookup: GeneLookup) -> None:
    assert record_of(lookup, "HGNC:1100")["alias_symbol"] == ["RNF53", "BRCC1", "PPP1R53", "FANCS"]


@pytest.mark.parametrize("text", ["BRCA1", "HGNC:", "HGNC:0", "hgnc:1100", "1100", "HGNC:1100/extra"])
def test_a_text_that_is_not_an_hgnc_id_is_refused_before_any_lookup(lookup: GeneLookup, text: str) -> None:
    with pytest.raises(InvalidGeneId):
        lookup.get_json(text)


def test_an_id_nobody_has_is_not_found(lookup: GeneLookup) -> None:
    with pytest.raises(GeneNotFound, match="HGNC:424242"):
        lookup.get_json("HGNC:424242")


def test_a_plain_listing_gives_every_id_in_load_order_and_pages(lookup: GeneLookup) -> None:
    every = ["HGNC:61", "HGNC:1100", "HGNC:8", "HGNC:7475", "HGNC:99999", "HGNC:14604"]
    assert ids_found(lookup) == every
    assert ids_found(lookup, GeneQuery(offset=2, limit=3)) == every[2:5]
    assert ids_found(lookup, GeneQuery(offset=5, limit=10)) == every[5:]
    assert ids_found(lookup, GeneQuery(offset=6)) == []


@pytest.mark.parametrize("symbol", ["brca1", "BRCA1", "Brca1"])
def test_a_symbol_is_found_in_any_case(lookup: GeneLookup, symbol: str) -> None:
    assert ids_found(lookup, GeneQuery({"symbol": symbol})) == ["HGNC:1100"]


def test_a_previous_symbol_and_an_alias_find_their_gene(lookup: GeneLookup) -> None:
    assert ids_found(lookup, GeneQuery({"symbol": "mtta"})) == ["HGNC:7475"]
    assert ids_found(lookup, GeneQuery({"symbol": "TRNA"})) == ["HGNC:7475"]
    assert ids_found(lookup, GeneQuery({"symbol": "fancs"})) == ["HGNC:1100"]


def test_a_shared_name_finds_its_genes_in_the_catalogs_ranking(lookup: GeneLookup) -> None:
    assert ids_found(lookup, GeneQuery({"symbol": "amn"})) == ["HGNC:14604", "HGNC:99999", "HGNC:61"]


def test_a_name_nobody_bears_finds_nothing(lookup: GeneLookup) -> None:
    assert ids_found(lookup, GeneQuery({"symbol": "NOSUCHGENE"})) == []


def test_a_locus_group_filters_in_load_order_and_pages(lookup: GeneLookup) -> None:
    assert ids_found(lookup, GeneQuery({"locus_group": "protein-coding gene"})) == ["HGNC:61", "HGNC:1100", "HGNC:14604"]
    assert ids_found(lookup, GeneQuery({"locus_group": "protein-coding gene"}, offset=1, limit=1)) == ["HGNC:1100"]
    assert ids_found(lookup, GeneQuery({"locus_group": "other"})) == []


def test_a_symbol_and_a_locus_group_combine_with_and(lookup: GeneLookup) -> None:
    assert ids_found(lookup, GeneQuery({"symbol": "amn", "locus_group": "pseudogene"})) == ["HGNC:99999"]
    assert ids_found(lookup, GeneQuery({"symbol": "amn"}, offset=1, limit=1)) == ["HGNC:99999"]
    assert ids_found(lookup, GeneQuery({"symbol": "brca1", "locus_group": "pseudogene"})) == []


def test_the_export_gives_every_record_as_json_text(lookup: GeneLookup) -> None:
    assert [json.loads(text) for text in lookup.export_json().value] == [dict(g.record) for g in GENES]


def test_clearing_forgets_the_set_once(service: GeneService, lookup: GeneLookup) -> None:
    assert service.clear() is True
    assert ids_found(lookup) == []
    with pytest.raises(GeneNotFound):
        lookup.get_json("HGNC:1100")
    assert service.clear() is False
