"""What HGNC's REST service finds: an index of every field's terms over the records, and its use cases."""
from __future__ import annotations

import threading
import time
from bisect import bisect_left
from dataclasses import dataclass
from itertools import chain
from typing import Any, Iterable, Mapping

import orjson

from genes.errors import InvalidQuery
from genes.hgnc_query import All, Any_, Not, Query, Term, parse_query, words_of
from genes.ports import GeneCatalog, WithdrawnStore

# The fields HGNC's REST service searches and fetches by (its /info's searchableFields, those our records hold).
SEARCHABLE_FIELDS = (
    "hgnc_id", "symbol", "name", "status", "locus_group", "locus_type", "location", "alias_symbol", "alias_name",
    "prev_symbol", "prev_name", "gene_group", "gene_group_id", "entrez_id", "ensembl_gene_id", "vega_id",
    "ucsc_id", "ena", "refseq_accession", "ccds_id", "uniprot_ids", "pubmed_id", "mgd_id", "rgd_id", "omim_id",
    "mane_select", "rna_central_id", "agr", "cosmic", "mirbase", "orphanet", "lncipedia", "gtrnadb",
)
# The fields of text, whose words are found one by one too (`name:kinase`); the others hold ids and symbols.
WORDED_FIELDS = frozenset({"name", "alias_name", "prev_name", "gene_group", "locus_type", "locus_group", "status",
                           "location"})
# A whole value matched in these weighs most: an exact approved symbol ranks first, then previous and alias ones.
_WHOLE_WEIGHTS = {"symbol": 10.0, "prev_symbol": 4.0, "alias_symbol": 4.0, "hgnc_id": 10.0}
_WHOLE, _WORD, _WILDCARD = 2.0, 1.0, 1.0
# HGNC's service gives its dates as Solr's: 2004-02-24T00:00:00Z.
DATE_FIELDS = frozenset({"date_approved_reserved", "date_symbol_changed", "date_name_changed", "date_modified"})


class UnknownField(InvalidQuery):
    def __init__(self, field: str) -> None:
        super().__init__(f"{field!r} is not a searchable field (GET /rest/info lists them)")


def solr_date(text: str) -> str:
    return text if "T" in text else f"{text}T00:00:00Z"


