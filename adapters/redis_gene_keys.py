"""Where the gene sets live in Redis (db 0): each set, by its id, and the keys of each.

`genes:current` names the live set's id; every other key of a set carries its id, so
a load writes a whole new set beside the old one and one SET makes it live. Readers resolve the
set id once per request, so they never see a half-loaded or mixed set; the replaced set
expires after a grace period, long enough for an export already streaming from it to finish.
"""
from __future__ import annotations

import secrets
import time

import redis

from adapters.redis_client import as_text
from genes.lookup import LOOKUP_FIELDS

CURRENT_KEY = "genes:current"  # the live release's set id, what readers of the live set resolve
# Release date (YYYY-MM-DD) -> the id of the set holding it; each set's meta also has its "release".
RELEASES_KEY = "genes:releases"
# The release chosen live by PUT /releases/live; absent: the newest held release is live.
LIVE_RELEASE_KEY = "genes:live_release"
# The layout a load writes, in its meta's "format". Sets stored before it was recorded (the first
# release) have no lookup:* hashes and no "fields" or "last_modified" in their meta.
SET_FORMAT = "2"
RETIRED_SET_GRACE_SECONDS = 600
SET_PARTS = ("records", "ids", "names", "summaries", "meta", *(f"lookup:{field}" for field in LOOKUP_FIELDS))


def set_key(set_id: str, part: str) -> str:
    """The key of one part of a set: records (hash), ids (list), names (hash), ..."""
    return f"genes:{set_id}:{part}"


def lookup_key(set_id: str, field: str) -> str:
    """The hash of one lookup field: each of its terms (canonical) to its ids, comma-joined."""
    return set_key(set_id, f"lookup:{field}")


def set_keys(set_id: str) -> list[str]:
    return [set_key(set_id, part) for part in SET_PARTS]


def new_set_id() -> str:
    """A name no other load takes: the time, for people reading the keys, and a random part."""
    return f"{int(time.time())}-{secrets.token_hex(4)}"


def current_set_id(client: redis.Redis) -> str | None:
    current = client.get(CURRENT_KEY)
    return as_text(current) if current is not None else None


def retire(client: redis.Redis, set_id: str) -> None:
    """Let a set that is no longer live expire after the grace period."""
    pipe = client.pipeline(transaction=False)
    for key in set_keys(set_id):
        pipe.expire(key, RETIRED_SET_GRACE_SECONDS)
    pipe.execute()
