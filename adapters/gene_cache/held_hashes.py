"""Hashes of the live gene set held in an API process's memory: reads that need no round trip to Redis."""
from __future__ import annotations

import threading
from typing import Iterable

import redis

from adapters.redis_client import UNAVAILABLE
from genes.errors import StoreUnavailable


class HeldHashes:
    """Hashes of one set (its records, its indexes), each read whole on its first use, then
    answered from this process's memory: a set never changes once loaded, so what is held is
    exact for as long as it is live. Those of another set are dropped when one is asked for.

    The full set's records take ~36 MB of a process and ~120 ms to read; its indexes ~93 MB in all,
    the largest `names` (15 MB, 100,881 entries). A process holds only what its requests have used.
    """

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._lock = threading.Lock()  # one read of a hash, whichever thread asks first
        # Replaced whole, never changed in place: a reader without the lock sees one set's hashes.
        self._held: tuple[str | None, dict[str, dict[bytes, bytes]]] = (None, {})

    def hashes(self, set_id: str, keys: Iterable[str], read_missing: bool = True) -> dict[str, dict[bytes, bytes]]:
        """The hashes `keys` of `set_id`, whole; those not held yet are read now, in one round trip,
        or, without `read_missing` (Redis is down), StoreUnavailable raised at once."""
        keys = list(keys)
        held_set_id, held = self._held
        if held_set_id != set_id or not all(key in held for key in keys):
            if not read_missing:
                raise StoreUnavailable(UNAVAILABLE)
            with self._lock:
                held_set_id, held = self._held
                if held_set_id != set_id:
                    held = {}
                missing = [key for key in keys if key not in held]
                if missing:
                    pipe = self._redis.pipeline(transaction=False)
                    for key in missing:
                        pipe.hgetall(key)
                    held = {**held, **dict(zip(missing, pipe.execute()))}
                self._held = (set_id, held)
        return {key: held[key] for key in keys}

    def set_id(self) -> str | None:
        """The set whose hashes are held, if any is."""
        set_id, held = self._held
        return set_id if held else None

    def release(self) -> None:
        self._held = (None, {})
