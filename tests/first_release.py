"""A gene set as the first release (commit 021f1ac) left it in Redis, for the upgrade tests; and as
the last version before releases were held side by side left it.

That release wrote, per set, `records` (a hash of JSON records), `ids` (a list), `names`
(a hash), `summaries` and `meta` holding only `count`, `source` and `loaded_at`: none of the
`lookup:*` hashes the lookups read, no `format`, `fields` or `last_modified`.
"""
from __future__ import annotations

import redis

from adapters.redis_gene_keys import CURRENT_KEY, LIVE_RELEASE_KEY, RELEASES_KEY

FIRST_RELEASE_META = ("count", "source", "loaded_at")


def store_as_the_first_release(client: redis.Redis) -> str:
    """Turn the set loaded in `client` (database 0) into what the first release stored; its id."""
    set_id = store_as_before_releases(client)
    prefix = f"genes:{set_id}:"
    later = [key for key in client.scan_iter(match=f"{prefix}lookup:*")]
    assert later, "this version's load writes lookup hashes"
    client.delete(*later)
    meta = prefix + "meta"
    client.hdel(meta, *[field for field in client.hkeys(meta) if field.decode() not in FIRST_RELEASE_META])
    assert sorted(field.decode() for field in client.hkeys(meta)) == sorted(FIRST_RELEASE_META)
    return set_id


def store_as_before_releases(client: redis.Redis) -> str:
    """Turn the live set loaded in `client` (database 0) into the one set a version before releases
    stored: no `genes:releases` nor `genes:live_release`, no "release" in its meta; its id. The other
    releases held are forgotten (their keys are left to expire)."""
    set_id = client.get(CURRENT_KEY)
    assert set_id is not None, "load a set first"
    client.delete(RELEASES_KEY, LIVE_RELEASE_KEY)
    client.hdel(f"genes:{set_id.decode()}:meta", "release")
    return set_id.decode()
