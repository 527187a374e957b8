"""The HGNC reader: JSON and TSV, plain or gzip, give identical records; malformed data is refused."""
from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from adapters import hgnc_format
from adapters.hgnc_format import parse_genes
from genes.errors import GeneSourceTooLarge, InvalidGeneSource
from genes.gene import RECORD_FIELDS
from tests.hgnc_reference import (
    CUSTOM_DOWNLOAD_FIELDS, PINNED_RELEASE, expected_custom_download_records, expected_records, read_tsv_rows)

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


@pytest.fixture(scope="module")
def release_head() -> bytes:
    """The pinned release's first 15,000 genes as TSV (~5 MB): its gzip spans many of the reader's chunks."""
    lines = gzip.decompress(PINNED_RELEASE.read_bytes()).splitlines(keepends=True)
    return b"".join(lines[:15_001])


def test_a_gzip_spanning_many_chunks_gives_the_records_of_its_plain_text(release_head: bytes) -> None:
    zipped = gzip.compress(release_head)
    assert len(zipped) > 10 * hgnc_format.GZIP_INPUT_CHUNK
    plain = read(release_head)
    assert len(plain) == 15_000 and read(zipped) == plain


def test_a_gzip_is_read_without_holding_its_whole_text(release_head: bytes) -> None:
    zipped = gzip.compress(release_head)
    tracemalloc.start()
    try:
        for _ in parse_genes(zipped):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(release_head) / 4


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_gzip_damaged_past_its_first_chunks_is_refused(release_head: bytes, damage: str) -> None:
    zipped = bytearray(gzip.compress(release_head))
    at = len(zipped) * 3 // 4
    if damage == "truncated":
        del zipped[at:]
    else:
        zipped[at:at + 64] = bytes(64)
    with pytest.raises(InvalidGeneSource):
        read(bytes(zipped))


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


# -- HGNC's custom download ------------------------------------------------------------------


def test_the_july_2024_custom_download_gives_its_approved_rows_under_the_complete_sets_names(
        hgnc_custom_download_path: Path) -> None:
    header, _ = read_tsv_rows(hgnc_custom_download_path)
    assert set(header) == set(CUSTOM_DOWNLOAD_FIELDS)
    expected = expected_custom_download_records(hgnc_custom_download_path)
    records = read(hgnc_custom_download_path.read_bytes())
    assert len(records) == 43_837
    assert records == expected
    assert records["HGNC:377"] == {
        "hgnc_id": "HGNC:377", "symbol": "AKAP7", "name": "A-kinase anchoring protein 7",
        "locus_type": "gene with protein product", "status": "Approved", "alias_symbol": ["AKAP18", "AKAP15"],
        "entrez_id": "9465", "ensembl_gene_id": "ENSG00000118507", "uniprot_ids": ["O43687", "Q9P0M2"],
        "mgd_id": ["MGI:1859150"], "rgd_id": ["RGD:1303071"],
    }
    # Its fields in the complete set's order, whatever the download's column order.
    assert list(records["HGNC:377"]) == [field for field in RECORD_FIELDS if field in records["HGNC:377"]]


def test_a_locus_type_with_a_comma_stays_one_text() -> None:
    content = _tsv("HGNC ID\tApproved symbol\tStatus\tLocus type", "HGNC:37133\tA1BG-AS1\tApproved\tRNA, long non-coding")
    assert read(content)["HGNC:37133"]["locus_type"] == "RNA, long non-coding"


# Every column HGNC's custom download offers (2024), one gene's values as HGNC writes them.
EVERY_COLUMN = {
    "HGNC ID": "HGNC:57",
    "Approved symbol": "ABCC6",
    "Approved name": "ATP binding cassette subfamily C member 6",
    "Status": "Approved",
    "Locus type": "gene with protein product",
    "Locus group": "protein-coding gene",
    "Previous symbols": "ARA, PXE",
    "Previous name": '"ATP-binding cassette, sub-family C (CFTR/MRP), member 6", "anthracycline resistance"',
    "Alias symbols": "MRP6, ABC34",
    "Alias names": '"multidrug resistance-associated protein 6"',
    "Chromosome": "16p13.11",
    "Date approved": "1997-10-20",
    "Date modified": "2023-01-20",
    "Date symbol changed": "2000-01-20",
    "Date name changed": "2015-11-18",
    "Accession numbers": "AF076622",
    "Enzyme IDs": "7.6.2.-",
    "NCBI Gene ID": "368",
    "Ensembl gene ID": "ENSG00000091262",
    "Mouse genome database ID": "MGI:1351634",
    "Specialist database links": '<a href="http://www.iuphar-db.org">IUPHAR</a>',
    "Specialist database IDs": "783, C2",
    "Pubmed IDs": "10811882, 10835642",
    "RefSeq IDs": "NM_001171",
    "Gene group ID": "807|1",
    "Gene group name": "ATP binding cassette subfamily C|Other, miscellaneous",
    "CCDS IDs": "CCDS32385",
    "Locus specific databases": '"LOVD at NCBI|http://www.ncbi.nlm.nih.gov/lovd/home.php?select_db=ABCC6", '
                                '"LRG_1115|http://ftp.ebi.ac.uk/pub/databases/lrgex/LRG_1115.xml"',
    "NCBI Gene ID(supplied by NCBI)": "99368",
    "Ensembl ID(supplied by Ensembl)": "ENSG99999999999",
    "OMIM ID(supplied by OMIM)": "603234",
    "RefSeq(supplied by NCBI)": "NM_999999",
    "UniProt ID(supplied by UniProt)": "O95255",
    "UCSC ID(supplied by UCSC)": "uc002den.4",
    "Mouse genome database ID(supplied by MGI)": "MGI:9999999",
    "Rat genome database ID(supplied by RGD)": "RGD:621523",
    "LNCipedia ID (supplied by LNCipedia)": "",
    "GtRNAdb ID (supplied by GtRNAdb)": "",
    "AGR HGNC ID (supplied by Alliance of Genome Resources)": "HGNC:57",
    "MANE Select Ensembl transcript ID (supplied by NCBI)": "ENST00000205557.12",
    "MANE Select RefSeq transcript ID (supplied by NCBI)": "NM_001171.6",
}


