"""Job results in Redis (db 3): the results JSON and the plot PNG of each job, written together."""
from __future__ import annotations

import json
from typing import Any

import redis


def results_key(job_id: str) -> str:
    return f"results:{job_id}"


def plot_key(job_id: str) -> str:
    return f"results:{job_id}:plot"


class RedisResultRepository:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def save(self, job_id: str, results: dict[str, Any], plot_png: bytes) -> None:
        pipe = self._redis.pipeline(transaction=True)  # SET overwrites: a re-run never duplicates
        pipe.set(results_key(job_id), json.dumps(results, separators=(",", ":")))
        pipe.set(plot_key(job_id), plot_png)
        pipe.execute()

    def get(self, job_id: str) -> dict[str, Any] | None:
        encoded = self._redis.get(results_key(job_id))
        return json.loads(encoded) if encoded is not None else None

    def plot(self, job_id: str) -> bytes | None:
        return self._redis.get(plot_key(job_id))
