"""The analysis: a pure function over gene summaries, tested on hand-built genes."""
from __future__ import annotations

from datetime import date

from genes.analysis import JobResults, analyse
from genes.gene import GeneSummary
from genes.job import JobParameters

PROTEIN = "protein-coding gene"
NCRNA = "non-coding RNA"
PSEUDO = "pseudogene"


def gene(hgnc_id: str, approved: str | None, group: str = PROTEIN,
         locus_type: str = "gene with protein product", chromosome: str = "1") -> GeneSummary:
    return GeneSummary(hgnc_id, approved, group, locus_type, chromosome)


def parameters(start: str, end: str, locus_group: str | None = None) -> JobParameters:
    return JobParameters(date.fromisoformat(start), date.fromisoformat(end), locus_group)


def test_genes_approved_on_the_first_and_the_last_day_of_the_range_are_counted() -> None:
    genes = [gene("HGNC:1", "2000-01-01"), gene("HGNC:2", "2005-12-31")]

    results = analyse(genes, parameters("2000-01-01", "2005-12-31"))

    assert results.total == 2
    assert results.by_year == {"2000": 1, "2005": 1}


def test_genes_approved_a_day_before_or_a_day_after_the_range_are_not_counted() -> None:
    genes = [gene("HGNC:1", "1999-12-31"), gene("HGNC:2", "2000-06-15"), gene("HGNC:3", "2006-01-01")]

    results = analyse(genes, parameters("2000-01-01", "2005-12-31"))

    assert results.total == 1
    assert results.by_year == {"2000": 1}


def test_a_one_day_range_counts_the_genes_of_that_day() -> None:
    genes = [gene("HGNC:1", "1986-01-01"), gene("HGNC:2", "1986-01-01"), gene("HGNC:3", "1986-01-02")]

    assert analyse(genes, parameters("1986-01-01", "1986-01-01")).total == 2


def test_a_locus_group_counts_only_the_genes_of_that_group() -> None:
    genes = [
        gene("HGNC:5", "1989-06-30", PROTEIN),
        gene("HGNC:8", "1991-09-12", PSEUDO, "pseudogene"),
        gene("HGNC:7475", "1989-10-12", NCRNA, "RNA, transfer", "MT"),
        gene("HGNC:37133", "2009-07-20", NCRNA, "RNA, long non-coding", "19"),
    ]

    results = analyse(genes, parameters("1980-01-01", "2020-12-31", NCRNA))

    assert results.total == 2
    assert results.locus_group == NCRNA
    assert results.by_locus_group == {NCRNA: 2}
    assert results.by_locus_type == {"RNA, transfer": 1, "RNA, long non-coding": 1}
    assert results.by_chromosome == {"19": 1, "MT": 1}


def test_without_a_locus_group_every_group_is_counted_in_their_hgnc_order() -> None:
    genes = [
        gene("HGNC:22", "1990-09-10", "other", "virus integration site"),
        gene("HGNC:8", "1991-09-12", PSEUDO, "pseudogene"),
        gene("HGNC:5", "1989-06-30", PROTEIN),
        gene("HGNC:7", "1986-01-01", PROTEIN),
    ]

    results = analyse(genes, parameters("1980-01-01", "1999-12-31"))

    assert results.locus_group is None
    assert list(results.by_locus_group.items()) == [(PROTEIN, 2), (PSEUDO, 1), ("other", 1)]


def test_genes_without_an_approval_date_are_never_counted() -> None:
    genes = [gene("HGNC:58067", None, NCRNA), gene("HGNC:5", "1989-06-30")]

    results = analyse(genes, parameters("1900-01-01", "2100-12-31"))

    assert results.total == 1
    assert results.by_locus_group == {PROTEIN: 1}


def test_chromosomes_come_in_natural_order_then_x_y_mt_and_unknown() -> None:
    chromosomes = ["unknown", "X", "10", "MT", "2", "Y", "22", "1", "10"]
    genes = [gene(f"HGNC:{n}", "2001-05-31", chromosome=c) for n, c in enumerate(chromosomes, start=1)]

    results = analyse(genes, parameters("2001-01-01", "2001-12-31"))

    assert list(results.by_chromosome.items()) == [
        ("1", 1), ("2", 1), ("10", 2), ("22", 1), ("X", 1), ("Y", 1), ("MT", 1), ("unknown", 1),
    ]


def test_years_come_in_order_and_locus_types_most_common_first() -> None:
    genes = [
        gene("HGNC:1", "2003-01-01", PSEUDO, "pseudogene"),
        gene("HGNC:2", "2001-01-01"),
        gene("HGNC:3", "2002-01-01", PSEUDO, "pseudogene"),
        gene("HGNC:4", "2001-07-01", PSEUDO, "pseudogene"),
    ]

    results = analyse(genes, parameters("2000-01-01", "2009-12-31"))

    assert list(results.by_year.items()) == [("2001", 2), ("2002", 1), ("2003", 1)]
    assert list(results.by_locus_type.items()) == [("pseudogene", 3), ("gene with protein product", 1)]
    assert results.by_year_and_locus_group == {
        "2001": {PROTEIN: 1, PSEUDO: 1}, "2002": {PSEUDO: 1}, "2003": {PSEUDO: 1},
    }


def test_a_range_with_no_gene_gives_a_total_of_zero_and_empty_counts() -> None:
    genes = [gene("HGNC:5", "1989-06-30"), gene("HGNC:58067", None)]

    results = analyse(genes, parameters("1700-01-01", "1700-12-31"))

    assert results == JobResults(
        start_date=date(1700, 1, 1),
        end_date=date(1700, 12, 31),
        locus_group=None,
        total=0,
        by_year={},
        by_locus_group={},
        by_locus_type={},
        by_chromosome={},
        by_year_and_locus_group={},
    )


def test_no_genes_at_all_gives_a_total_of_zero() -> None:
    assert analyse([], parameters("2000-01-01", "2000-12-31")).total == 0


def test_the_results_echo_the_parameters() -> None:
    results = analyse([], parameters("2000-02-29", "2004-02-29", PSEUDO))

    assert (results.start_date, results.end_date, results.locus_group) == (date(2000, 2, 29), date(2004, 2, 29), PSEUDO)
