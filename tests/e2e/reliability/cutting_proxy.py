"""A TCP proxy in front of Redis that can cut a connection at the worst moment: as an answer goes by."""
from __future__ import annotations

import socket
import threading


class CuttingProxy:
    """Forwards every connection to Redis; once armed, it drops the first answer that contains `needle`
    and cuts that connection, as a network failure would after Redis has run the command. Armed for
    requests, it drops the request instead: Redis never sees the command."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self._listener.getsockname()
        self._needle: bytes | None = None
        self._in_answers = True
        self._times = 0
        self._lock = threading.Lock()
        self.cuts = 0
        self._severed = False
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="proxy", daemon=True).start()

    def cut_the_answer_containing(self, needle: bytes, times: int = 1) -> None:
        self._arm(needle, True, times)

    def cut_the_request_containing(self, needle: bytes, times: int = 1) -> None:
        self._arm(needle, False, times)

    def _arm(self, needle: bytes, in_answers: bool, times: int) -> None:
        with self._lock:
            self._needle, self._in_answers, self._times = needle, in_answers, times

    def sever(self) -> None:
        """A partition: every connection through the proxy cut now, and each new one as it comes, until `mend`."""
        with self._lock:
            self._severed = True
            open_now = list(self._open)
        for end in open_now:
            _close(end)

    def mend(self) -> None:
        with self._lock:
            self._severed = False

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
                if self._severed:
                    _close(client)
                    continue
                upstream = socket.create_connection(self._target)
            except OSError:
                return
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        try:
            while data := source.recv(65536):
                if self._cut(data, answers):
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            _close(end)
            with self._lock:
                self._open.discard(end)

    def _cut(self, data: bytes, answers: bool) -> bool:
        with self._lock:
            if self._needle is None or answers is not self._in_answers or self._needle not in data:
                return False
            self._times -= 1
            if not self._times:
                self._needle = None
            self.cuts += 1
            return True


def _close(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    end.close()
