"""A gene set as the first release (commit 021f1ac) left it in Redis, for the upgrade tests.

That release wrote, per set, `records` (a hash of JSON records), `ids` (a list), `names`
(a hash), `summaries` and `meta` holding only `count`, `source` and `loaded_at`: none of the
`lookup:*` hashes the lookups read, no `format`, `fields` or `last_modified`.
"""
from __future__ import annotations

import redis

from adapters.redis_gene_keys import CURRENT_KEY

FIRST_RELEASE_META = ("count", "source", "loaded_at")


def store_as_the_first_release(client: redis.Redis) -> str:
    """Turn the set loaded in `client` (database 0) into what the first release stored; its id."""
    set_id = client.get(CURRENT_KEY)
    assert set_id is not None, "load a set first"
    prefix = f"genes:{set_id.decode()}:"
    later = [key for key in client.scan_iter(match=f"{prefix}lookup:*")]
    assert later, "this version's load writes lookup hashes"
    client.delete(*later)
    meta = prefix + "meta"
    client.hdel(meta, *[field for field in client.hkeys(meta) if field.decode() not in FIRST_RELEASE_META])
    assert sorted(field.decode() for field in client.hkeys(meta)) == sorted(FIRST_RELEASE_META)
    return set_id.decode()