def hgnc_doc(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as HGNC's service stores it: dates in Solr's form, the rest as it is."""
    return {name: solr_date(value) if name in DATE_FIELDS and isinstance(value, str) else value
            for name, value in record.items()}


@dataclass(frozen=True, slots=True)
class Found:
    """The matching docs (their records), best first, each with its score."""

    docs: list[tuple[Mapping[str, Any], float]]

    @property
    def max_score(self) -> float:
        return max((score for _, score in self.docs), default=0.0)


class SearchIndex:
    """Each searchable field's terms (lower case) to the positions of the docs holding them: a whole
    value, and each of its words, so that `name:kinase` finds what Solr's text fields do."""

    def __init__(self, docs: Iterable[Mapping[str, Any]]) -> None:
        # Each doc kept as its JSON (decoded only when answered) and its id and symbol: the decoded
        # full set took ~150 MB of each API process, its JSON takes ~40.
        self._encoded: list[bytes] = []
        self._briefs: list[tuple[str, str]] = []
        self._whole: dict[str, dict[str, list[int]]] = {field: {} for field in SEARCHABLE_FIELDS}
        self._words: dict[str, dict[str, list[int]]] = {field: {} for field in SEARCHABLE_FIELDS}
        self._sorted: dict[tuple[str, bool], list[str]] = {}
        self._fields: set[str] = set()
        for position, doc in enumerate(docs):
            self._encoded.append(memoryview(orjson.dumps(doc)).tobytes())  # a copy of its own size: orjson leaves ~10 KB of room a doc
            self._briefs.append((doc["hgnc_id"], doc["symbol"]))
            self._fields.update(doc)
            for field in SEARCHABLE_FIELDS:
                value = doc.get(field)
                if value is None:
                    continue
                whole = self._whole[field]
                for text in (str(v).lower() for v in value) if isinstance(value, list) else (str(value).lower(),):
                    held = whole.get(text)
                    if held is None:
                        whole[text] = [position]
                    elif held[-1] != position:
                        held.append(position)
                    if field in WORDED_FIELDS:
                        for word in words_of(text):
                            if word != text:
                                _add(self._words[field], word, position)
        hgnc_ids = self._whole["hgnc_id"]
        for text, positions in list(hgnc_ids.items()):  # HGNC:5 is found as 5 too
            hgnc_ids[text.partition(":")[2]] = positions

    def __len__(self) -> int:
        return len(self._encoded)

    def doc(self, position: int) -> dict[str, Any]:
        record: dict[str, Any] = orjson.loads(self._encoded[position])
        return record

    def fields_in_docs(self) -> list[str]:
        return sorted(self._fields)

    def find(self, query: Query, whole: bool = False) -> Found:
        """The docs found, best first: each whole, or (by default) its `hgnc_id` and `symbol` alone."""
        scores = self._scores(query)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if whole:
            return Found([(self.doc(position), score) for position, score in ranked])
        briefs = self._briefs
        return Found([({"hgnc_id": briefs[p][0], "symbol": briefs[p][1]}, score) for p, score in ranked])

    def _scores(self, query: Query) -> dict[int, float]:
        if isinstance(query, Term):
            return self._term(query)
        if isinstance(query, Any_):
            scores: dict[int, float] = {}
            for operand in query.operands:
                for position, score in self._scores(operand).items():
                    scores[position] = scores.get(position, 0.0) + score
            return scores
        if isinstance(query, All):
            wanted = [operand for operand in query.operands if not isinstance(operand, Not)]
            unwanted = [operand.operand for operand in query.operands if isinstance(operand, Not)]
            if wanted:
                parts = [self._scores(operand) for operand in wanted]
                scores = {position: sum(part[position] for part in parts)
                          for position in parts[0] if all(position in part for part in parts[1:])}
            else:
                scores = dict.fromkeys(range(len(self)), 0.0)
            for operand in unwanted:
                for position in self._scores(operand):
                    scores.pop(position, None)
            return scores
        excluded = self._scores(query.operand)
        return {position: 0.0 for position in range(len(self)) if position not in excluded}

    def _term(self, term: Term) -> dict[int, float]:
        fields = SEARCHABLE_FIELDS if term.field is None else (term.field,)
        if term.field is not None and term.field not in self._whole:
            raise UnknownField(term.field)
        scores: dict[int, float] = {}
        for field in fields:
            for position, score in self._field_term(field, term).items():
                if score > scores.get(position, 0.0):
                    scores[position] = score
        return scores

    def _field_term(self, field: str, term: Term) -> dict[int, float]:
        whole, words = self._whole[field], self._words[field]
        if term.wildcard:
            pattern, prefix = term.pattern(), term.prefix()
            matched: dict[int, float] = {}
            for index, is_word in ((whole, False), (words, True)):
                for text in self._terms_from(field, is_word, index, prefix):
                    if pattern.fullmatch(text):
                        matched.update(dict.fromkeys(index[text], _WILDCARD))
            return matched
        scores = dict.fromkeys(whole.get(term.text, ()), _WHOLE_WEIGHTS.get(field, _WHOLE))
        found = term.words
        if not found:
            return scores
        if len(found) == 1:
            for position in words.get(found[0], ()):
                scores.setdefault(position, _WORD)
            return scores
        candidates = set(whole.get(found[0], ())) | set(words.get(found[0], ()))
        for position in candidates - scores.keys():
            if _holds_phrase(self.doc(position).get(field), found):
                scores[position] = _WORD * len(found)
        return scores

    def _terms_from(self, field: str, is_word: bool, index: dict[str, list[int]], prefix: str) -> Iterable[str]:
        key = (field, is_word)
        if key not in self._sorted:
            self._sorted[key] = sorted(index)
        ordered = self._sorted[key]
        for text in ordered[bisect_left(ordered, prefix):]:
            if not text.startswith(prefix):
                break
            yield text


def _add(index: dict[str, list[int]], text: str, position: int) -> None:
    held = index.setdefault(text, [])
    if not held or held[-1] != position:
        held.append(position)


def _holds_phrase(value: Any, words: tuple[str, ...]) -> bool:
    for text in (str(v).lower() for v in (value if isinstance(value, list) else [value] if value else [])):
        found = words_of(text)
        if any(tuple(found[i:i + len(words)]) == words for i in range(len(found) - len(words) + 1)):
            return True
    return False


@dataclass(frozen=True, slots=True)
class MirrorInfo:
    last_modified: str | None
    num_doc: int
    searchable_fields: tuple[str, ...]
    stored_fields: list[str]


class HgncMirror:
    """HGNC's REST use cases (info, fetch, search) over the approved set and the withdrawn entries.

    The index is built once per pair of loaded sets, in this process's memory, and held until
    either set changes: every answer after the first is found without a round trip but the
    generation checks.
    """

    def __init__(self, catalog: GeneCatalog, withdrawn: WithdrawnStore) -> None:
        self._catalog = catalog
        self._withdrawn = withdrawn
        self._lock = threading.Lock()
        self._held: tuple[tuple[str | None, str | None], SearchIndex] | None = None

    def info(self) -> MirrorInfo:
        index = self._index()
        loaded = self._catalog.info().value
        last = loaded.last_modified if loaded is not None else None
        return MirrorInfo(solr_date(last) if last else None, len(index), SEARCHABLE_FIELDS,
                          index.fields_in_docs())

    def fetch(self, field: str, term: str) -> Found:
        """Every doc whose `field` holds `term` (no wildcards: * and ? are characters), whole records."""
        text = " ".join(term.lower().split())
        if not text:
            raise InvalidQuery("the term is empty")
        return self._index().find(Term(field, text), whole=True)

    def search(self, query: str, field: str | None = None) -> Found:
        if field is not None and field not in SEARCHABLE_FIELDS:
            raise UnknownField(field)
        return self._index().find(parse_query(query, field))

    def _index(self) -> SearchIndex:
        key = (self._catalog.ids(0, 0).set_id, self._withdrawn.loaded_set_id())
        held = self._held
        if held is not None and held[0] == key:
            return held[1]
        with self._lock:
            held = self._held
            if held is None or held[0] != key:
                approved = (hgnc_doc(orjson.loads(text)) for text in self._catalog.export_json().value)
                withdrawn = (entry.record() for entry in self._withdrawn.entries())
                held = (key, SearchIndex(chain(approved, withdrawn)))
                self._held = held
            return held[1]


def elapsed_ms(started: float) -> int:
    """Solr's QTime: the milliseconds a query took."""
    return int((time.perf_counter() - started) * 1000)
