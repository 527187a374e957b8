"""HGNC's REST query language, parsed; and the search index over the sample genes."""
from __future__ import annotations

from pathlib import Path

import pytest

from adapters.hgnc_format import parse_genes
from genes.errors import InvalidQuery
from genes.hgnc_query import All, Any_, Not, Term, parse_query
from genes.hgnc_search import SearchIndex

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "hgnc_sample.tsv"


def test_fields_operators_parentheses_phrases_and_wildcards() -> None:
    assert parse_query("BRAF") == Term(None, "braf")
    assert parse_query("BRAF", "symbol") == Term("symbol", "braf")
    assert parse_query("symbol:BRAF AND status:Approved") == All((Term("symbol", "braf"), Term("status", "approved")))
    assert parse_query("symbol:BRAF OR symbol:TP53") == Any_((Term("symbol", "braf"), Term("symbol", "tp53")))
    assert parse_query("BRAF TP53") == Any_((Term(None, "braf"), Term(None, "tp53")))  # Solr's default: OR
    assert parse_query("(A OR B) AND NOT c") == All((Any_((Term(None, "a"), Term(None, "b"))), Not(Term(None, "c"))))
    assert parse_query("symbol:(A OR B)") == Any_((Term("symbol", "a"), Term("symbol", "b")))
    assert parse_query('name:"Tumor  protein p53"') == Term("name", "tumor protein p53")
    assert parse_query("symbol:ZNF*") == Term("symbol", "znf*", wildcard=True)
    assert parse_query("hgnc_id:HGNC:5") == Term("hgnc_id", "hgnc:5")
    assert parse_query("HGNC:5") == Term(None, "hgnc:5")


@pytest.mark.parametrize("text", ["", "  ", "(A", "A)", '"A', "A AND", "NOT", "symbol:", "AND A", '""',
                                  "(" * 40 + "A" + ")" * 40, "NOT " * 40 + "A", "A " * 3000])
def test_malformed_queries_are_refused(text: str) -> None:
    with pytest.raises(InvalidQuery):
        parse_query(text)


def test_wildcards_are_the_only_special_characters() -> None:
    pattern = Term(None, "a.b[c*", wildcard=True).pattern()
    assert pattern.fullmatch("a.b[cxyz") and not pattern.fullmatch("axb[c") and not pattern.fullmatch("a.bc")
    assert Term(None, "c1?orf5*", wildcard=True).prefix() == "c1"


def test_the_index_ranks_an_exact_approved_symbol_first_and_finds_by_word_and_wildcard() -> None:
    index = SearchIndex(gene.record for gene in parse_genes(SAMPLE.read_bytes()))
    found = index.find(parse_query("AMN"))
    assert [doc["hgnc_id"] for doc, _ in found.docs] == ["HGNC:14604", "HGNC:61"]  # approved, then ABCD1's alias
    assert found.docs[0][1] == found.max_score > found.docs[1][1]
    assert {doc["symbol"] for doc, _ in index.find(parse_query("symbol:A2M*")).docs} == {"A2M", "A2ML1", "A2MP1"}
    assert {doc["symbol"] for doc, _ in index.find(parse_query("symbol:A2ML?")).docs} == {"A2ML1"}
    assert [doc["symbol"] for doc, _ in index.find(parse_query("symbol:A1BG* AND NOT symbol:A1BG")).docs] == ["A1BG-AS1"]
    assert [doc["hgnc_id"] for doc, _ in index.find(parse_query("hgnc_id:5")).docs] == ["HGNC:5"]
    assert [doc["symbol"] for doc, _ in index.find(parse_query('name:"alpha-1-B glycoprotein"')).docs] == ["A1BG"]
