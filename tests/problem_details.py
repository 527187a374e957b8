"""The one shape of every error answer: RFC 9457 problem+json, without a trace of the code."""
from __future__ import annotations

import json
from typing import Any, Mapping

PROBLEM_JSON = "application/problem+json"
LEAKS = ("Traceback", 'File "', "site-packages")


def assert_problem(status_code: int, headers: Mapping[str, str], body: bytes | str, status: int) -> dict[str, Any]:
    """The problem document of an answer that must be an error of `status`."""
    text = body.decode() if isinstance(body, bytes) else body
    assert status_code == status, f"expected {status}, got {status_code}: {text[:500]}"
    assert headers.get("Content-Type", "").split(";")[0] == PROBLEM_JSON, headers.get("Content-Type")
    problem = json.loads(text)
    assert isinstance(problem, dict)
    assert problem["status"] == status
    assert isinstance(problem["type"], str) and problem["type"]
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    for leak in LEAKS:
        assert leak not in text, f"the answer leaks internals ({leak!r}): {text[:500]}"
    return problem