def test_every_column_hgnc_offers_is_the_complete_sets_field_the_curated_one_first() -> None:
    content = _tsv("\t".join(EVERY_COLUMN), "\t".join(EVERY_COLUMN.values()))
    assert read(content)["HGNC:57"] == {
        "hgnc_id": "HGNC:57", "symbol": "ABCC6", "name": "ATP binding cassette subfamily C member 6",
        "locus_group": "protein-coding gene", "locus_type": "gene with protein product", "status": "Approved",
        "location": "16p13.11", "alias_symbol": ["MRP6", "ABC34"], "alias_name": ["multidrug resistance-associated protein 6"],
        "prev_symbol": ["ARA", "PXE"],
        "prev_name": ["ATP-binding cassette, sub-family C (CFTR/MRP), member 6", "anthracycline resistance"],
        "gene_group": ["ATP binding cassette subfamily C", "Other, miscellaneous"], "gene_group_id": [807, 1],
        "date_approved_reserved": "1997-10-20", "date_symbol_changed": "2000-01-20", "date_name_changed": "2015-11-18",
        "date_modified": "2023-01-20",
        "entrez_id": "368", "ensembl_gene_id": "ENSG00000091262",  # HGNC's, not NCBI's or Ensembl's
        "ucsc_id": "uc002den.4", "ena": ["AF076622"], "refseq_accession": ["NM_001171"], "ccds_id": ["CCDS32385"],
        "uniprot_ids": ["O95255"], "pubmed_id": [10811882, 10835642], "mgd_id": ["MGI:1351634"], "rgd_id": ["RGD:621523"],
        "lsdb": ["LOVD at NCBI|http://www.ncbi.nlm.nih.gov/lovd/home.php?select_db=ABCC6",
                 "LRG_1115|http://ftp.ebi.ac.uk/pub/databases/lrgex/LRG_1115.xml"],
        "omim_id": ["603234"], "enzyme_id": ["7.6.2.-"], "agr": "HGNC:57",
        "mane_select": ["ENST00000205557.12", "NM_001171.6"],
        # No field of the complete set: kept, as text, under the column's name in snake_case.
        "specialist_database_links": '<a href="http://www.iuphar-db.org">IUPHAR</a>',
        "specialist_database_ids": "783, C2",
    }


def test_a_supplied_by_column_is_the_field_when_it_is_the_only_one() -> None:
    content = _tsv("hgnc id\tAPPROVED SYMBOL\tEnsembl ID (supplied by Ensembl)\tNCBI Gene ID (supplied by NCBI)\t"
                   "Mouse genome database ID(supplied by MGI)\tRefSeq(supplied by NCBI)",
                   "HGNC:5\tA1BG\tENSG00000121410\t1\tMGI:2152878\tNM_130786")
    assert read(content)["HGNC:5"] == {
        "hgnc_id": "HGNC:5", "symbol": "A1BG", "entrez_id": "1", "ensembl_gene_id": "ENSG00000121410",
        "refseq_accession": ["NM_130786"], "mgd_id": ["MGI:2152878"]}


def test_the_column_names_before_2018_are_read_too() -> None:
    content = _tsv("HGNC ID\tApproved Symbol\tSynonyms\tName Synonyms\tEntrez Gene ID\tPrevious Names",
                   'HGNC:5\tA1BG\tA1B, ABG\t"glycoprotein, alpha-1-B"\t1\t"old name"')
    assert read(content)["HGNC:5"] == {
        "hgnc_id": "HGNC:5", "symbol": "A1BG", "alias_symbol": ["A1B", "ABG"],
        "alias_name": ["glycoprotein, alpha-1-B"], "prev_name": ["old name"], "entrez_id": "1"}


def test_a_custom_downloads_withdrawn_rows_are_no_genes(hgnc_custom_download_path: Path) -> None:
    records = read(hgnc_custom_download_path.read_bytes())
    assert "HGNC:6" not in records and "HGNC:1" not in records  # Symbol Withdrawn, Entry Withdrawn
    assert {record["status"] for record in records.values()} == {"Approved"}


CUSTOM_MALFORMED = {
    "a row with too few columns": _tsv("HGNC ID\tApproved symbol\tStatus", "HGNC:5\tA1BG"),
    "a row without an id": _tsv("HGNC ID\tApproved symbol", "\tA1BG"),
    "a row without a symbol": _tsv("HGNC ID\tApproved symbol\tApproved name", "HGNC:5\t\talpha"),
    "pubmed ids that are no numbers": _tsv("HGNC ID\tApproved symbol\tPubmed IDs", "HGNC:5\tA1BG\t123, many"),
}


@pytest.mark.parametrize("content", CUSTOM_MALFORMED.values(), ids=CUSTOM_MALFORMED.keys())
def test_a_malformed_custom_download_is_refused_as_invalid(content: bytes) -> None:
    with pytest.raises(InvalidGeneSource):
        read(content)
