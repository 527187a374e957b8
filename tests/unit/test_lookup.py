"""What a field's value is found by (any case, versions, cytobands), and the index built from a set."""
from __future__ import annotations

import random

import pytest

from genes.gene import Gene
from genes.lookup import LookupIndex, query_term, terms_of


def gene(hgnc_id: str, **fields: object) -> Gene:
    return Gene(hgnc_id, {"hgnc_id": hgnc_id, "symbol": hgnc_id.replace(":", ""), **fields})


@pytest.mark.parametrize(("field", "value", "terms"), [
    ("entrez_id", "672", ("672",)),
    ("uniprot_ids", "P38398", ("P38398",)),
    ("alias_symbol", "trnA", ("TRNA",)),
    ("mane_select", "NM_007294.4", ("NM_007294.4", "NM_007294")),
    ("ucsc_id", "uc002ict.4", ("UC002ICT.4", "UC002ICT")),
    ("ena", "AC021818.9", ("AC021818.9", "AC021818")),
    ("alias_symbol", "bA234K24.2", ("BA234K24.2",)),  # a symbol is not an accession: no version to drop
    ("locus_type", "RNA, transfer", ("RNA, TRANSFER",)),
])
def test_a_value_is_found_by_itself_in_any_case_and_an_accession_also_without_its_version(
        field: str, value: str, terms: tuple[str, ...]) -> None:
    assert terms_of(field, value) == terms


@pytest.mark.parametrize(("location", "terms"), [
    ("17q21.31", {"17Q21.31", "17Q21.3", "17Q21", "17Q2", "17Q", "17"}),
    ("17q24.2-q24.3", {"17Q24.2-Q24.3", "17Q24.3", "17Q24.2", "17Q24", "17Q2", "17Q", "17"}),
    ("Xp22.33 and Yp11.32", {"XP22.33 AND YP11.32", "X", "XP", "XP2", "XP22", "XP22.3", "XP22.33",
                             "Y", "YP", "YP1", "YP11", "YP11.3", "YP11.32"}),
    ("13cen, GRCh38 novel patch", {"13CEN, GRCH38 NOVEL PATCH", "13", "13CEN"}),
    ("17q12b", {"17Q12B", "17Q12", "17Q1", "17Q", "17"}),
    ("22 unplaced", {"22 UNPLACED", "22"}),
    ("mitochondria", {"MITOCHONDRIA"}),
])
def test_a_location_is_found_by_each_band_that_contains_it(location: str, terms: set[str]) -> None:
    assert set(terms_of("location", location)) == terms
    assert "17Q22" not in terms_of("location", location)


def test_a_query_is_looked_up_in_the_form_its_index_keeps() -> None:
    assert query_term("location", "17q21") == "17Q21"
    assert query_term("symbol", "BRCA1") == "brca1"  # the names index is lower case


def test_the_index_finds_genes_in_the_order_added_each_once() -> None:
    index = LookupIndex()
    index.add([gene("HGNC:3", mgd_id=["MGI:1", "MGI:2"], location="17q21.31", mane_select=["NM_1.2"]),
               gene("HGNC:1", mgd_id=["MGI:1"], location="17q22", entrez_id="10")])
    index.add([gene("HGNC:2", mgd_id=["mgi:1"], location="17q21.2-q21.31", refseq_accession=["NM_1"])])
    entries = index.entries()
    assert entries["mgd_id"] == {"MGI:1": "HGNC:3,HGNC:1,HGNC:2", "MGI:2": "HGNC:3"}
    assert entries["location"]["17Q21"] == "HGNC:3,HGNC:2"  # HGNC:2's range is found once
    assert entries["location"]["17"] == "HGNC:3,HGNC:1,HGNC:2"
    assert entries["mane_select"] == {"NM_1.2": "HGNC:3", "NM_1": "HGNC:3"}
    assert entries["refseq_accession"] == {"NM_1": "HGNC:2"}
    assert entries["entrez_id"] == {"10": "HGNC:1"}


def test_a_batch_gives_its_accessions_flat_and_the_final_entries_only_what_changed() -> None:
    index = LookupIndex()
    first = index.add([gene("HGNC:3", entrez_id="7", omim_id=["1"])])
    assert first == {"entrez_id": ["7", "HGNC:3"], "omim_id": ["1", "HGNC:3"]}
    index.add([gene("HGNC:4", omim_id=["1", "2"])])
    assert index.final_entries() == {"omim_id": {"1": "HGNC:3,HGNC:4"}, "location": {}, "locus_type": {},
                                     "locus_group": {}}


def test_a_number_from_a_json_source_is_found_as_its_text() -> None:
    index = LookupIndex()
    index.add([gene("HGNC:5", entrez_id=1)])
    assert index.entries()["entrez_id"] == {"1": "HGNC:5"}


@pytest.mark.parametrize("seed", range(5))
def test_batch_by_batch_the_index_holds_what_one_pass_over_every_gene_finds(seed: int) -> None:
    """Accessions shared across batches, within one, and by one gene twice (in other case): each
    term's genes in the order added, each once, whatever the batches."""
    chooser = random.Random(seed)
    genes = [gene(f"HGNC:{n}", omim_id=chooser.sample(["1", "2", "3", "4", "5", "6", "7", "8"], chooser.randint(0, 3)),
                  mgd_id=[chooser.choice(["MGI:1", "mgi:1", "MGI:2"]) for _ in range(chooser.randint(0, 2))],
                  entrez_id=str(n)) for n in range(1, 41)]
    expected: dict[str, dict[str, list[str]]] = {}
    for each in genes:
        for field in ("omim_id", "mgd_id"):
            for value in each.record[field]:  # type: ignore[union-attr]
                expected.setdefault(field, {}).setdefault(value.upper(), [])
                if each.hgnc_id not in expected[field][value.upper()]:
                    expected[field][value.upper()].append(each.hgnc_id)
    index, start = LookupIndex(), 0
    while start < len(genes):
        size = chooser.randint(1, 9)
        index.add(genes[start:start + size])
        start += size
    entries = index.entries()
    for field in ("omim_id", "mgd_id"):
        assert entries.get(field, {}) == {term: ",".join(ids) for term, ids in expected.get(field, {}).items()}
    assert entries["entrez_id"] == {str(n): f"HGNC:{n}" for n in range(1, 41)}
