"""diff_releases over small hand-made releases: each kind of change, and the fields one release lacks."""
from __future__ import annotations

from datetime import date
from typing import Any

from genes.release_diff import (
    CROSS_REFERENCE_FIELDS, FieldChange, GeneRef, Merged, ReleaseContent, ReleaseDiff, Renamed, XrefChange,
    change_rows, diff_from_json, diff_json, diff_releases,
)
from genes.results import decode, encode

JULY, OCTOBER = date(2024, 7, 23), date(2024, 10, 18)
FULL = ("hgnc_id", "symbol", "name", "locus_type", "location", "prev_symbol", "entrez_id", "uniprot_ids", "mgd_id")


def gene(number: int, symbol: str, **fields: Any) -> dict[str, Any]:
    return {"hgnc_id": f"HGNC:{number}", "symbol": symbol, "name": f"{symbol} protein",
            "locus_type": "gene with protein product", "location": "1p36", **fields}


def diff(old: list[dict[str, Any]], new: list[dict[str, Any]], old_fields: Any = FULL,
         new_fields: Any = FULL) -> ReleaseDiff:
    return diff_releases(ReleaseContent(JULY, old, old_fields), ReleaseContent(OCTOBER, new, new_fields))


def test_the_same_release_twice_has_no_change() -> None:
    genes = [gene(5, "A1BG", entrez_id="1", uniprot_ids=["P04217"])]
    same = diff(genes, genes)
    assert same == ReleaseDiff(JULY, OCTOBER)
    assert set(same.counts.values()) == {0}


def test_new_ids_are_added_and_gone_ids_are_merged_when_a_newer_gene_took_their_symbol_else_withdrawn() -> None:
    old = [gene(7, "F7R"), gene(30, "OLD1"), gene(40, "KEPT"), gene(1200, "OLD2")]
    new = [gene(40, "KEPT", prev_symbol=["OLD1"]), gene(900, "NEWA", prev_symbol=["OLD1", "OLD2"]),
           gene(31, "FRESH")]

    changes = diff(old, new)

    assert changes.added == (GeneRef("HGNC:31", "FRESH"), GeneRef("HGNC:900", "NEWA"))
    assert changes.merged == (
        Merged("HGNC:30", "OLD1", (GeneRef("HGNC:40", "KEPT"), GeneRef("HGNC:900", "NEWA"))),
        Merged("HGNC:1200", "OLD2", (GeneRef("HGNC:900", "NEWA"),)),
    )
    assert changes.withdrawn == (GeneRef("HGNC:7", "F7R"),)
    assert changes.counts["added"] == 2 and changes.counts["merged"] == 2 and changes.counts["withdrawn"] == 1


def test_a_renamed_gene_and_its_changed_name_locus_type_and_location_name_the_newer_symbol() -> None:
    old = [gene(11, "C1orf1", name="chromosome 1 open reading frame 1", location="1p36.1")]
    new = [gene(11, "NEW1", name="new gene 1", locus_type="pseudogene", location=None)]
    del new[0]["location"]

    changes = diff(old, new)

    assert changes.renamed == (Renamed("HGNC:11", "C1orf1", "NEW1"),)
    assert changes.name_changed == (FieldChange("HGNC:11", "NEW1", "chromosome 1 open reading frame 1", "new gene 1"),)
    assert changes.locus_type_changed == (FieldChange("HGNC:11", "NEW1", "gene with protein product", "pseudogene"),)
    assert changes.location_changed == (FieldChange("HGNC:11", "NEW1", "1p36.1", None),)


def test_each_cross_reference_value_added_or_removed_is_a_change_in_id_then_field_then_value_order() -> None:
    old = [gene(20, "B", mgd_id=["MGI:2", "MGI:1"], entrez_id="10"), gene(3, "A", uniprot_ids=["Q1"])]
    new = [gene(3, "A", uniprot_ids=["Q1", "P9"]), gene(20, "B2", mgd_id=["MGI:3"], entrez_id=10, uniprot_ids=["Q7"])]

    changes = diff(old, new)

    assert changes.xrefs_added == (
        XrefChange("HGNC:3", "A", "uniprot_ids", "P9"),
        XrefChange("HGNC:20", "B2", "mgd_id", "MGI:3"),
        XrefChange("HGNC:20", "B2", "uniprot_ids", "Q7"),
    )
    assert changes.xrefs_removed == (
        XrefChange("HGNC:20", "B2", "mgd_id", "MGI:1"), XrefChange("HGNC:20", "B2", "mgd_id", "MGI:2"),
    )  # entrez_id 10 as a number in one and text in the other is the same value


