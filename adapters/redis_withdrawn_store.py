"""HGNC's withdrawn entries in Redis (db 0), a set of their own beside the approved one, replaced whole.

`withdrawn:current` names the live set, as `genes:current` does the approved set's: the approved
routes never read these keys, so nothing they count or list changes. Reads answer from what each
API process holds, through a GeneCache watching its own key (so GENE_CACHE and outages apply alike).
"""
from __future__ import annotations

from typing import Iterable, Sequence

import orjson
import redis

from adapters.gene_cache import GeneCache
from adapters.gene_cache.live_set_watch import LiveSetWatch
from adapters.redis_client import as_text
from adapters.redis_gene_index import decode_ids
from adapters.redis_gene_keys import RETIRED_SET_GRACE_SECONDS, new_set_id
from adapters.redis_gene_load import encode_record
from genes.errors import InvalidGeneSource, StoreUnavailable
from genes.withdrawn import WithdrawnEntry

WITHDRAWN_CURRENT_KEY = "withdrawn:current"
WITHDRAWN_PARTS = ("records", "names")


def withdrawn_key(set_id: str, part: str) -> str:
    """records: id -> the entry as JSON; names: lower-case symbol -> ids, comma-joined in load order."""
    return f"withdrawn:{set_id}:{part}"


class RedisWithdrawnStore:
    def __init__(self, client: redis.Redis, enabled: bool = True) -> None:
        """`enabled`: GENE_CACHE; off, every read goes to Redis."""
        self._redis = client
        self._cache = GeneCache(client, enabled, watch=LiveSetWatch(client, key=WITHDRAWN_CURRENT_KEY))

    def replace_all(self, entries: Iterable[WithdrawnEntry], source: str) -> int:
        records: dict[str, bytes] = {}
        names: dict[str, str] = {}
        for entry in entries:  # a failing source raises before anything is written
            if entry.hgnc_id in records:
                raise InvalidGeneSource(f"{entry.hgnc_id} appears twice in the source")
            records[entry.hgnc_id] = encode_record(entry.record())
            key = entry.symbol.lower()
            names[key] = f"{names[key]},{entry.hgnc_id}" if key in names else entry.hgnc_id
        if not records:
            return 0
        set_id = new_set_id()
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(withdrawn_key(set_id, "records"), mapping=records)  # type: ignore[arg-type]  # bytes values
        pipe.hset(withdrawn_key(set_id, "names"), mapping=names)  # type: ignore[arg-type]
        pipe.execute()
        previous = self._redis.set(WITHDRAWN_CURRENT_KEY, set_id, get=True)
        if isinstance(previous, (bytes, str)):
            self._retire(as_text(previous))
        return len(records)

    def clear(self) -> bool:
        previous = self._redis.getdel(WITHDRAWN_CURRENT_KEY)
        if previous is None:
            return False
        self._retire(as_text(previous))
        return True

    def named(self, names: Sequence[str]) -> list[list[WithdrawnEntry]]:
        held = self._hashes()
        if held is None:
            return [[] for _ in names]
        records, by_name = held
        found = [decode_ids(by_name.get(name.encode())) for name in names]
        return [[WithdrawnEntry.from_record(orjson.loads(records[i.encode()])) for i in ids] for ids in found]

    def entry(self, hgnc_id: str) -> WithdrawnEntry | None:
        held = self._hashes()
        encoded = held[0].get(hgnc_id.encode()) if held is not None else None
        return WithdrawnEntry.from_record(orjson.loads(encoded)) if encoded is not None else None

    def entries(self) -> list[WithdrawnEntry]:
        held = self._hashes()
        if held is None:
            return []
        ordered = sorted(held[0].items(), key=lambda item: int(item[0].partition(b":")[2]))
        return [WithdrawnEntry.from_record(orjson.loads(text)) for _, text in ordered]

    def loaded_set_id(self) -> str | None:
        return self._set_id()

    def _set_id(self) -> str | None:
        """The live set's id: vouched for by the watch, else read (through an outage: the one held)."""
        through = self._cache.through_outage()
        if through is not None:
            return through
        try:
            return self._cache.read_set_id(self._redis, WITHDRAWN_CURRENT_KEY)
        except StoreUnavailable:
            held = self._cache.redis_lost()
            if held is None:
                raise
            return held

    def _hashes(self) -> tuple[dict[bytes, bytes], dict[bytes, bytes]] | None:
        """The live set's records and names, as this process holds them; None when none is loaded."""
        set_id = self._set_id()
        if set_id is None:
            return None
        keys = [withdrawn_key(set_id, part) for part in WITHDRAWN_PARTS]
        held = self._cache.hashes(set_id, keys)
        return held[keys[0]], held[keys[1]]

    def _retire(self, set_id: str) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for part in WITHDRAWN_PARTS:
            pipe.expire(withdrawn_key(set_id, part), RETIRED_SET_GRACE_SECONDS)
        pipe.execute()
