"""A Redis that refuses the service's login is a configuration error: 503 "authentication failed", not an outage to retry."""
from __future__ import annotations

from typing import Any, Callable, NoReturn

import pytest
import redis
from flask import Flask

from entrypoints.api import create_app
from entrypoints.containers import Container
from genes.errors import StoreAccessDenied
from tests.problem_details import assert_problem

REFUSAL = "authentication failed: Redis refuses the service's user name or password"


class RefusingConnection(redis.Connection):
    def connect(self) -> None:
        raise redis.AuthenticationError("invalid username-password pair or user is disabled.")


class RefusingRedis:
    """Every command refused, as StoreRedis reports a wrong password; so is a connection of its pool's."""

    connection_pool = redis.ConnectionPool(connection_class=RefusingConnection)

    def __getattr__(self, command: str) -> Callable[..., NoReturn]:
        def refuse(*args: Any, **kwargs: Any) -> NoReturn:
            raise StoreAccessDenied(REFUSAL)
        return refuse


@pytest.fixture
def refused_app(container: Container) -> Flask:
    container.genes_redis.override(RefusingRedis())
    return create_app(container)


@pytest.mark.parametrize("path", ["/health", "/genes", "/genes/HGNC:5", "/data"])
def test_every_route_answers_503_authentication_failed(refused_app: Flask, path: str) -> None:
    response = refused_app.test_client().get(path)
    problem = assert_problem(response.status_code, response.headers, response.get_data(), 503)
    assert problem["type"] == "/problems/store-access-denied"
    assert problem["detail"] == REFUSAL
