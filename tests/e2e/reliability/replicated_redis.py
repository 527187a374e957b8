"""A replicated Redis on loopback: a primary, its replicas and the sentinels watching them, each killable."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import redis

from tests.support import ServiceProcess, free_port

MASTER_NAME = "genes-primary"
# Quick enough for a test: the primary counts as down after 1 s of silence, as it would after 5 s
# in docker-compose.yml's sentinels.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000


class Node:
    """One redis-server (data node or sentinel) on a free loopback port."""

    def __init__(self, name: str, args: list[str], directory: Path, port: int) -> None:
        self.name = name
        self.port = port
        directory.mkdir(parents=True, exist_ok=True)
        self.process = ServiceProcess(name, args, os.environ, directory / "redis.log", cwd=directory)
        self.client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=5,
                                  decode_responses=True)
        self.process.wait_until(self.client.ping)

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def kill(self) -> None:
        """SIGKILL: no final write, no goodbye to the replicas; as when its machine is lost."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.process.wait(10)

    def stop(self) -> None:
        self.client.close()
        self.process.stop()


class ReplicatedRedis:
    """A primary, `replicas` replicas of it and `sentinels` sentinels, all started and in agreement."""

    def __init__(self, binary: str, directory: Path, replicas: int = 2, sentinels: int = 3) -> None:
        self.nodes: list[Node] = []
        self.sentinels: list[Node] = []
        try:
            primary = self._data_node(binary, directory / "redis-0", [])
            for number in range(1, replicas + 1):
                self._data_node(binary, directory / f"redis-{number}", ["--replicaof", "127.0.0.1", str(primary.port)])
            for number in range(sentinels):
                self.sentinels.append(self._sentinel(binary, directory / f"sentinel-{number}", primary.port))
            self._wait_for_agreement(replicas, sentinels)
        except BaseException:
            self.stop()
            raise

    @property
    def sentinel_addresses(self) -> str:
        """REDIS_SENTINELS for the service."""
        return ",".join(f"127.0.0.1:{node.port}" for node in self.sentinels)

    def env(self) -> dict[str, str]:
        return {"REDIS_SENTINELS": self.sentinel_addresses, "REDIS_SENTINEL_MASTER": MASTER_NAME}

    def primary_port(self) -> int | None:
        """The primary's port as the first sentinel that answers names it."""
        for sentinel in self.sentinels:
            try:
                found = sentinel.client.sentinel_get_master_addr_by_name(MASTER_NAME)
            except redis.RedisError:
                continue
            return int(found[1]) if found else None
        return None

    def node(self, port: int) -> Node:
        [found] = [node for node in self.nodes if node.port == port]
        return found

    def primary(self) -> Node:
        port = self.primary_port()
        assert port is not None, "no sentinel names a primary"
        return self.node(port)

    def live_replicas(self) -> list[Node]:
        """The data nodes alive that are not the primary."""
        primary = self.primary_port()
        return [node for node in self.nodes if node.port != primary and node.process.is_running()]

    def stop(self) -> None:
        for node in [*self.sentinels, *self.nodes]:
            node.stop()

    def _data_node(self, binary: str, directory: Path, extra: list[str]) -> Node:
        port = free_port()
        # Diskless sync at once: a replica (re)joining is in sync within milliseconds, not after 5 s.
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(directory), "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
                "--daemonize", "no", *extra]
        node = Node(f"redis :{port}", args, directory, port)
        self.nodes.append(node)
        return node

    def _sentinel(self, binary: str, directory: Path, primary_port: int) -> Node:
        port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / "sentinel.conf"  # a sentinel rewrites its file with what it learns
        config.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary_port} 2\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {MASTER_NAME} 2\n")
        return Node(f"sentinel :{port}", [binary, str(config), "--sentinel"], directory, port)

    def _wait_for_agreement(self, replicas: int, sentinels: int, timeout: float = 30) -> None:
        """Until every sentinel knows every replica (in sync) and the other sentinels: ready to fail over."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._agrees(sentinel, replicas, sentinels) for sentinel in self.sentinels):
                return
            time.sleep(0.2)
        raise AssertionError(f"the sentinels did not agree on the primary, {replicas} replicas and each other "
                             f"within {timeout} s")

    @staticmethod
    def _agrees(sentinel: Node, replicas: int, sentinels: int) -> bool:
        master = sentinel.client.sentinel_master(MASTER_NAME)
        known = sentinel.client.sentinel_slaves(MASTER_NAME)
        in_sync = [each for each in known if each.get("master-link-status") == "ok" and not each.get("is_sdown")]
        return int(master.get("num-other-sentinels", 0)) == sentinels - 1 and len(in_sync) == replicas
