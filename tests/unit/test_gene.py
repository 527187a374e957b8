"""The gene model: ids, the chromosome of a location, the names a gene is found by, its summary."""
from __future__ import annotations

import pytest

from genes.gene import Gene, GeneSummary, chromosome_of, is_hgnc_id


@pytest.mark.parametrize(
    ("location", "chromosome"),
    [
        ("19q13.43", "19"),
        ("1p36.33", "1"),
        ("10q", "10"),
        ("22 unplaced", "22"),
        ("13cen, GRCh38 novel patch", "13"),
        ("Xp22.33 and Yp11.32", "X"),
        ("Xp11.23 not on reference assembly", "X"),
        ("Yq11.223", "Y"),
        ("2p25.3-p25.2", "2"),
        ("mitochondria", "MT"),
        ("reserved", "unknown"),
        ("unplaced", "unknown"),
        ("not on reference assembly", "unknown"),
        ("23q11", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_the_chromosome_is_read_from_the_start_of_a_location(location: str | None, chromosome: str) -> None:
    assert chromosome_of(location) == chromosome


@pytest.mark.parametrize("text", ["HGNC:5", "HGNC:1100", "HGNC:123456789"])
def test_an_hgnc_id_is_hgnc_colon_and_a_number(text: str) -> None:
    assert is_hgnc_id(text)


@pytest.mark.parametrize("text", ["BRCA1", "HGNC:", "HGNC:0", "HGNC:05", "hgnc:5", "HGNC:5 ", " HGNC:5",
                                  "HGNC:-5", "HGNC:1234567890", "HGNC:5\n", "HGNC:٥"])
def test_anything_else_is_not_an_hgnc_id(text: str) -> None:
    assert not is_hgnc_id(text)


def test_a_gene_is_found_by_its_symbol_first_then_previous_symbols_then_aliases() -> None:
    brca1 = Gene("HGNC:1100", {"hgnc_id": "HGNC:1100", "symbol": "BRCA1", "prev_symbol": ["RNF53-OLD"],
                               "alias_symbol": ["RNF53", "BRCC1"]})
    assert brca1.symbol == "BRCA1"
    assert brca1.names() == [(0, "BRCA1"), (1, "RNF53-OLD"), (2, "RNF53"), (2, "BRCC1")]


def test_a_summary_holds_what_the_analysis_reads() -> None:
    mt_ta = Gene("HGNC:7475", {"hgnc_id": "HGNC:7475", "symbol": "MT-TA", "locus_group": "non-coding RNA",
                               "locus_type": "RNA, transfer", "location": "mitochondria",
                               "date_approved_reserved": "1989-10-12"})
    assert mt_ta.summary() == GeneSummary("HGNC:7475", "1989-10-12", "non-coding RNA", "RNA, transfer", "MT")


def test_a_sparse_record_summarises_with_defaults() -> None:
    sparse = Gene("HGNC:58067", {"hgnc_id": "HGNC:58067", "symbol": "ACER3-AS1"})
    assert sparse.summary() == GeneSummary("HGNC:58067", None, "other", "unknown", "unknown")