def test_a_field_one_release_lacks_is_not_compared_and_said_so() -> None:
    custom_download = ("hgnc_id", "symbol", "name", "locus_type", "prev_symbol", "entrez_id")  # no location, no uniprot
    old = [{k: v for k, v in gene(5, "A1BG", entrez_id="1").items() if k != "location"}]
    new = [gene(5, "A1BG", entrez_id="1", location="19q13.43", uniprot_ids=["P04217"])]

    changes = diff(old, new, old_fields=custom_download)

    assert changes.location_changed == () and changes.xrefs_added == ()
    assert changes.fields_not_compared == ("location", "mgd_id", "uniprot_ids")


def test_without_recorded_fields_a_release_holds_those_its_records_hold() -> None:
    old = [gene(5, "A1BG")]
    new = [gene(5, "A1BG", uniprot_ids=["P04217"])]

    assert diff(old, new, old_fields=None, new_fields=None).fields_not_compared == ("uniprot_ids",)
    holding = [gene(5, "A1BG", uniprot_ids=["Q1"])]
    assert diff(holding, new, old_fields=None).xrefs_added == (XrefChange("HGNC:5", "A1BG", "uniprot_ids", "P04217"),)


def test_the_cross_reference_fields_name_other_databases_not_names_or_places() -> None:
    assert {"entrez_id", "ensembl_gene_id", "uniprot_ids", "mgd_id", "rgd_id", "enzyme_id", "omim_id",
            "mane_select", "orphanet", "agr"} <= set(CROSS_REFERENCE_FIELDS)
    assert not {"symbol", "prev_symbol", "alias_symbol", "location", "locus_type"} & set(CROSS_REFERENCE_FIELDS)
    assert list(CROSS_REFERENCE_FIELDS) == sorted(CROSS_REFERENCE_FIELDS)


SAMPLE = diff(
    [gene(1, "GONE"), gene(2, "OLDNAME", mgd_id=["MGI:1"]), gene(3, "MERGEDAWAY")],
    [gene(2, "NEWNAME", prev_symbol=["OLDNAME", "MERGEDAWAY"], name="renamed", uniprot_ids=["P1"]), gene(4, "NEW")],
)


def test_the_json_names_from_and_to_counts_each_kind_and_reads_back_the_same() -> None:
    answer = diff_json(SAMPLE)

    assert (answer["kind"], answer["from"], answer["to"]) == ("release_diff", "2024-07-23", "2024-10-18")
    assert answer["counts"] == {"added": 1, "merged": 1, "withdrawn": 1, "renamed": 1, "name_changed": 1,
                                "locus_type_changed": 0, "location_changed": 0, "xrefs_added": 1, "xrefs_removed": 1}
    assert answer["merged"] == [{"hgnc_id": "HGNC:3", "symbol": "MERGEDAWAY",
                                 "into": [{"hgnc_id": "HGNC:2", "symbol": "NEWNAME"}]}]
    assert answer["renamed"] == [{"hgnc_id": "HGNC:2", "from": "OLDNAME", "to": "NEWNAME"}]
    assert diff_from_json(answer) == SAMPLE
    assert decode(encode(SAMPLE)) == SAMPLE


def test_one_row_a_change_kind_after_kind() -> None:
    assert list(change_rows(SAMPLE)) == [
        ("added", "HGNC:4", "NEW", "", "", ""),
        ("merged", "HGNC:3", "MERGEDAWAY", "", "", "HGNC:2 NEWNAME"),
        ("withdrawn", "HGNC:1", "GONE", "", "", ""),
        ("renamed", "HGNC:2", "NEWNAME", "symbol", "OLDNAME", "NEWNAME"),
        ("name_changed", "HGNC:2", "NEWNAME", "name", "OLDNAME protein", "renamed"),
        ("xrefs_added", "HGNC:2", "NEWNAME", "uniprot_ids", "", "P1"),
        ("xrefs_removed", "HGNC:2", "NEWNAME", "mgd_id", "MGI:1", ""),
    ]
