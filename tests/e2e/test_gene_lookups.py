"""Lookups by every cross-reference, batches, chosen fields, /info, ETags, gzip and the export formats,
over HTTP against the full set; every expected answer computed from the file with the csv module."""
from __future__ import annotations

import csv
import gzip
import io
import json
import random
from typing import Any

import pytest
import requests

from tests.hgnc_reference import expected_record, names_of, read_tsv_rows
from tests.problem_details import assert_problem
from tests.support import ApiClient

Reference = dict[str, dict[str, Any]]
# Written out here, not imported from the code under test: the issue's list of lookup fields.
LOOKUP_FIELDS = ("entrez_id", "ensembl_gene_id", "uniprot_ids", "refseq_accession", "ccds_id", "vega_id", "ucsc_id",
                 "ena", "omim_id", "mgd_id", "rgd_id", "mane_select", "rna_central_id", "prev_symbol",
                 "alias_symbol", "locus_type", "location")
VERSIONED = ("refseq_accession", "mane_select", "ucsc_id", "ena", "ccds_id", "ensembl_gene_id", "vega_id",
             "rna_central_id")
SAMPLES_PER_FIELD = 6


# -- the oracle: what each lookup must find, from the rows the csv module read ---------------


def values_of(record: dict[str, Any], field: str) -> list[str]:
    held = record.get(field)
    return [] if held is None else [str(v) for v in held] if isinstance(held, list) else [str(held)]


def bands_of(location: str) -> list[str]:
    """The bands a location names, lower case: "17q24.2-q24.3" -> 17q24.2, 17q24.3; "Xp22.33 and Yp11.32" -> both."""
    text, bands, chromosome = location.lower(), [], ""
    for separator in (" and ", " or ", "-", ","):
        text = text.replace(separator, " ")
    for part in text.split():
        if part[:1] in ("p", "q") and chromosome:  # the second end of a range leaves out its chromosome
            part = chromosome + part
        else:
            chromosome = part[:len(part) - len(part.lstrip("0123456789xy"))] or chromosome
        bands.append(part)
    return bands


def inside(band: str, query: str) -> bool:
    """A band is inside the queried one if it is that band or one it contains: "17q21" holds "17q21.31",
    "17q2" holds "17q21", "17" holds "17q21"; "1" does not hold "17q21"."""
    if not band.startswith(query):
        return False
    rest = band[len(query):]
    return not rest or not (query.isdigit() and rest[0].isdigit())


def matches(field: str, value: str, query: str) -> bool:
    value, query = value.lower(), query.lower()
    if value == query:
        return True
    if field in VERSIONED:
        base, _, version = value.rpartition(".")
        return version.isdigit() and base == query
    if field == "location":
        return any(inside(band, query) for band in bands_of(value))
    return False


def expected_ids(reference: Reference, criteria: dict[str, str]) -> list[str]:
    return [hgnc_id for hgnc_id, record in reference.items()
            if all(any(matches(field, value, query) for value in values_of(record, field))
                   for field, query in criteria.items())]


def ranked_by_name(reference: Reference, name: str) -> list[str]:
    """Approved symbol first, then previous symbols, then aliases; file order within each; each gene once."""
    ranks = _names_by_rank(id(reference), reference)
    return list(dict.fromkeys(i for rank in ranks for i in rank.get(name.lower(), [])))


_NAMES: dict[int, list[dict[str, list[str]]]] = {}


def _names_by_rank(key: int, reference: Reference) -> list[dict[str, list[str]]]:
    """Per rank (symbol, previous, alias), each lower-case name and its ids in file order: read once."""
    if key not in _NAMES:
        ranks: list[dict[str, list[str]]] = [{}, {}, {}]
        for hgnc_id, record in reference.items():
            for rank, names in enumerate(([record["symbol"]], record.get("prev_symbol", []),
                                          record.get("alias_symbol", []))):
                for name in names:
                    ranks[rank].setdefault(name.lower(), []).append(hgnc_id)
        _NAMES[key] = ranks
    return _NAMES[key]


def sample_values(reference: Reference, field: str, count: int, seed: int) -> list[str]:
    every = sorted({value for record in reference.values() for value in values_of(record, field)})
    return random.Random(seed).sample(every, min(count, len(every)))


