"""Use cases that change the gene data: load a set, clear it."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from genes.errors import InvalidGeneSource
from genes.ports import GeneRepository, GeneSource
from genes.releases import release_in_name


@dataclass(frozen=True)
class LoadSummary:
    count: int
    source: str
    seconds: float


@dataclass(frozen=True)
class ReleaseLoaded(LoadSummary):
    """What a load of the genes stored: a release."""

    release: date
    live: bool  # whether the release loaded is the live one now


class GeneService:
    def __init__(self, repository: GeneRepository, default_source: GeneSource) -> None:
        self._repository = repository
        self._default_source = default_source

    def load(self, source: GeneSource | None = None, release: date | None = None) -> ReleaseLoaded:
        """Store the source's genes as a release, replacing that release if held; on any failure the
        data held stays. The release: `release`, else the date in the source's name as HGNC names its
        archives (`hgnc_complete_set_2024-10-18.txt`), else the newest `date_modified` in it."""
        source = source or self._default_source
        started = time.perf_counter()
        described = source.describe()
        named = release_in_name(described.rsplit("/", 1)[-1])  # the file name only: not a dated folder
        stored = self._repository.replace_all(source.read(), described, release or named)
        if stored is None:
            raise InvalidGeneSource("the source holds no gene records")
        return ReleaseLoaded(stored.count, described, round(time.perf_counter() - started, 3), stored.date, stored.live)

    def upgrade_stored_set(self) -> ReleaseLoaded | None:
        """A set stored before releases becomes one; one that an earlier version stored without
        indexes this one reads is loaded again from its own records, as the same release. None when
        nothing was loaded again."""
        self._repository.register_stored_set()
        outdated = self._repository.outdated_set()
        return self.load(*outdated) if outdated is not None else None

    def choose_live(self, release: date | None) -> None:
        """Make a held release live (None: the newest held is live, as after each load); UnknownRelease."""
        self._repository.choose_live(release)

    def clear(self, release: date | None = None) -> bool:
        """Forget every release, or the one given."""
        return self._repository.clear(release)
