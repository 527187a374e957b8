"""HGNC's REST query language, parsed: `field:term`, AND / OR / NOT, parentheses, "phrases", * and ? wildcards."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

from genes.errors import InvalidQuery


# What splits a value into the words a term may find: `name:kinase` finds "B-Raf ..., serine/threonine kinase".
_WORD = re.compile(r"[^\s,;()\[\]/]+")


def words_of(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text))


@dataclass(frozen=True, slots=True)
class Term:
    """One term, in lower case: a whole value, or a run of words in it; `field` None: any searchable field."""

    field: str | None
    text: str
    wildcard: bool = False  # holds * or ?, matched literally but for those two

    @property
    def words(self) -> tuple[str, ...]:
        return words_of(self.text)

    def pattern(self) -> re.Pattern[str]:
        """The wildcard word as a pattern: every character literal but * (any run) and ? (any one)."""
        parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in self.text)
        return re.compile("".join(parts), re.DOTALL)

    def prefix(self) -> str:
        """The literal start of a wildcard word: what narrows the terms to try."""
        return re.split(r"[*?]", self.text, maxsplit=1)[0]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Query


@dataclass(frozen=True, slots=True)
class All:
    operands: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    operands: tuple[Query, ...]


Query = Union[Term, Not, All, Any_]
_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))')
_OPERATORS = {"AND", "OR", "NOT", "&&", "||"}
MAX_QUERY_LENGTH = 4_096
MAX_NESTING = 32  # parentheses and NOTs within one another: far beyond any real query, far below the stack's limit


def parse_query(text: str, field: str | None = None) -> Query:
    """The query `text` (HGNC's REST path, `+` already a space) means; `field` is the default field."""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    tokens = _tokens(text)
    if not tokens:
        raise InvalidQuery("the query is empty")
    parser = _Parser(tokens, field)
    query = parser.alternatives()
    if parser.position != len(tokens):
        raise InvalidQuery(f"unexpected {tokens[parser.position][1]!r} in the query")
    return query


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidQuery("an unbalanced quote in the query")
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
    return tokens


class _Parser:
    """Recursive descent: alternatives of conjunctions of (negated) primaries; adjacent terms are OR'ed, as in Solr."""

    def __init__(self, tokens: list[tuple[str, str]], field: str | None) -> None:
        self.tokens = tokens
        self.position = 0
        self.fields = [field]
        self.depth = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _operator(self, *names: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "word" and token[1] in names:
            self.position += 1
            return True
        return False

    def alternatives(self) -> Query:
        operands = [self.conjunction()]
        while True:
            token = self._peek()
            if token is None or token[0] == "close":
                break
            self._operator("OR", "||")
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Any_(tuple(operands))

    def conjunction(self) -> Query:
        operands = [self.negation()]
        while self._operator("AND", "&&"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else All(tuple(operands))

    def negation(self) -> Query:
        if self._operator("NOT"):
            return Not(self._nested(self.negation))
        return self.primary()

    def _nested(self, parse: Callable[[], Query]) -> Query:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise InvalidQuery(f"the query nests more than {MAX_NESTING} levels deep")
        try:
            return parse()
        finally:
            self.depth -= 1

    def primary(self) -> Query:
        token = self._peek()
        if token is None or token[0] == "close" or (token[0] == "word" and token[1] in _OPERATORS):
            raise InvalidQuery("an operator lacks its operand" if token else "the query ends too soon")
        self.position += 1
        kind, text = token
        if kind == "open":
            return self._group()
        if kind == "phrase":
            return self._phrase(self.fields[-1], text)
        field, colon, rest = text.partition(":")
        if colon and field and field.upper() != "HGNC":  # HGNC:5 is a term, not a field
            if not rest:
                following = self._peek()
                if following is not None and following[0] == "open":
                    self.position += 1
                    self.fields.append(field)
                    try:
                        return self._group()
                    finally:
                        self.fields.pop()
                if following is not None and following[0] == "phrase":
                    self.position += 1
                    return self._phrase(field, following[1])
                raise InvalidQuery(f"the field {field!r} has no term")
            return self._word(field, rest)
        return self._word(self.fields[-1], text)

    def _group(self) -> Query:
        query = self._nested(self.alternatives)
        token = self._peek()
        if token is None or token[0] != "close":
            raise InvalidQuery("an unbalanced parenthesis in the query")
        self.position += 1
        return query

    @staticmethod
    def _phrase(field: str | None, text: str) -> Term:
        term = Term(field, " ".join(text.lower().split()))
        if not term.words:
            raise InvalidQuery("an empty phrase in the query")
        return term

    @staticmethod
    def _word(field: str | None, text: str) -> Term:
        word = text.lower()
        return Term(field, word, wildcard="*" in word or "?" in word)