def ids(api: ApiClient, **params: Any) -> list[str]:
    response = api.get("/genes", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- lookups -------------------------------------------------------------------------------


def test_the_oracle_reads_locations_as_bands() -> None:
    assert bands_of("17q24.2-q24.3") == ["17q24.2", "17q24.3"]
    assert bands_of("Xp22.33 and Yp11.32") == ["xp22.33", "yp11.32"]
    assert inside("17q21.31", "17q21") and inside("17q21.31", "17") and inside("17q21", "17q2")
    assert not inside("17q22", "17q21") and not inside("17q21", "1") and not inside("17q21.31", "17q21.4")


@pytest.mark.parametrize("field", LOOKUP_FIELDS)
def test_each_lookup_field_finds_what_the_file_holds_in_any_case(loaded_api: ApiClient, reference: Reference,
                                                                    field: str) -> None:
    for number, value in enumerate(sample_values(reference, field, SAMPLES_PER_FIELD, seed=len(field))):
        expected = expected_ids(reference, {field: value})
        assert expected, f"the oracle finds nothing for {field}={value}"
        asked = value.upper() if number % 2 else value.lower()
        assert ids(loaded_api, **{field: asked}) == expected, f"{field}={asked}"
    assert ids(loaded_api, **{field: "no-such-value-anywhere"}) == []


@pytest.mark.parametrize(("field", "accession"), [("mane_select", "NM_007294"), ("mane_select", "nm_007294.4"),
                                                  ("ucsc_id", "uc002ict"), ("refseq_accession", "NR_002451")])
def test_a_versioned_accession_is_found_with_or_without_its_version(
        loaded_api: ApiClient, reference: Reference, field: str, accession: str) -> None:
    expected = expected_ids(reference, {field: accession})
    assert expected
    assert ids(loaded_api, **{field: accession}) == expected


def test_brca1_is_found_by_its_mane_select_transcript_without_a_version_but_not_by_another_version(
        loaded_api: ApiClient) -> None:
    assert ids(loaded_api, mane_select="NM_007294") == ["HGNC:1100"]
    assert ids(loaded_api, mane_select="NM_007294.3") == []


@pytest.mark.parametrize("band", ["17q21", "17q21.3", "17q2", "17", "X", "Xp22.33", "1p36.33", "mitochondria"])
def test_a_location_finds_its_band_and_every_band_inside_it(loaded_api: ApiClient, reference: Reference, band: str) -> None:
    expected = expected_ids(reference, {"location": band})
    assert expected
    assert ids(loaded_api, location=band) == expected


def test_17q21_finds_17q21_31_and_never_17q22(loaded_api: ApiClient, reference: Reference) -> None:
    found = {reference[i]["location"] for i in ids(loaded_api, location="17q21")}
    assert "17q21.31" in found
    assert not any(location.startswith("17q22") for location in found)


@pytest.mark.parametrize("name", ["brca1", "BRCA1", "Brca1", "rnf53", "FANCS", "ncrna00181", "a1bgas", "A1BGAS", "amn",
                                  "AMN", "tpp1", "ccr10", "trna", "p40", "CD1", "nosuchgene"])
def test_a_symbol_finds_approved_then_previous_then_alias_symbols_in_any_case(
        loaded_api: ApiClient, reference: Reference, name: str) -> None:
    assert ids(loaded_api, symbol=name) == ranked_by_name(reference, name)


def test_a_sample_of_names_each_finds_its_gene(loaded_api: ApiClient, reference: Reference) -> None:
    for hgnc_id in random.Random(9).sample(list(reference), 60):
        for name in names_of(reference[hgnc_id])[:3]:
            found = loaded_api.get("/genes", params={"symbol": name.swapcase()}).json()
            assert hgnc_id in found, (hgnc_id, name)


def test_lookups_combine_with_and_and_page(loaded_api: ApiClient, reference: Reference) -> None:
    criteria = {"location": "17q21", "locus_type": "gene with protein product"}
    expected = expected_ids(reference, criteria)
    assert 10 < len(expected) < len(expected_ids(reference, {"location": "17q21"}))
    assert ids(loaded_api, **criteria) == expected
    assert ids(loaded_api, **criteria, offset=3, limit=5) == expected[3:8]
    assert ids(loaded_api, symbol="brca1", location="17q21.31", entrez_id="672") == ["HGNC:1100"]
    assert ids(loaded_api, symbol="brca1", location="17q22") == []
    assert ids(loaded_api, locus_group="pseudogene", location="1p36.33") == expected_ids(
        reference, {"locus_group": "pseudogene", "location": "1p36.33"})


def test_an_unknown_parameter_stays_a_400(loaded_api: ApiClient) -> None:
    response = loaded_api.get("/genes", params={"entrez": "672"})
    assert "entrez" in assert_problem(response.status_code, response.headers, response.content, 400)["errors"]


# -- fields= --------------------------------------------------------------------------------


def test_fields_on_one_gene_give_its_id_and_those_fields(loaded_api: ApiClient, reference: Reference) -> None:
    response = loaded_api.get("/genes/HGNC:1100", params={"fields": "symbol,mane_select,ccds_id"})
    brca1 = reference["HGNC:1100"]
    assert response.json() == {"hgnc_id": "HGNC:1100", "symbol": brca1["symbol"], "mane_select": brca1["mane_select"]}
    assert list(response.json()) == ["hgnc_id", "symbol", "mane_select"]  # BRCA1 has no ccds_id: left out


def test_fields_on_a_lookup_give_one_object_per_gene_in_the_order_of_the_ids(
        loaded_api: ApiClient, reference: Reference) -> None:
    wanted = ["symbol", "entrez_id", "location"]
    found = loaded_api.get("/genes", params={"location": "17q21.31", "fields": ",".join(wanted)}).json()
    expected = expected_ids(reference, {"location": "17q21.31"})
    assert [gene["hgnc_id"] for gene in found] == expected
    assert found == [{"hgnc_id": i, **{f: reference[i][f] for f in wanted if f in reference[i]}} for i in expected]
    page = loaded_api.get("/genes", params={"fields": "name", "limit": 3, "offset": 10}).json()
    assert page == [{"hgnc_id": i, "name": reference[i]["name"]} for i in list(reference)[10:13]]


@pytest.mark.parametrize("path", ["/genes", "/genes/HGNC:5"])
def test_an_unknown_field_name_is_a_400_naming_it(loaded_api: ApiClient, path: str) -> None:
    response = loaded_api.get(path, params={"fields": "symbol,colour"})
    problem = assert_problem(response.status_code, response.headers, response.content, 400)
    assert "colour" in json.dumps(problem["errors"]["fields"])


# -- POST /genes/query ------------------------------------------------------------------------


def query(api: ApiClient, body: dict[str, Any]) -> requests.Response:
    return api.post("/genes/query", json=body)


def test_the_batch_of_the_issue_answers_one_entry_per_match_per_term(loaded_api: ApiClient, reference: Reference) -> None:
    body = {"q": ["BRCA1", "672", "P38398", "nosuch"], "scopes": ["symbol", "entrez_id", "uniprot_ids"],
            "fields": ["symbol", "name"]}
    brca1 = {"hgnc_id": "HGNC:1100", "symbol": "BRCA1", "name": reference["HGNC:1100"]["name"]}
    assert query(loaded_api, body).json() == [
        {"query": "BRCA1", **brca1}, {"query": "672", **brca1}, {"query": "P38398", **brca1},
        {"query": "nosuch", "notfound": True}]


def test_a_batch_of_1000_symbols_answers_as_the_file_says(loaded_api: ApiClient, reference: Reference) -> None:
    rows = list(reference.values())
    picked = random.Random(13).sample(rows, 990)
    terms = [random.Random(i).choice(names_of(record)) for i, record in enumerate(picked)] + [f"NOSUCH{i}" for i in range(10)]
    answers = query(loaded_api, {"q": terms, "fields": ["symbol"]}).json()
    expected = []
    for term in terms:
        found = ranked_by_name(reference, term)
        expected += [{"query": term, "hgnc_id": i, "symbol": reference[i]["symbol"]} for i in found] or [
            {"query": term, "notfound": True}]
    assert answers == expected


def test_scopes_default_to_hgnc_id_and_symbol_and_fields_to_the_whole_record(
        loaded_api: ApiClient, reference: Reference) -> None:
    answers = query(loaded_api, {"q": ["hgnc:5", "A1BG", "672"]}).json()
    assert answers == [{"query": "hgnc:5", **reference["HGNC:5"]}, {"query": "A1BG", **reference["HGNC:5"]},
                       {"query": "672", "notfound": True}]


@pytest.mark.parametrize("scope", LOOKUP_FIELDS)
def test_every_scope_finds_as_the_lookup_does(loaded_api: ApiClient, reference: Reference, scope: str) -> None:
    terms = sample_values(reference, scope, 3, seed=7) + ["nothing-like-it"]
    answers = query(loaded_api, {"q": terms, "scopes": [scope], "fields": ["symbol"]}).json()
    expected = []
    for term in terms:
        expected += [{"query": term, "hgnc_id": i, "symbol": reference[i]["symbol"]}
                     for i in expected_ids(reference, {scope: term})] or [{"query": term, "notfound": True}]
    assert answers == expected


@pytest.mark.parametrize(("body", "field"), [
    ({"q": ["x"] * 1001}, "q"),
    ({"q": []}, "q"),
    ({"q": ["BRCA1"], "scopes": ["colour"]}, "scopes"),
    ({"q": ["BRCA1"], "fields": ["colour"]}, "fields"),
    ({"q": ["BRCA1"], "extra": 1}, "extra"),
])
def test_a_bad_batch_is_a_400_saying_what_is_wrong(loaded_api: ApiClient, body: dict[str, Any], field: str) -> None:
    response = query(loaded_api, body)
    assert field in assert_problem(response.status_code, response.headers, response.content, 400)["errors"]


def test_more_than_1000_terms_is_a_400_saying_so(loaded_api: ApiClient) -> None:
    response = query(loaded_api, {"q": ["BRCA1"] * 1001})
    assert "1000" in json.dumps(response.json()["errors"]["q"])


# -- /info, ETags ---------------------------------------------------------------------------


def test_info_says_what_is_loaded(loaded_api: ApiClient, reference: Reference) -> None:
    info = loaded_api.get("/info").json()
    assert info["count"] == len(reference)
    assert info["last_modified"] == max(r["date_modified"] for r in reference.values() if "date_modified" in r)
    assert info["searchable_fields"] == ["symbol", *LOOKUP_FIELDS, "locus_group"]
    assert info["source"] and info["loaded_at"] and info["version"]


def test_etags_answer_304_until_a_new_set_is_loaded(loaded_api: ApiClient) -> None:
    paths = ["/genes/HGNC:5", "/genes?entrez_id=672", "/genes?limit=5", "/data", "/info"]
    tags = {}
    for path in paths:
        first = loaded_api.get(path)
        tags[path] = first.headers["ETag"]
        again = loaded_api.get(path, headers={"If-None-Match": tags[path]})
        assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", tags[path]), path
    assert loaded_api.post("/data").status_code == 201  # the same file: a new set all the same
    for path in paths:
        after = loaded_api.get(path, headers={"If-None-Match": tags[path]})
        assert after.status_code == 200 and after.headers["ETag"] != tags[path], path
        assert loaded_api.get(path, headers={"If-None-Match": after.headers["ETag"]}).status_code == 304


def test_each_format_of_data_has_its_own_etag(loaded_api: ApiClient) -> None:
    tags = {accept: loaded_api.get("/data", headers={"Accept": accept}, stream=True).headers["ETag"]
            for accept in ("application/json", "application/x-ndjson", "text/tab-separated-values")}
    assert len(set(tags.values())) == 3


# -- gzip -----------------------------------------------------------------------------------


def raw_body(api: ApiClient, path: str, **headers: str) -> tuple[requests.Response, bytes]:
    """The body as it came over the wire, not decoded by requests."""
    response = api.get(path, headers=headers, stream=True)
    return response, response.raw.read(decode_content=False)


@pytest.mark.parametrize("accept", ["application/json", "application/x-ndjson", "text/tab-separated-values"])
def test_data_comes_gzipped_and_streamed_and_decompresses_to_the_plain_answer(loaded_api: ApiClient, accept: str) -> None:
    zipped, compressed = raw_body(loaded_api, "/data", **{"Accept-Encoding": "gzip", "Accept": accept})
    plain, body = raw_body(loaded_api, "/data", **{"Accept-Encoding": "identity", "Accept": accept})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Length" not in zipped.headers
    assert "accept-encoding" in zipped.headers["Vary"].lower()
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(compressed) == body
    assert len(compressed) < len(body) / 3


def test_large_json_answers_are_gzipped_small_ones_are_not(loaded_api: ApiClient) -> None:
    large, compressed = raw_body(loaded_api, "/genes?locus_group=pseudogene", **{"Accept-Encoding": "gzip"})
    assert large.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(compressed)) == loaded_api.get(
        "/genes?locus_group=pseudogene", headers={"Accept-Encoding": "identity"}).json()
    small, _ = raw_body(loaded_api, "/genes/HGNC:5", **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


# -- TSV and NDJSON -------------------------------------------------------------------------


def test_tsv_export_has_the_official_columns_and_reads_back_as_the_file(
        loaded_api: ApiClient, reference: Reference, hgnc_data_path: Any) -> None:
    response = loaded_api.get("/data", headers={"Accept": "text/tab-separated-values"})
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    official_header, _ = read_tsv_rows(hgnc_data_path)
    reader = csv.DictReader(io.StringIO(response.text, newline=""), delimiter="\t")
    rows = list(reader)
    assert reader.fieldnames == official_header
    assert {row["hgnc_id"]: expected_record(row) for row in rows} == reference
    assert response.text.splitlines()[1].split("\t")[1] == reference[rows[0]["hgnc_id"]]["symbol"]


def test_ndjson_export_is_one_record_a_line(loaded_api: ApiClient, reference: Reference) -> None:
    response = loaded_api.get("/data", headers={"Accept": "application/x-ndjson"})
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    lines = response.text.splitlines()
    assert [json.loads(line) for line in lines] == list(reference.values())


def test_loading_our_own_tsv_export_gives_back_identical_records(loaded_api: ApiClient, reference: Reference) -> None:
    exported = loaded_api.get("/data", headers={"Accept": "text/tab-separated-values"}).content
    loaded = loaded_api.post("/data", data=exported, headers={"Content-Type": "text/tab-separated-values"})
    assert loaded.status_code == 201 and loaded.json()["count"] == len(reference)
    assert loaded_api.get("/data").json() == list(reference.values())
    assert loaded_api.get("/data", headers={"Accept": "text/tab-separated-values"}).content == exported

