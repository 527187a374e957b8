"""The Redis client of every adapter: a Redis that does not answer raises the domain's StoreUnavailable,
one that refuses the service's credentials StoreAccessDenied.

Translated here, once, for every command, pipeline and transaction, so that no adapter method can
forget it and nothing beyond the adapters needs to know redis-py's exceptions.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import hiredis
import redis
from redis.client import Pipeline
from redis.connection import HiredisRespSerializer
from redis.utils import HIREDIS_AVAILABLE

from genes.errors import StoreAccessDenied, StoreUnavailable

# "Try again later": a connection lost, refused or timed out, or a Redis still loading its data
# (redis-py's BusyLoadingError is a ConnectionError).
OUTAGES = (redis.ConnectionError, redis.TimeoutError)
# redis-py raises wrong credentials and a missing permission as ConnectionErrors too, and a command the
# user may not run (NOPERM) as a ResponseError, but waiting mends none of them: a configuration error.
ACCESS_DENIED = (redis.AuthenticationError, redis.exceptions.AuthorizationError, redis.exceptions.NoPermissionError)
UNAVAILABLE = "the data store is unavailable; retry shortly"

# Lua: now, in ms since the epoch, on Redis's own clock: the one its key expiries are measured by.
LUA_NOW_MS = """
local function now_ms()
  local now = redis.call('TIME')
  return now[1] * 1000 + math.floor(now[2] / 1000)
end
"""


@contextmanager
def outage_as_store_unavailable() -> Iterator[None]:
    """Raise StoreUnavailable, caused by the Redis error, for an outage; StoreAccessDenied for refused
    credentials or permissions; anything else unchanged."""
    try:
        yield
    except ACCESS_DENIED as error:
        raise StoreAccessDenied(_access_denied(error)) from error
    except OUTAGES as error:
        raise StoreUnavailable(UNAVAILABLE) from error


def _access_denied(error: redis.RedisError) -> str:
    """What Redis refused, for whoever runs the service; Redis's own words hold no secret."""
    if isinstance(error, redis.exceptions.NoPermissionError):
        return f"permission denied: {error}"  # "this user has no permissions to run the 'get' command"
    return "authentication failed: Redis refuses the service's user name or password"


class DirectHiredisPacker(HiredisRespSerializer):
    """redis-py's hiredis packer, minus its pass in Python over every argument (to turn a bytearray
    or memoryview into bytes) where no argument needs it: hiredis packs the rest in C alone.

    A load sends ~1 million arguments, the index entries; that pass was ~6% of its CPU (py-spy over
    `POST /data`). What hiredis refuses goes redis-py's own way, so the bytes sent and the errors
    raised are the same as without this.
    """

    def pack(self, *args: Any) -> list[bytes]:
        command = args[0]
        # A command of two words ("SCRIPT LOAD") is split into two arguments by redis-py's own way.
        if (" " if isinstance(command, str) else b" ") not in command:
            try:
                return [hiredis.pack_command(args)]
            except TypeError:
                pass  # a bytearray or memoryview, or a type Redis cannot take: redis-py converts or refuses it
        packed: list[bytes] = super().pack(*args)
        return packed


class StoreRedis(redis.Redis):
    """A redis.Redis whose commands, pipelines and transactions raise StoreUnavailable in an outage.

    The translation sits above redis-py's own retries: a command that one retry carries over a
    dropped connection succeeds as before. Its connections pack commands with DirectHiredisPacker.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if HIREDIS_AVAILABLE:  # the connections are made later, from these arguments
            self.connection_pool.connection_kwargs.setdefault("command_packer", DirectHiredisPacker())

    def execute_command(self, *args: Any, **options: Any) -> Any:
        with outage_as_store_unavailable():
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]  # unannotated in redis-py

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        return _StorePipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


class _StorePipeline(Pipeline):
    def execute_command(self, *args: Any, **options: Any) -> Any:
        # Queues the command, or runs it at once while WATCHing (the read of a compare-and-set).
        with outage_as_store_unavailable():
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        with outage_as_store_unavailable():
            return super().execute(raise_on_error)


@dataclass(frozen=True)
class ReplicaAcks:
    """How many replicas must hold a write before the service acknowledges it, and how long it waits for them.

    Redis's WAIT, sent on the connection that wrote, after the write: Redis replicates one ordered
    stream, so a replica holding that write holds every write before it, from any connection.
    """

    required: int = 0
    timeout_ms: int = 1000

    def wait_in(self, pipe: Pipeline) -> None:
        """Append WAIT to `pipe`, after its writes (a pipeline keeps one connection): see `confirmed`."""
        if self.required:
            pipe.execute_command("WAIT", self.required, self.timeout_ms)  # type: ignore[no-untyped-call]

    def confirmed(self, replies: list[Any]) -> bool:
        """Whether the pipeline's WAIT (its last reply) counted enough replicas."""
        return not self.required or int(replies[-1]) >= self.required


def as_bytes(reply: bytes | str) -> bytes:
    """A reply as the bytes it is: redis-py types replies as bytes or str, str only under
    `decode_responses`, which no client of this service sets."""
    return reply.encode() if isinstance(reply, str) else reply


def as_text(reply: bytes | str) -> str:
    """A reply of UTF-8 text (a key, an id, a set id) as str."""
    return reply.decode() if isinstance(reply, bytes) else reply
