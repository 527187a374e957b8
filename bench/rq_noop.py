"""RQ's trivial job for bench_queue: RQ refuses functions of `__main__`, so it lives in a module of its own."""


def noop() -> None:
    """Does nothing: what is timed is the queue's and the worker's own work."""
