"""Reading HGNC's withdrawn entries from its files: a custom download, withdrawn.txt, a complete set."""
from __future__ import annotations

import pytest

from adapters.hgnc_format import parse_genes
from adapters.hgnc_withdrawn_format import parse_withdrawn
from genes.errors import InvalidGeneSource
from genes.withdrawn import WithdrawnEntry, WithdrawnStatus

from tests.hgnc_reference import CUSTOM_DOWNLOAD, withdrawn_rows


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return withdrawn_rows()


def test_a_custom_download_gives_every_withdrawn_row_and_the_ids_it_links(rows: list[dict[str, str]]) -> None:
    entries = list(parse_withdrawn(CUSTOM_DOWNLOAD.read_bytes()))
    assert len(entries) == 5176
    assert [entry.hgnc_id for entry in entries] == [row["HGNC ID"] for row in rows]
    by_id = {entry.hgnc_id: entry for entry in entries}
    assert by_id["HGNC:6"] == WithdrawnEntry("HGNC:6", "A1S9T", WithdrawnStatus.SYMBOL_WITHDRAWN, rows[0]["Approved name"],
                                             ("HGNC:12469",))
    assert by_id["HGNC:1"].status is WithdrawnStatus.ENTRY_WITHDRAWN and by_id["HGNC:1"].replaced_by == ()
    several = next(row for row in rows if row["Approved name"].count("[HGNC:") == 3)
    assert len(by_id[several["HGNC ID"]].replaced_by) == 3


def test_withdrawn_txt_and_its_merged_reports(rows: list[dict[str, str]]) -> None:
    """The same real rows written as HGNC's withdrawn.txt lays them out."""
    merged, gone = rows[0], next(row for row in rows if row["Status"] == "Entry Withdrawn")
    text = ("HGNC_ID\tSTATUS\tWITHDRAWN_SYMBOL\tMERGED_INTO_REPORT(S) (i.e HGNC_ID|SYMBOL|STATUS)\n"
            f"{merged['HGNC ID']}\tMerged/Split\t{merged['Approved symbol']}\tHGNC:12469|UBA1|Approved\n"
            f"{gone['HGNC ID']}\tEntry Withdrawn\t{gone['Approved symbol']}\t\n")
    first, second = parse_withdrawn(text.encode())
    assert (first.hgnc_id, first.symbol, first.status, first.replaced_by) == (
        "HGNC:6", "A1S9T", WithdrawnStatus.SYMBOL_WITHDRAWN, ("HGNC:12469",))
    assert (second.status, second.replaced_by) == (WithdrawnStatus.ENTRY_WITHDRAWN, ())


def test_a_complete_set_with_withdrawn_rows_loads_its_genes_without_them(rows: list[dict[str, str]]) -> None:
    row = rows[0]
    text = ("hgnc_id\tsymbol\tname\tstatus\n"
            "HGNC:5\tA1BG\talpha-1-B glycoprotein\tApproved\n"
            f"{row['HGNC ID']}\t{row['Approved symbol']}\t{row['Approved name']}\t{row['Status']}\n").encode()
    assert [gene.hgnc_id for gene in parse_genes(text)] == ["HGNC:5"]
    assert [entry.hgnc_id for entry in parse_withdrawn(text)] == ["HGNC:6"]


def test_data_that_is_not_hgncs_is_refused() -> None:
    with pytest.raises(InvalidGeneSource):
        list(parse_withdrawn(b"id\tWithdrawn\nx\ty\n"))
    with pytest.raises(InvalidGeneSource):
        list(parse_withdrawn(b'[{"HGNC_ID": "nope", "STATUS": "Entry Withdrawn", "WITHDRAWN_SYMBOL": "X"}]'))
    assert list(parse_withdrawn(b"hgnc_id\tsymbol\nHGNC:5\tA1BG\n")) == []
