"""GeneService use cases over an in-memory repository: load, get, find, export, clear."""
from __future__ import annotations

import json
from typing import Iterable, Iterator

import pytest

from genes.errors import GeneNotFound, GeneSourceUnavailable, InvalidGeneId, InvalidGeneSource
from genes.gene import Gene, GeneSummary
from genes.gene_service import GeneQuery, GeneService


class FakeGeneRepository:
    """The GeneRepository port as a dict, in load order."""

    def __init__(self) -> None:
        self._genes: dict[str, Gene] = {}

    def replace_all(self, genes: Iterable[Gene], source: str) -> int:
        loaded = {gene.hgnc_id: gene for gene in genes}  # a failing source raises before the swap
        if loaded:
            self._genes = loaded
        return len(loaded)

    def clear(self) -> bool:
        had, self._genes = bool(self._genes), {}
        return had

    def is_loaded(self) -> bool:
        return bool(self._genes)

    def get(self, hgnc_id: str) -> Gene | None:
        return self._genes.get(hgnc_id)

    def ids(self, offset: int = 0, limit: int | None = None) -> list[str]:
        return list(self._genes)[offset:None if limit is None else offset + limit]

    def ids_named(self, name: str) -> list[str]:
        hits = sorted((rank, order, gene.hgnc_id) for order, gene in enumerate(self._genes.values())
                      for rank, known in gene.names() if known.lower() == name.lower())
        return list(dict.fromkeys(hgnc_id for _, _, hgnc_id in hits))

    def summaries(self) -> list[GeneSummary]:
        return [gene.summary() for gene in self._genes.values()]

    def export_json(self) -> Iterator[str]:
        return (json.dumps(dict(gene.record)) for gene in self._genes.values())


class FakeGeneSource:
    """A source of given genes; `fail_after` makes it break down midway."""

    def __init__(self, genes: list[Gene], name: str = "fake source", fail_after: int | None = None) -> None:
        self._genes, self._name, self._fail_after = genes, name, fail_after

    def describe(self) -> str:
        return self._name

    def read(self) -> Iterator[Gene]:
        for number, gene in enumerate(self._genes):
            if number == self._fail_after:
                raise InvalidGeneSource(f"record {number + 1} is not an object")
            yield gene


def gene(hgnc_id: str, symbol: str, locus_group: str = "protein-coding gene", **lists: list[str]) -> Gene:
    return Gene(hgnc_id, {"hgnc_id": hgnc_id, "symbol": symbol, "locus_group": locus_group, **lists})


AMN = gene("HGNC:14604", "AMN")
ABCD1 = gene("HGNC:61", "ABCD1", alias_symbol=["ALDP", "AMN"])
BRCA1 = gene("HGNC:1100", "BRCA1", alias_symbol=["RNF53", "BRCC1", "PPP1R53", "FANCS"])
A2MP1 = gene("HGNC:8", "A2MP1", "pseudogene", prev_symbol=["A2MP"])
MT_TA = gene("HGNC:7475", "MT-TA", "non-coding RNA", prev_symbol=["MTTA"], alias_symbol=["trnA"])
OLD_AMN = gene("HGNC:99999", "AMNL", "pseudogene", prev_symbol=["AMN"])
GENES = [ABCD1, BRCA1, A2MP1, MT_TA, OLD_AMN, AMN]


@pytest.fixture
def repository() -> FakeGeneRepository:
    return FakeGeneRepository()


@pytest.fixture
def service(repository: FakeGeneRepository) -> GeneService:
    service = GeneService(repository, FakeGeneSource(GENES, "the default source"))
    service.load()
    return service


def test_loading_without_a_source_reads_the_default_source_and_sums_it_up(repository: FakeGeneRepository) -> None:
    summary = GeneService(repository, FakeGeneSource(GENES, "hgnc_complete_set.txt.gz")).load()
    assert (summary.count, summary.source) == (6, "hgnc_complete_set.txt.gz")
    assert summary.seconds >= 0
    assert repository.ids() == ["HGNC:61", "HGNC:1100", "HGNC:8", "HGNC:7475", "HGNC:99999", "HGNC:14604"]


def test_loading_a_given_source_replaces_the_whole_set(service: GeneService) -> None:
    summary = service.load(FakeGeneSource([BRCA1], "request body"))
    assert (summary.count, summary.source) == (1, "request body")
    assert service.find_ids() == ["HGNC:1100"]


def test_a_source_without_genes_is_refused_and_the_loaded_set_stays(service: GeneService) -> None:
    with pytest.raises(InvalidGeneSource):
        service.load(FakeGeneSource([], "empty upload"))
    assert len(service.find_ids()) == 6


