"""POST /data fuzzed with any bytes and with HGNC-shaped sets of any values: refused unchanged, or loaded and served."""
from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

from hypothesis import HealthCheck, given, seed, settings, strategies as st
from schemathesis import Case
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.e2e.fuzz.contract import HUNT_SEED, WatchedApi, api_schema, with_admin_token

UPLOADS_OF_ANY_VALUES = 100
# Some real columns (text, list, integer, lsdb's pairs, Solr's bookkeeping) and a made-up one.
COLUMNS = ("hgnc_id", "symbol", "name", "locus_group", "locus_type", "location", "date_approved_reserved",
           "prev_symbol", "alias_symbol", "gene_group_id", "pubmed_id", "lsdb", "orphanet", "_version_", "extra")
LIST_COLUMNS = {"prev_symbol", "alias_symbol", "gene_group_id", "pubmed_id", "lsdb"}
INTEGER_COLUMNS = {"gene_group_id", "pubmed_id", "orphanet"}


@api_schema.include(path="/data", method="POST").parametrize()
def test_an_upload_that_is_not_an_hgnc_set_is_refused_and_leaves_the_data(case: Case, watched_api: WatchedApi) -> None:
    # Any bytes fit the document's `format: binary`, so "valid data is accepted" does not hold here:
    # only an empty body (a reload from HGNC_SOURCE, the same sample set) may load anything.
    response = watched_api.call(case, excluded_checks=[positive_data_acceptance])
    if response.status_code == 201:
        assert case.body is NOT_SET or not case.body, f"a random upload was loaded:\n{case.as_curl_command()}"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=6)


def plausible(column: str) -> st.SearchStrategy[Any]:
    """A value of the shape the column has in HGNC's JSON."""
    if column == "hgnc_id":
        return st.sampled_from(["HGNC:5", "HGNC:37133", "HGNC:1"])
    one = st.integers(0, 10**6) if column in INTEGER_COLUMNS else st.text(min_size=1, max_size=8)
    return st.lists(one, min_size=1, max_size=3) if column in LIST_COLUMNS else one


def mostly_plausible(column: str) -> st.SearchStrategy[Any]:
    return st.one_of(plausible(column), plausible(column), plausible(column), json_values)


def tsv_cell(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(map(str, value))
    return value if isinstance(value, str) else json.dumps(value)


def tsv(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text, delimiter="\t", lineterminator="\n").writerows([header, *rows])
    return text.getvalue().encode()


def tsv_rows(header: list[str]) -> st.SearchStrategy[list[list[str]]]:
    whole = st.tuples(*(mostly_plausible(column).map(tsv_cell) for column in header)).map(list)
    ragged = st.lists(st.text(max_size=8), max_size=len(header) + 1)
    return st.lists(st.one_of(whole, whole, whole, ragged), max_size=4)


records = st.fixed_dictionaries({column: mostly_plausible(column) for column in COLUMNS[:2]},
                                optional={column: mostly_plausible(column) for column in COLUMNS[2:]})
json_uploads = (st.lists(records, max_size=4).map(lambda docs: {"response": {"docs": docs}})
                | st.lists(records, max_size=3) | json_values).map(lambda document: json.dumps(document).encode())
headers = st.one_of(st.lists(st.sampled_from(COLUMNS[2:]), unique=True).map(lambda rest: ["hgnc_id", "symbol", *rest]),
                    st.lists(st.sampled_from(COLUMNS), min_size=1, unique=True))
tsv_uploads = headers.flatmap(lambda header: st.builds(tsv, st.just(header), tsv_rows(header)))
hgnc_shaped_uploads = (json_uploads | tsv_uploads).flatmap(lambda body: st.sampled_from([body, gzip.compress(body)]))


@given(upload=hgnc_shaped_uploads)
@seed(HUNT_SEED or 0)  # used only on a hunt: derandomized otherwise
@settings(max_examples=UPLOADS_OF_ANY_VALUES, derandomize=HUNT_SEED is None, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
def test_an_hgnc_shaped_upload_of_any_values_is_refused_or_loaded_and_then_served(
        upload: bytes, watched_api: WatchedApi) -> None:
    """Random bytes rarely look like a gene set: these do, with any JSON or text in their fields."""
    load = with_admin_token(api_schema["/data"]["POST"].Case(body=upload, media_type="application/octet-stream"))
    if watched_api.call(load, excluded_checks=[positive_data_acceptance]).status_code != 201:
        return
    try:  # whatever loads is served within the contract
        for path, query in (("/genes", {}), ("/genes", {"symbol": "a1bg", "locus_group": "other"}), ("/data", {})):
            watched_api.call(api_schema[path]["GET"].Case(query=query))
        for hgnc_id in watched_api.api.get("/genes").json():
            watched_api.call(api_schema["/genes/{hgnc_id}"]["GET"].Case(path_parameters={"hgnc_id": hgnc_id}))
    finally:
        reload = api_schema["/data"]["POST"].Case(media_type="application/octet-stream")  # the sample again
        assert watched_api.call(with_admin_token(reload)).status_code == 201
