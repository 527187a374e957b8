"""HGNC's withdrawn entries in Redis (db 0), a set of their own beside the approved one, replaced whole.

`withdrawn:current` names the live generation, as `genes:current` does the approved set's: the
approved routes never read these keys, so nothing they count or list changes. Reads answer from
the hashes each API process holds (HeldHashes), vouched for by a GenerationWatch of its own key.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import orjson
import redis

from adapters.redis_client import as_text
from adapters.redis_gene_index import decode_ids
from adapters.redis_gene_keys import RETIRED_SET_GRACE_SECONDS, new_generation
from adapters.redis_gene_load import encode_record
from adapters.redis_generation_watch import GenerationWatch
from adapters.redis_held_hashes import HeldHashes
from genes.errors import InvalidGeneSource
from genes.withdrawn import WithdrawnEntry

WITHDRAWN_CURRENT_KEY = "withdrawn:current"
WITHDRAWN_PARTS = ("records", "names")


def withdrawn_key(generation: str, part: str) -> str:
    """records: id -> the entry as JSON; names: lower-case symbol -> ids, comma-joined in load order."""
    return f"withdrawn:{generation}:{part}"


class RedisWithdrawnStore:
    def __init__(self, client: redis.Redis, watch: GenerationWatch | None = None) -> None:
        self._redis = client
        self._watch = watch or GenerationWatch(client, key=WITHDRAWN_CURRENT_KEY)
        self._held = HeldHashes(client)

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
        generation = new_generation()
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(withdrawn_key(generation, "records"), mapping=records)  # type: ignore[arg-type]  # bytes values
        pipe.hset(withdrawn_key(generation, "names"), mapping=names)  # type: ignore[arg-type]
        pipe.execute()
        previous = self._redis.set(WITHDRAWN_CURRENT_KEY, generation, get=True)
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

    def loaded_set(self) -> str | None:
        return self._generation()

    def _generation(self) -> str | None:
        generation = self._watch.generation()
        if generation is None:
            mark = self._watch.mark()
            current = self._redis.get(WITHDRAWN_CURRENT_KEY)
            if current is None:
                self._held.release()
                return None
            generation = as_text(current)
            self._watch.learn(generation, mark)
        return generation

    def _hashes(self) -> tuple[dict[bytes, bytes], dict[bytes, bytes]] | None:
        """The live generation's records and names, as this process holds them; None when none is loaded."""
        generation = self._generation()
        if generation is None:
            return None
        keys = [withdrawn_key(generation, part) for part in WITHDRAWN_PARTS]
        held = self._held.hashes(generation, keys)
        return held[keys[0]], held[keys[1]]

    def _retire(self, generation: str) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for part in WITHDRAWN_PARTS:
            pipe.expire(withdrawn_key(generation, part), RETIRED_SET_GRACE_SECONDS)
        pipe.execute()
