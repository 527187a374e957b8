"""The HGNC reader: JSON and TSV, plain or gzip, give identical records; malformed data is refused."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from adapters import hgnc_format
from adapters.hgnc_format import parse_genes
from genes.errors import GeneSourceTooLarge, InvalidGeneSource
from tests.hgnc_reference import expected_records, read_tsv_rows

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE_TSV = FIXTURES / "hgnc_sample.tsv"
SAMPLE_JSON = FIXTURES / "hgnc_sample.json"
SAMPLE_IDS = [
    "HGNC:5", "HGNC:37133", "HGNC:7", "HGNC:23336", "HGNC:8", "HGNC:22", "HGNC:57", "HGNC:61",
    "HGNC:58067", "HGNC:15766", "HGNC:14604", "HGNC:7475", "HGNC:1100",
]


def read(content: bytes) -> dict[str, dict[str, Any]]:
    """The records of a source by id, in source order."""
    return {gene.hgnc_id: dict(gene.record) for gene in parse_genes(content)}


@pytest.fixture(scope="module")
def sample_forms() -> dict[str, bytes]:
    tsv, json_text = SAMPLE_TSV.read_bytes(), SAMPLE_JSON.read_bytes()
    return {"tsv": tsv, "tsv.gz": gzip.compress(tsv), "json": json_text, "json.gz": gzip.compress(json_text)}


@pytest.mark.parametrize("form", ["tsv", "tsv.gz", "json", "json.gz"])
def test_every_form_of_the_sample_gives_the_thirteen_records_in_file_order(form: str, sample_forms: dict[str, bytes]) -> None:
    assert list(read(sample_forms[form])) == SAMPLE_IDS


@pytest.mark.parametrize("form", ["tsv.gz", "json", "json.gz"])
def test_json_and_tsv_plain_or_gzipped_give_identical_records(form: str, sample_forms: dict[str, bytes]) -> None:
    assert read(sample_forms[form]) == read(sample_forms["tsv"])


def test_the_tsv_reads_as_an_independent_csv_reading_expects_field_order_included() -> None:
    records = read(SAMPLE_TSV.read_bytes())
    expected = expected_records(SAMPLE_TSV)
    assert records == expected
    assert [list(r) for r in records.values()] == [list(r) for r in expected.values()]


def test_a1bg_has_list_fields_as_arrays_integers_as_numbers_and_no_empty_fields(sample_forms: dict[str, bytes]) -> None:
    a1bg = read(sample_forms["tsv"])["HGNC:5"]
    assert a1bg["symbol"] == "A1BG"
    assert a1bg["gene_group"] == ["Immunoglobulin like domain containing"]
    assert a1bg["gene_group_id"] == [594]
    assert a1bg["pubmed_id"] == [2591067]
    assert a1bg["mane_select"] == ["ENST00000263100.8", "NM_130786.4"]
    assert a1bg["entrez_id"] == "1"  # an id, not a number: the official JSON gives it as text
    assert "date_symbol_changed" not in a1bg and "alias_symbol" not in a1bg
    assert "" not in a1bg.values() and [] not in a1bg.values()


def test_previous_symbols_and_names_split_at_every_bar() -> None:
    a1bg_as1 = read(SAMPLE_TSV.read_bytes())["HGNC:37133"]
    assert a1bg_as1["prev_symbol"] == ["NCRNA00181", "A1BGAS", "A1BG-AS"]
    assert a1bg_as1["prev_name"] == [
        "non-protein coding RNA 181",
        "A1BG antisense RNA (non-protein coding)",
        "A1BG antisense RNA 1 (non-protein coding)",
    ]
    assert a1bg_as1["alias_symbol"] == ["FLJ23569"]


def test_each_lsdb_value_stays_a_name_and_url_pair(sample_forms: dict[str, bytes]) -> None:
    for form in ("tsv", "json"):
        records = read(sample_forms[form])
        assert records["HGNC:7"]["lsdb"] == ["LRG_591|http://ftp.ebi.ac.uk/pub/databases/lrgex/LRG_591.xml"]
        assert records["HGNC:57"]["lsdb"] == [
            "Mutations of the Multidrug Resistance-associated Protein 6 (ABCC6/ MPR6/ MOAT-E)"
            "|http://www.retina-international.org/files/sci-news/abcc6mut.htm",
            "LOVD at NCBI|http://www.ncbi.nlm.nih.gov/lovd/home.php?select_db=ABCC6",
            "LRG_1115|http://ftp.ebi.ac.uk/pub/databases/lrgex/LRG_1115.xml",
        ]


def test_single_integer_fields_are_numbers() -> None:
    records = read(SAMPLE_TSV.read_bytes())
    assert records["HGNC:7475"]["mamit-trnadb"] == 7
    assert records["HGNC:15766"]["homeodb"] == 8666
    assert records["HGNC:23336"]["orphanet"] == 410627


def test_a_gene_without_an_approval_date_simply_has_no_such_field() -> None:
    acer3_as1 = read(SAMPLE_TSV.read_bytes())["HGNC:58067"]
    assert acer3_as1["symbol"] == "ACER3-AS1"
    assert "date_approved_reserved" not in acer3_as1


def test_the_solr_bookkeeping_of_the_json_download_is_not_part_of_a_record() -> None:
    for record in read(SAMPLE_JSON.read_bytes()).values():
        assert "_version_" not in record and "uuid" not in record


def test_a_bare_json_list_of_records_is_read_too() -> None:
    docs = json.loads(SAMPLE_JSON.read_bytes())["response"]["docs"]
    assert read(json.dumps(docs).encode()) == read(SAMPLE_TSV.read_bytes())


def test_a_tsv_with_windows_line_endings_reads_the_same() -> None:
    crlf = SAMPLE_TSV.read_bytes().replace(b"\n", b"\r\n")
    assert read(crlf) == read(SAMPLE_TSV.read_bytes())


# -- malformed sources -------------------------------------------------------------------------


def _tsv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def _json_docs(*docs: dict[str, Any]) -> bytes:
    return json.dumps({"response": {"docs": list(docs)}}).encode()


def _truncated_gzip() -> bytes:
    whole = gzip.compress(SAMPLE_TSV.read_bytes())
    return whole[: len(whole) // 2]


MALFORMED = {
    "garbage bytes": b"\x00\x9f\x92\x96\xff\xfe binary junk \x80\x81",
    "plain prose": b"Dear HGNC, please find attached the gene list.\n",
    "an empty tsv header": b"\n\n",
    "a truncated gzip": _truncated_gzip(),
    "a corrupt gzip": b"\x1f\x8b\x08\x00" + b"not deflate data at all" * 4,
    "malformed json": b'{"response": {"docs": [{"hgnc_id": "HGNC:5",',
    "a json object without docs": b'{"response": {"numFound": 0}}',
    "a json object without response": b'{"genes": []}',
    "json whose response is a list": b'{"response": []}',
    "json whose response is text": b'{"response": "docs"}',
    "json whose docs is an object": b'{"response": {"docs": {"hgnc_id": "HGNC:5"}}}',
    "a json list of numbers": b"[1, 2, 3]",
    "json nested beyond reason": b"[" * 100_000 + b"]" * 100_000,
    "a tsv row with too few columns": _tsv("hgnc_id\tsymbol\tname", "HGNC:5\tA1BG"),
    "a tsv row with too many columns": _tsv("hgnc_id\tsymbol", "HGNC:5\tA1BG\textra"),
    "a tsv without an hgnc_id column": _tsv("id\tsymbol", "HGNC:5\tA1BG"),
    "a tsv record without hgnc_id": _tsv("hgnc_id\tsymbol", "HGNC:5\tA1BG", "\tA1BG-AS1"),
    "a tsv record with a malformed hgnc_id": _tsv("hgnc_id\tsymbol", "5\tA1BG"),
    "a tsv record without symbol": _tsv("hgnc_id\tsymbol\tname", "HGNC:5\t\talpha-1-B glycoprotein"),
    "a tsv integer field holding text": _tsv("hgnc_id\tsymbol\torphanet", "HGNC:5\tA1BG\tmany"),
    "a json record without hgnc_id": _json_docs({"symbol": "A1BG"}),
    "a json record with a numeric hgnc_id": _json_docs({"hgnc_id": 5, "symbol": "A1BG"}),
    "a json record with a numeric symbol": _json_docs({"hgnc_id": "HGNC:5", "symbol": 5}),
    "a json record that is a list": _json_docs(["HGNC:5", "A1BG"]),  # type: ignore[arg-type]
    "a json alias that is a number": _json_docs({"hgnc_id": "HGNC:5", "symbol": "A1BG", "alias_symbol": [1]}),
    "a json previous symbol that is an object": _json_docs({"hgnc_id": "HGNC:5", "symbol": "A1BG", "prev_symbol": {"a": 1}}),
    "a json location that is a number": _json_docs({"hgnc_id": "HGNC:5", "symbol": "A1BG", "location": 19}),
    "a json integer list holding objects": _json_docs({"hgnc_id": "HGNC:5", "symbol": "A1BG", "pubmed_id": [{"id": 1}]}),
}


@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_source_is_refused_as_invalid(content: bytes) -> None:
    with pytest.raises(InvalidGeneSource):
        read(content)


def test_a_gzip_bomb_is_refused_as_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hgnc_format, "MAX_DECOMPRESSED_BYTES", 64 * 1024)
    bomb = gzip.compress(b"hgnc_id\tsymbol\n" + b"\t" * (4 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    with pytest.raises(GeneSourceTooLarge):
        read(bomb)


def test_a_gzip_just_under_the_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    content = SAMPLE_TSV.read_bytes()
    monkeypatch.setattr(hgnc_format, "MAX_DECOMPRESSED_BYTES", len(content) + 1)
    assert list(read(gzip.compress(content))) == SAMPLE_IDS


def test_the_independent_reading_of_the_sample_agrees_with_the_raw_rows() -> None:
    """Guards the oracle itself: every non-empty cell of the TSV comes back joined as it was."""
    _, rows = read_tsv_rows(SAMPLE_TSV)
    for row, record in zip(rows, expected_records(SAMPLE_TSV).values()):
        for name, text in row.items():
            if text:
                value = record[name]
                joined = "|".join(map(str, value)) if isinstance(value, list) else str(value)
                assert joined == text
            else:
                assert name not in record