def test_a_source_that_breaks_down_midway_leaves_the_loaded_set_untouched(service: GeneService) -> None:
    with pytest.raises(InvalidGeneSource):
        service.load(FakeGeneSource([BRCA1, AMN, MT_TA], fail_after=2))
    assert len(service.find_ids()) == 6
    assert service.get("HGNC:8") == A2MP1


def test_an_unreachable_source_is_reported_as_such(service: GeneService) -> None:
    class Unreachable(FakeGeneSource):
        def read(self) -> Iterator[Gene]:
            raise GeneSourceUnavailable("cannot download https://example.invalid/hgnc.json")

    with pytest.raises(GeneSourceUnavailable):
        service.load(Unreachable([]))
    assert len(service.find_ids()) == 6


def test_getting_brca1_by_id_gives_its_whole_record(service: GeneService) -> None:
    assert service.get("HGNC:1100").record["alias_symbol"] == ["RNF53", "BRCC1", "PPP1R53", "FANCS"]


@pytest.mark.parametrize("text", ["BRCA1", "HGNC:", "HGNC:0", "hgnc:1100", "1100", "HGNC:1100/extra"])
def test_a_text_that_is_not_an_hgnc_id_is_refused_before_any_lookup(service: GeneService, text: str) -> None:
    with pytest.raises(InvalidGeneId):
        service.get(text)


def test_an_id_nobody_has_is_not_found(service: GeneService) -> None:
    with pytest.raises(GeneNotFound, match="HGNC:424242"):
        service.get("HGNC:424242")


def test_a_plain_listing_gives_every_id_in_load_order_and_pages(service: GeneService) -> None:
    every = ["HGNC:61", "HGNC:1100", "HGNC:8", "HGNC:7475", "HGNC:99999", "HGNC:14604"]
    assert service.find_ids() == every
    assert service.find_ids(GeneQuery(offset=2, limit=3)) == every[2:5]
    assert service.find_ids(GeneQuery(offset=5, limit=10)) == every[5:]
    assert service.find_ids(GeneQuery(offset=6)) == []


@pytest.mark.parametrize("symbol", ["brca1", "BRCA1", "Brca1"])
def test_a_symbol_is_found_in_any_case(service: GeneService, symbol: str) -> None:
    assert service.find_ids(GeneQuery(symbol=symbol)) == ["HGNC:1100"]


def test_a_previous_symbol_and_an_alias_find_their_gene(service: GeneService) -> None:
    assert service.find_ids(GeneQuery(symbol="mtta")) == ["HGNC:7475"]
    assert service.find_ids(GeneQuery(symbol="TRNA")) == ["HGNC:7475"]
    assert service.find_ids(GeneQuery(symbol="fancs")) == ["HGNC:1100"]


def test_a_shared_name_ranks_the_approved_symbol_then_previous_symbols_then_aliases(service: GeneService) -> None:
    assert service.find_ids(GeneQuery(symbol="amn")) == ["HGNC:14604", "HGNC:99999", "HGNC:61"]


def test_a_name_nobody_bears_finds_nothing(service: GeneService) -> None:
    assert service.find_ids(GeneQuery(symbol="NOSUCHGENE")) == []


def test_a_locus_group_filters_in_load_order_and_pages(service: GeneService) -> None:
    assert service.find_ids(GeneQuery(locus_group="protein-coding gene")) == ["HGNC:61", "HGNC:1100", "HGNC:14604"]
    assert service.find_ids(GeneQuery(locus_group="protein-coding gene", offset=1, limit=1)) == ["HGNC:1100"]
    assert service.find_ids(GeneQuery(locus_group="other")) == []


def test_a_symbol_and_a_locus_group_combine_with_and(service: GeneService) -> None:
    assert service.find_ids(GeneQuery(symbol="amn", locus_group="pseudogene")) == ["HGNC:99999"]
    assert service.find_ids(GeneQuery(symbol="amn", offset=1, limit=1)) == ["HGNC:99999"]
    assert service.find_ids(GeneQuery(symbol="brca1", locus_group="pseudogene")) == []


def test_the_export_gives_every_record_as_json_text(service: GeneService) -> None:
    assert [json.loads(text) for text in service.export_json()] == [dict(g.record) for g in GENES]


def test_clearing_forgets_the_set_once(service: GeneService) -> None:
    assert service.clear() is True
    assert service.find_ids() == []
    with pytest.raises(GeneNotFound):
        service.get("HGNC:1100")
    assert service.clear() is False
