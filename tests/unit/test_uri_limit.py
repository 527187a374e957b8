"""An over-long URI: refused by the app with 414 problem+json, as documented, on any route; up to the limit, served."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from entrypoints.uri_limit import MAX_URI_BYTES
from tests.problem_details import assert_problem


def uri_of_length(length: int, prefix: str = "/genes/") -> str:
    return prefix + "x" * (length - len(prefix))


def test_a_uri_of_the_longest_length_reaches_its_route(client: FlaskClient) -> None:
    response = client.get(uri_of_length(MAX_URI_BYTES))
    assert_problem(response.status_code, response.headers, response.get_data(), 400)  # not an hgnc_id


@pytest.mark.parametrize("prefix", ["/genes/", "/genes?symbol=", "/no/such/route/", "/jobs?status="])
def test_a_uri_one_byte_longer_is_a_414_problem_on_any_route(client: FlaskClient, prefix: str) -> None:
    response = client.get(uri_of_length(MAX_URI_BYTES + 1, prefix))
    problem = assert_problem(response.status_code, response.headers, response.get_data(), 414)
    assert problem["type"].endswith("uri-too-long") and str(MAX_URI_BYTES) in problem["detail"]


def test_the_length_is_counted_as_sent_percent_encoding_included(client: FlaskClient) -> None:
    encoded = "/genes?symbol=" + "%C3%A9" * (MAX_URI_BYTES // 6)  # é, 6 bytes sent for each of its characters
    assert len(encoded) > MAX_URI_BYTES
    response = client.get(encoded)
    assert_problem(response.status_code, response.headers, response.get_data(), 414)
