"""`python -m tests.e2e.reliability.racer HOST PORT JOB_ID MAX_ATTEMPTS`: one JobRunner.run, on a signal.

It prints `ready` once the service is imported and built, runs the job when a line arrives on its
stdin, then prints the status the run ended the job in (`None` when it did not end it), so that a
test can release several processes at the same instant.
"""
from __future__ import annotations

import sys

from entrypoints.containers import Container


def main(host: str, port: str, job_id: str, max_attempts: str) -> None:
    container = Container()
    container.config.redis.host.from_value(host)
    container.config.redis.port.from_value(int(port))
    runner = container.job_runner(max_attempts=int(max_attempts))
    container.jobs_redis().ping()  # connected before the race starts
    print("ready", flush=True)
    sys.stdin.readline()
    ended = runner.run(job_id)
    print(ended.status.value if ended else None, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
