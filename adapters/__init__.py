"""Adapters: the ports of `genes` implemented with Redis, HotQueue, HTTP and files."""
