"""ADMIN_TOKEN: the bearer token (RFC 6750) that the routes replacing or deleting the gene data require."""
from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any, Callable, TypeVar

from flask import Flask, Response, current_app, request

from entrypoints.problems import problem

REALM = "hgnc"
SECURITY_SCHEME = "adminToken"  # its name in the OpenAPI document
_EXTENSION_KEY = "admin_token_digest"
_REQUIRED_ATTRIBUTE = "requires_admin_token"

View = TypeVar("View", bound=Callable[..., Any])


def configure(app: Flask, token: str) -> None:
    """Guard the `admin_only` views of `app` with `token`; an empty token leaves them open."""
    # Only a digest is kept: compared digest to digest, neither the token's content nor its length
    # shows in the time a comparison takes.
    app.extensions[_EXTENSION_KEY] = _digest(token) if token else None


def is_configured(app: Flask) -> bool:
    return app.extensions.get(_EXTENSION_KEY) is not None


def admin_only(view: View) -> View:
    """Refuse the request with 401 unless it carries the admin token, before the view reads anything.

    The body is not read: a refused 100 MB upload costs no parsing, and the client gets its 401
    while it is still sending (the server discards the rest of the body after answering).
    """

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        refusal = _refusal(current_app.extensions.get(_EXTENSION_KEY))
        return refusal if refusal is not None else view(*args, **kwargs)

    setattr(guarded, _REQUIRED_ATTRIBUTE, True)
    return guarded  # type: ignore[return-value]


def requires_admin_token(view: Callable[..., Any]) -> bool:
    """Whether `view` is guarded by `admin_only` (the OpenAPI document declares the scheme on it)."""
    return bool(getattr(view, _REQUIRED_ATTRIBUTE, False))


def _refusal(expected_digest: bytes | None) -> Response | None:
    if expected_digest is None:
        return None
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":  # no credentials of ours at all: RFC 6750 names no error then
        return _unauthorized("this route changes the gene data: send the admin token as "
                             "`Authorization: Bearer <ADMIN_TOKEN>`", "admin-token-required", "")
    if not hmac.compare_digest(_digest(token.strip()), expected_digest):
        return _unauthorized("the bearer token is not the admin token", "invalid-admin-token",
                             ', error="invalid_token"')
    return None


def _unauthorized(detail: str, slug: str, error: str) -> Response:
    response = problem(401, detail, slug)
    response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"{error}'
    return response


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
