"""The live gene set's id, known in this process without a read of `genes:current` per request.

Redis says when the key changes: the watch's own connection turns on client-side caching's
tracking for it in broadcasting mode (`CLIENT TRACKING ON BCAST PREFIX genes:current`), the
notices redirected to that same connection (pub/sub messages of `__redis__:invalidate`, pushed
in RESP3). Nothing else is ever sent on it, so whatever arrives there is a notice. A set id
read from Redis stays known until a notice, the loss of that connection, or RECHECK_SECONDS,
should a notice be lost on a connection that died without a word (a dropped NAT entry, say).

Redis writes a notice before it reads the writer's next command. So a process that changes the
key sees the notice before its change returns: a load and a clear both retire the old set after
the change, one round trip more. Any other process is told within a round trip of the change.

redis-py's own client-side cache does the same, but only against Redis 7.4 or newer; tracking
itself dates from 6.0. Where it is refused (a user without the grants, a server without the
command), the watch knows nothing and every read asks Redis, as it did before.

Through an outage the watch keeps the id it learned last (`last_learned`): a lost connection says
nothing of the key, a notice does. Nobody can change the key while Redis is down; what changed it
before is in the notices read off the socket before its end.
"""
from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
from typing import Any, Protocol, cast

import redis

from adapters.redis_gene_keys import CURRENT_KEY

log = logging.getLogger(__name__)

INVALIDATIONS = "__redis__:invalidate"  # the channel of redirected notices
RECHECK_SECONDS = 1.0
RETRY_SECONDS = 5.0  # after a failed attempt to listen: the requests in between ask Redis


class _Connection(Protocol):
    """What the watch uses of a redis-py connection (untyped there)."""

    def connect(self) -> None: ...
    def send_command(self, *args: Any) -> None: ...
    def read_response(self, *, push_request: bool = False) -> Any: ...
    def can_read(self, timeout: float = 0) -> bool: ...
    def disconnect(self) -> None: ...


class LiveSetWatch:
    """What `genes:current` holds, as last read, for as long as Redis has not said it changed."""

    def __init__(self, client: redis.Redis, key: str = CURRENT_KEY, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._pool = client.connection_pool
        self._key = key
        self._recheck_seconds = recheck_seconds
        self._lock = threading.Lock()  # the threads of a server process share the watch
        self._pid = os.getpid()
        self._connection: _Connection | None = None
        self._socket: socket.socket | None = None  # the connection's, polled by `live_set_id` without the lock
        self._notices = 0  # notices and lost connections so far: a read made before one may be stale
        self._vouched: tuple[str, float] | None = None  # the live set's id as read, and when (monotonic)
        self._learned: str | None = None  # the id read last, until a notice (not a lost connection) ends it
        self._next_attempt = 0.0
        self._refused = False

    def live_set_id(self) -> str | None:
        """The live set's id; None when the watch cannot vouch for one: read it from Redis, then
        `learn` what was read.

        Without the lock while no notice waits (a request's usual case): one poll of the socket, then
        what is vouched for. In that order: a notice taken off the socket meanwhile, by a thread
        holding the lock, was preceded by the end of what it vouched for (`_listening`).
        """
        if self._socket is not None and self._pid == os.getpid() and not _readable(self._socket):
            vouched = self._vouched
            if vouched is not None and time.monotonic() - vouched[1] < self._recheck_seconds:
                return vouched[0]
        with self._lock:
            vouched = self._vouched if self._listening() else None
            if vouched is not None and time.monotonic() - vouched[1] < self._recheck_seconds:
                return vouched[0]
            return None

    def mark(self) -> int | None:
        """Taken just before reading the key, for `learn`: None when the watch is not listening."""
        with self._lock:
            return self._notices if self._listening() else None

    def learn(self, set_id: str | None, mark: int | None) -> None:
        """What a read begun at `mark` found (None: no set live): known from now on, unless a notice
        came in between."""
        with self._lock:
            if set_id is not None and mark is not None and self._listening() and self._notices == mark:
                self._vouched = (set_id, time.monotonic())
                self._learned = set_id
            else:
                self._learned = None

    def last_learned(self) -> str | None:
        """The id learned last while listening, if no notice came since: the live set's while Redis
        cannot be asked. Takes the notices still on the socket first, never connects."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._take_notices(self._connection)
            return self._learned if self._pid == os.getpid() else None

    def close(self) -> None:
        """Stop listening: its connection is closed, and nothing is vouched for any more."""
        with self._lock:
            connection, self._connection, self._socket = self._connection, None, None
            self._changed()
            self._learned = None
            self._refused = True  # for good: a closed watch never listens again
        if connection is not None and self._pid == os.getpid():
            connection.disconnect()

    def listen_now(self) -> None:
        """Let the next read try to listen again at once (Redis may be back), not after RETRY_SECONDS."""
        self._next_attempt = 0.0

    def _listening(self) -> bool:
        """Whether notices reach this process, once those waiting have been taken."""
        if self._pid != os.getpid():  # a forked child: the parent's connection is not its own
            self._pid, self._connection, self._socket, self._vouched = os.getpid(), None, None, None
            self._learned = None
        connection = self._connection or self._listen()
        return connection is not None and self._take_notices(connection)

    def _take_notices(self, connection: _Connection) -> bool:
        """Take the notices waiting on the connection; False when it turns out lost."""
        try:
            while connection.can_read(timeout=0):
                self._changed()  # before the notice leaves the socket: see `live_set_id`
                connection.read_response(push_request=True)
                self._learned = None  # a notice: the key changed
        except (redis.RedisError, OSError):
            self._changed()
            self._connection = self._socket = None
            connection.disconnect()
            return False
        return True

    def _listen(self) -> _Connection | None:
        if self._refused or time.monotonic() < self._next_attempt:
            return None
        # A connection of its own, outside the pool, as the pool's own are made: same login, TLS, db.
        connection = cast(_Connection, self._pool.connection_class(**self._pool.connection_kwargs))
        try:
            connection.connect()
            connection.send_command("CLIENT", "ID")
            own_id = connection.read_response()
            connection.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", own_id, "BCAST", "PREFIX", self._key)
            connection.read_response()
            connection.send_command("SUBSCRIBE", INVALIDATIONS)
            connection.read_response(push_request=True)
        except redis.ResponseError as error:  # NOPERM, or a server without tracking: waiting mends neither
            connection.disconnect()
            self._refused = True
            log.warning("Gene lookups read the live set's set_id from Redis on every request: "
                        "Redis does not notify its changes (%s)", error)
            return None
        except (redis.RedisError, OSError):
            connection.disconnect()
            self._next_attempt = time.monotonic() + RETRY_SECONDS
            return None
        self._changed()  # whatever was known before may have changed while nobody listened
        self._learned = None
        self._connection = connection
        self._socket = getattr(connection, "_sock", None)  # redis-py has no public accessor; None: always lock
        return connection

    def _changed(self) -> None:
        self._vouched = None
        self._notices += 1


def _readable(sock: socket.socket) -> bool:
    """Whether anything waits on the socket: a notice, or its end; a closed socket counts as readable.

    select, not poll: it asks the socket object for its descriptor each time, so a socket closed
    meanwhile by a thread holding the lock fails here (-1) instead of polling a reused number.
    """
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):  # closed meanwhile; or a descriptor past select's 1024: the locked way
        return True
