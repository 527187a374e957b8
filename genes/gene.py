"""A gene record of the HGNC complete set, and the few facts the analysis reads from it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

HGNC_ID_PATTERN = re.compile(r"HGNC:[1-9][0-9]{0,8}")
# The fields of a record, in the order of HGNC's own TSV download (the columns of `GET /data` as TSV).
RECORD_FIELDS = (
    "hgnc_id", "symbol", "name", "locus_group", "locus_type", "status", "location", "location_sortable",
    "alias_symbol", "alias_name", "prev_symbol", "prev_name", "gene_group", "gene_group_id",
    "date_approved_reserved", "date_symbol_changed", "date_name_changed", "date_modified", "entrez_id",
    "ensembl_gene_id", "vega_id", "ucsc_id", "ena", "refseq_accession", "ccds_id", "uniprot_ids", "pubmed_id",
    "mgd_id", "rgd_id", "lsdb", "cosmic", "omim_id", "mirbase", "homeodb", "snornabase", "bioparadigms_slc",
    "orphanet", "pseudogene.org", "horde_id", "merops", "imgt", "iuphar", "kznf_gene_catalog", "mamit-trnadb",
    "cd", "lncrnadb", "enzyme_id", "intermediate_filament_db", "rna_central_id", "lncipedia", "gtrnadb", "agr",
    "mane_select", "gencc",
)
LOCUS_GROUPS = ("protein-coding gene", "non-coding RNA", "pseudogene", "other")
UNKNOWN_CHROMOSOME = "unknown"

# "19q13.43", "Xp22.33 and Yp11.2", "13cen, GRCh38 novel patch", "22 unplaced": the chromosome leads.
_CHROMOSOME_PATTERN = re.compile(r"(?:[1-9]|1[0-9]|2[0-2]|X|Y)(?=[pq]|cen|\s|,|$)")


def is_hgnc_id(text: str) -> bool:
    return HGNC_ID_PATTERN.fullmatch(text) is not None


def chosen_fields(record: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The record's `hgnc_id` and those of `fields` it holds (an empty field is absent), in the order asked."""
    chosen = {"hgnc_id": record["hgnc_id"]}
    chosen.update((field, record[field]) for field in fields if field in record)
    return chosen


def chromosome_of(location: str | None) -> str:
    """The chromosome named by an HGNC `location`, "MT" for mitochondria, else "unknown"."""
    if not location:
        return UNKNOWN_CHROMOSOME
    if location == "mitochondria":
        return "MT"
    match = _CHROMOSOME_PATTERN.match(location)
    return match.group(0) if match else UNKNOWN_CHROMOSOME


@dataclass(frozen=True, slots=True)
class GeneSummary:
    """What the analysis needs of one gene: small enough to read all 43,882 at once."""

    hgnc_id: str
    date_approved: str | None  # ISO date: compares correctly as text
    locus_group: str
    locus_type: str
    chromosome: str


@dataclass(frozen=True, slots=True)
class Gene:
    """One approved gene: its id and its whole record (list fields as lists, empty fields absent)."""

    hgnc_id: str
    record: Mapping[str, Any]

    @property
    def symbol(self) -> str:
        symbol: str = self.record["symbol"]  # every record has one (the readers check)
        return symbol

    def names(self) -> list[tuple[int, str]]:
        """Each name the gene is found by, ranked: 0 approved symbol, 1 previous, 2 alias."""
        ranked = [(0, self.symbol)]
        ranked += [(1, name) for name in self.record.get("prev_symbol", ())]
        ranked += [(2, name) for name in self.record.get("alias_symbol", ())]
        return ranked

    def summary(self) -> GeneSummary:
        record = self.record
        return GeneSummary(
            hgnc_id=self.hgnc_id,
            date_approved=record.get("date_approved_reserved"),
            locus_group=record.get("locus_group", "other"),
            locus_type=record.get("locus_type", "unknown"),
            chromosome=chromosome_of(record.get("location")),
        )
