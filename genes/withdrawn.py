"""A withdrawn HGNC entry: its id, its symbol, why it went, and the ids that replaced it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# A custom download names the replacements in the withdrawn row's name, as links:
# "symbol withdrawn, see [HGNC:12469](/data/gene-symbol-report/#!/hgnc_id/HGNC:12469)".
_LINKED_ID = re.compile(r"\[(HGNC:[1-9][0-9]{0,8})\]")


class WithdrawnStatus(str, Enum):
    """HGNC's two statuses of a withdrawn entry, as its custom downloads spell them."""

    SYMBOL_WITHDRAWN = "Symbol Withdrawn"  # merged into, or split into, other entries
    ENTRY_WITHDRAWN = "Entry Withdrawn"  # withdrawn with no replacement

    @classmethod
    def of(cls, text: str) -> WithdrawnStatus | None:
        """The status HGNC's files write as `text` (withdrawn.txt's "Merged/Split" included); None if not withdrawn."""
        folded = text.strip().lower()
        if folded in ("symbol withdrawn", "merged/split"):
            return cls.SYMBOL_WITHDRAWN
        if folded == "entry withdrawn":
            return cls.ENTRY_WITHDRAWN
        return None


@dataclass(frozen=True, slots=True)
class WithdrawnEntry:
    hgnc_id: str
    symbol: str
    status: WithdrawnStatus
    name: str | None = None
    replaced_by: tuple[str, ...] = field(default=())  # the ids HGNC names, in its order

    def record(self) -> dict[str, Any]:
        """The entry as a record of HGNC's fields (empty ones absent): what is stored and fetched."""
        record: dict[str, Any] = {"hgnc_id": self.hgnc_id, "symbol": self.symbol, "status": self.status.value}
        if self.name:
            record["name"] = self.name
        if self.replaced_by:
            record["replaced_by"] = list(self.replaced_by)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> WithdrawnEntry:
        return cls(record["hgnc_id"], record["symbol"], WithdrawnStatus(record["status"]), record.get("name"),
                   tuple(record.get("replaced_by", ())))


def linked_ids(name: str) -> tuple[str, ...]:
    """The ids a custom download's withdrawn name links to, each once, in order."""
    return tuple(dict.fromkeys(_LINKED_ID.findall(name)))
