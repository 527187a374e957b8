"""An independent reading of the HGNC TSV with the csv module: the oracle the tests compare against.

Written from the issue's description of the data, not from the code under test: 17 list fields
joined with `|` (lsdb's values are `name|URL` pairs), the integer fields that the official JSON
gives as numbers, empty fields absent.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
from pathlib import Path
from typing import Any

LIST_FIELDS = (
    "alias_symbol", "alias_name", "prev_symbol", "prev_name", "gene_group", "gene_group_id", "ena",
    "refseq_accession", "ccds_id", "uniprot_ids", "pubmed_id", "mgd_id", "rgd_id", "lsdb", "omim_id",
    "enzyme_id", "mane_select",
)
INTEGER_FIELDS = ("gene_group_id", "pubmed_id", "orphanet", "homeodb", "mamit-trnadb")
# The pinned release the tests load in full (tests/data/README.md says where it comes from).
PINNED_RELEASE = Path(__file__).resolve().parent / "data" / "hgnc_complete_set_2024-10-18.txt.gz"

# HGNC's custom download of 2024-07-23, approved and withdrawn rows (tests/data/README.md).
CUSTOM_DOWNLOAD = Path(__file__).resolve().parent / "data" / "hgnc_custom_download_2024-07-23.tsv.gz"


def hgnc_test_data_path() -> Path:
    """The full HGNC set the tests use: the pinned release, or the file `HGNC_TEST_DATA` names."""
    return Path(os.environ.get("HGNC_TEST_DATA") or PINNED_RELEASE)


def withdrawn_rows(path: Path = CUSTOM_DOWNLOAD) -> list[dict[str, str]]:
    """The withdrawn rows (their status not "Approved") of a custom download, as the csv module reads them."""
    return [row for row in read_tsv_rows(path)[1] if row["Status"] != "Approved"]


def read_tsv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the raw rows (every value a string) of a TSV, plain or gzip."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""), delimiter="\t")
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def expected_record(row: dict[str, str]) -> dict[str, Any]:
    """The record the service must give for one TSV row, in the row's field order."""
    record: dict[str, Any] = {}
    for name, text in row.items():
        if not text:
            continue
        value: Any = text
        if name in LIST_FIELDS:
            parts = text.split("|")
            if name == "lsdb":
                assert len(parts) % 2 == 0, f"lsdb of {row['hgnc_id']} is not name|URL pairs: {text!r}"
                parts = [f"{parts[i]}|{parts[i + 1]}" for i in range(0, len(parts), 2)]
            value = parts
        if name in INTEGER_FIELDS:
            value = [int(v) for v in value] if isinstance(value, list) else int(value)
        record[name] = value
    return record


def expected_records(path: Path) -> dict[str, dict[str, Any]]:
    """Every expected record by hgnc_id, in file order."""
    _, rows = read_tsv_rows(path)
    return {row["hgnc_id"]: expected_record(row) for row in rows}


def names_of(record: dict[str, Any]) -> list[str]:
    return [record["symbol"], *record.get("prev_symbol", []), *record.get("alias_symbol", [])]


# The columns of the custom download in tests/data, and the complete set's field each one is (HGNC's
# column names on its custom-download page against its complete set's header).
CUSTOM_DOWNLOAD_FIELDS = {
    "HGNC ID": "hgnc_id", "Approved symbol": "symbol", "Approved name": "name", "Status": "status",
    "Alias symbols": "alias_symbol", "NCBI Gene ID(supplied by NCBI)": "entrez_id",
    "UniProt ID(supplied by UniProt)": "uniprot_ids", "Mouse genome database ID(supplied by MGI)": "mgd_id",
    "Rat genome database ID(supplied by RGD)": "rgd_id", "Previous symbols": "prev_symbol",
    "Ensembl gene ID": "ensembl_gene_id", "Locus type": "locus_type", "Enzyme IDs": "enzyme_id",
}
CUSTOM_DOWNLOAD_LISTS = ("alias_symbol", "uniprot_ids", "mgd_id", "rgd_id", "prev_symbol", "enzyme_id")


def expected_custom_download_records(path: Path = CUSTOM_DOWNLOAD) -> dict[str, dict[str, Any]]:
    """The genes (approved rows) of the custom download in tests/data by hgnc_id, in file order, as
    records of the complete set's fields; its lists are joined with ", " (in three rows with ",")."""
    _, rows = read_tsv_rows(path)
    return {
        row["HGNC ID"]: {
            CUSTOM_DOWNLOAD_FIELDS[column]: [item.strip() for item in text.split(",")]
            if CUSTOM_DOWNLOAD_FIELDS[column] in CUSTOM_DOWNLOAD_LISTS else text
            for column, text in row.items() if text
        }
        for row in rows if row["Status"] == "Approved"
    }
