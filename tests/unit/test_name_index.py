"""The ranking rule of `?symbol=`: approved symbol, then previous symbols, then aliases; load order within a rank."""
from __future__ import annotations

from genes.gene import Gene
from genes.name_index import NameIndex


def gene(hgnc_id: str, symbol: str, prev: list[str] | None = None, alias: list[str] | None = None) -> Gene:
    record: dict[str, object] = {"hgnc_id": hgnc_id, "symbol": symbol}
    if prev:
        record["prev_symbol"] = prev
    if alias:
        record["alias_symbol"] = alias
    return Gene(hgnc_id, record)


ABCD1 = gene("HGNC:61", "ABCD1", alias=["ALDP", "AMN"])
OLD_AMN = gene("HGNC:99999", "AMNL", prev=["AMN"])
AMN = gene("HGNC:14604", "AMN")
BRCA1 = gene("HGNC:1100", "BRCA1", alias=["RNF53", "BRCC1"])


def index_of(*genes: Gene) -> NameIndex:
    index = NameIndex()
    for each in genes:
        index.add(each)
    return index


def test_a_name_finds_its_gene_in_any_case() -> None:
    index = index_of(BRCA1)
    assert index.ids("brca1") == index.ids("BRCA1") == index.ids("Brca1") == ["HGNC:1100"]
    assert index.ids("rnf53") == ["HGNC:1100"]


def test_a_shared_name_finds_the_approved_symbol_first_then_previous_symbols_then_aliases() -> None:
    index = index_of(ABCD1, OLD_AMN, AMN)  # loaded alias first, approved symbol last
    assert index.ids("amn") == ["HGNC:14604", "HGNC:99999", "HGNC:61"]


def test_within_a_rank_genes_come_in_the_order_they_were_added() -> None:
    index = index_of(gene("HGNC:3", "C", alias=["SHARED"]), gene("HGNC:1", "A", alias=["shared"]))
    assert index.ids("Shared") == ["HGNC:3", "HGNC:1"]


def test_a_gene_bearing_a_name_twice_is_found_once_at_its_best_rank() -> None:
    index = index_of(gene("HGNC:2", "OTHER", alias=["X1"]), gene("HGNC:1", "X1", prev=["x1"], alias=["X1"]))
    assert index.ids("x1") == ["HGNC:1", "HGNC:2"]


def test_a_name_nobody_bears_finds_nothing() -> None:
    assert index_of(BRCA1).ids("NOSUCHGENE") == []
    assert NameIndex().ids("BRCA1") == []


def test_adding_reports_the_names_no_gene_had_before_and_remembers_the_shared_ones() -> None:
    index = NameIndex()
    assert index.add(ABCD1) == ["abcd1", "aldp", "amn"]
    assert index.add(OLD_AMN) == ["amnl"]
    assert index.add(BRCA1) == ["brca1", "rnf53", "brcc1"]
    assert index.shared_names() == {"amn"}
