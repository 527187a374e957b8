"""HGNC releases held side by side: each loaded set is one release, named by its date.

HGNC publishes its archives as `hgnc_complete_set_YYYY-MM-DD`; a load records which release it
holds, so that analyses can be pinned to one and two releases compared.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from genes.errors import InvalidRelease

_RELEASE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


def parse_release(text: str) -> date:
    """A release as users write it, YYYY-MM-DD; InvalidRelease otherwise."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRelease(f"{text!r} is not a release date (expected YYYY-MM-DD, e.g. 2024-10-18)") from None


def release_in_name(name: str) -> date | None:
    """The release a file name gives, as HGNC names its archives (`hgnc_complete_set_2024-10-18.txt`)."""
    for found in _RELEASE_IN_NAME.findall(name):
        try:
            return date.fromisoformat(found)
        except ValueError:
            continue
    return None


@dataclass(frozen=True, slots=True)
class Release:
    """One held release: its date, the loaded set holding it, and what GET /releases tells of it."""

    date: date
    set_id: str
    count: int
    loaded_at: datetime
    source: str
    live: bool
