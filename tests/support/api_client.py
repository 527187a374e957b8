"""The service's HTTP API as tests and benchmarks call it: a base URL and a requests session."""
from __future__ import annotations

from typing import Any

import requests

DEFAULT_TIMEOUT_SECONDS = 60.0


class ApiClient:
    """`api.get("/genes", params=...)`: the path is joined to `url`; every request has a timeout.

    `resend_dropped`: a request that met a keep-alive connection the server had just closed is sent
    once more and noted in `resent`. gunicorn's gthread worker closes an idle connection now and
    then just as the client reuses it (benoitc/gunicorn#2676); a real client retries that.
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, resend_dropped: bool = False) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.resend_dropped = resend_dropped
        self.http = requests.Session()
        self.resent: list[str] = []

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            return self.http.request(method, self.url + path, **kwargs)
        except requests.ConnectionError as error:
            dropped = "RemoteDisconnected" in repr(error) or "ConnectionResetError" in repr(error)
            if not (self.resend_dropped and dropped):
                raise
            self.resent.append(f"{method} {path}: {error}")
            return self.http.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def is_healthy(self) -> bool:
        """GET /health answers 200 (a refused connection is an exception: `eventually` retries it)."""
        return self.get("/health", timeout=2).status_code == 200

    def close(self) -> None:
        self.http.close()
