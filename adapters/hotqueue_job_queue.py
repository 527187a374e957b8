"""The job queue (db 1): a HotQueue of job ids, serialised as JSON, never pickle."""
from __future__ import annotations

import json
from typing import Callable

import redis
from hotqueue import HotQueue

QUEUE_NAME = "jobs"


class HotQueueJobQueue:
    def __init__(self, client: redis.Redis, name: str = QUEUE_NAME) -> None:
        # HotQueue builds its own client from keyword arguments; sharing our client's pool keeps
        # one configuration (and lets tests hand it fakeredis's pool).
        self._hotqueue = HotQueue(name, serializer=json, connection_pool=client.connection_pool)
        self._redis = client

    @property
    def key(self) -> str:
        return self._hotqueue.key

    def put(self, job_id: str) -> None:
        self._hotqueue.put(job_id)

    def return_to_front(self, job_id: str) -> None:
        """Put back an id taken but not run (a stopping worker), first in line."""
        self._redis.lpush(self.key, json.dumps(job_id))

    def __len__(self) -> int:
        return len(self._hotqueue)

    def work(self, handle: Callable[[str], object], idle_timeout: float = 1) -> None:
        """Hand each queued id to `handle` (HotQueue's `@worker`) until the queue stays empty for `idle_timeout` s."""

        @self._hotqueue.worker(timeout=idle_timeout)
        def consume(job_id: str) -> None:
            handle(job_id)

        consume()
