"""The loader: `python -m entrypoints.load [PATH_OR_URL]` loads a release into Redis, as `POST /data` does;
`--latest`, HGNC's current complete set (the monthly refresh)."""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
from datetime import date
from typing import Sequence

import redis

from entrypoints.containers import Container, build_container
from entrypoints.log_config import configure_logging
from entrypoints.schemas.genes import ReleaseLoadedSchema
from entrypoints.settings import ConfigurationError, Settings
from genes.errors import DomainError, InvalidGeneSource, InvalidRelease, StoreAccessDenied, StoreUnavailable
from genes.releases import parse_release

# Exit codes (sysexits.h): a Kubernetes Job retries an unavailable source or store (Redis may not be
# up yet), and gives up at once on data or settings that no retry will mend.
EXIT_INVALID_SOURCE = os.EX_DATAERR  # 65
EXIT_UNAVAILABLE = os.EX_UNAVAILABLE  # 69
EXIT_CONFIGURATION = os.EX_CONFIG  # 78


def load(container: Container, location: str | None = None, release: date | None = None) -> int:
    """Load from `location` (else HGNC_SOURCE) as `release` (else as its name or content dates it), print
    the summary on stdout; the exit code."""
    if location is not None:
        container.config.hgnc_source.from_value(location)
    try:
        summary = container.gene_service().load(release=release)
    except (InvalidGeneSource, InvalidRelease) as error:
        return _failed(error, EXIT_INVALID_SOURCE)
    except StoreAccessDenied as error:  # wrong credentials: no retry mends them
        return _failed(error, EXIT_CONFIGURATION)
    except StoreUnavailable as error:  # Redis away: its own words say why
        return _failed(f"{error}: {error.__cause__}" if error.__cause__ else error, EXIT_UNAVAILABLE)
    except (DomainError, redis.RedisError) as error:  # a source that cannot be read, any other Redis error
        return _failed(error, EXIT_UNAVAILABLE)
    print(json.dumps(ReleaseLoadedSchema().dump(summary)), flush=True)
    return os.EX_OK


def upgrade_stored_set(container: Container, log: logging.Logger) -> None:
    """Once as the API starts, before it serves: a gene set that an earlier version stored, without
    the lookup indexes this one reads, is loaded again from its own records.

    In a child process: the load's objects (about 120 MB for the full set) leave with it, rather
    than stay in the server's launcher and in every process it forks. Redis away is only warned of:
    the next start tries again."""
    child = multiprocessing.get_context("fork").Process(
        target=_upgrade_stored_set, args=(container, log), name="gene-set-upgrade")
    child.start()
    child.join()


def _upgrade_stored_set(container: Container, log: logging.Logger) -> None:
    try:
        summary = container.gene_service().upgrade_stored_set()
    except (DomainError, redis.RedisError) as error:
        log.warning("the stored gene set could not be checked or re-indexed (%s); the next start tries again",
                    " ".join(str(error).split()))
        return
    if summary is not None:
        log.info("the gene set stored by an earlier version was loaded again from its own records, with the "
                 "indexes this version reads: %d genes from %s in %.1f s", summary.count, summary.source,
                 summary.seconds)


def _failed(error: Exception | str, code: int) -> int:
    reason = " ".join(str(error).split())  # one line, whatever the library's message holds
    print(f"load failed: {reason}", file=sys.stderr, flush=True)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m entrypoints.load",
        description="Load an HGNC release into Redis beside the releases held, replacing the one of the "
                    "same date (as POST /data does); print the summary as JSON.",
    )
    parser.add_argument("source", nargs="?", metavar="PATH_OR_URL",
                        help="an http(s) URL or a file (JSON or TSV, plain or gzip); default: HGNC_SOURCE")
    parser.add_argument("--release", type=_release, metavar="YYYY-MM-DD",
                        help="the release it is; default: the date in its file name as HGNC names its archives "
                             "(hgnc_complete_set_2024-10-18.txt), else its newest date_modified")
    parser.add_argument("--latest", action="store_true",
                        help="the monthly refresh: load HGNC's current complete set (HGNC_SOURCE, by default "
                             "HGNC's own URL; a mirror or a file where set) as the release its content dates")
    args = parser.parse_args(argv)
    if args.latest and (args.source or args.release):
        # The latest release is whatever HGNC's current file is: naming another file or date would contradict it.
        parser.error("--latest loads HGNC_SOURCE as the release it dates itself: give no PATH_OR_URL and no --release")
    try:  # every setting checked before anything is read
        settings = Settings.from_environment()
    except ConfigurationError as error:
        return _failed(f"configuration error: {error}", EXIT_CONFIGURATION)
    configure_logging(settings.log_level, settings.log_format)
    return load(build_container(settings), args.source, args.release)


def _release(text: str) -> date:
    try:
        return parse_release(text)
    except InvalidRelease as error:
        raise argparse.ArgumentTypeError(str(error)) from None


if __name__ == "__main__":
    sys.exit(main())
