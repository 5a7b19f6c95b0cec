"""What a read-only endpoint refuses before a query runs: updates, SERVICE, deep nesting, size.

The engine (pyoxigraph's PEG parser) is not reachable from Python, and other engines behind
`serve --endpoint` parse differently again, so this check does not try to agree with any one
parser. It errs on one side only: every reading of the text that an engine could take is
scanned, and a query is refused when any reading could hold what is refused.

- Keywords: a PEG parser matches `SERVICE` without a word boundary (`SERVICE:`, `SERVICEp:y`,
  `1SERVICE<x>` all run in pyoxigraph), so any bare word or prefix that *contains* SERVICE is
  refused, as is `.SERVICE` inside a local name. `dg:Service` and `?service` are fine.
- Codepoint escapes: pyoxigraph keeps `\\u0053ERVICE` literal, SPARQL 1.1 (section 19.2) decodes
  it before parsing; both readings are scanned.
- `<`: an IRI or a less-than. The scan reads `<...>` as an IRI (no spaces inside, as the grammar
  says), which is safe for keywords (SERVICE needs a `{` after its name, which no IRI holds), and
  refuses an IRI holding a `'`, the one character that would let the two readings put a string
  boundary in different places. Brackets inside an IRI still count towards the nesting depth, as
  if the span were code.
- Nesting: brackets, and runs of unary operators (`!!!!x`, `^^^p`), recurse in the parser;
  pyoxigraph's stack overflows (the process dies) a few thousand levels deep.

This check is one of two walls: the processes that run queries cannot open a network socket
at all (`sandbox.py`), so a reading missed here still reaches nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .config import Config
from .errors import QueryError

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<long>"{3}|'{3})
  | (?P<short>["'])
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>[\w\-.\u00B7]*:(?:[\w\-.:%\u00B7]|\\.)*)
  | (?P<word>[\w\-.\u00B7]+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_STRING_END = {
    '"': re.compile(r'(?:[^"\\\r\n]|\\.)*"', re.DOTALL),
    "'": re.compile(r"(?:[^'\\\r\n]|\\.)*'", re.DOTALL),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL),
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.DOTALL),
}
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_OPEN, _CLOSE, _UNARY = "({[", ")}]", "!^+-"


def _decoded(text: str) -> str:
    """The text with SPARQL codepoint escapes decoded, as section 19.2 says engines should."""
    def char(match: re.Match) -> str:
        point = int(match.group(1) or match.group(2), 16)
        return chr(point) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else match.group()
    return _ESCAPE.sub(char, text)


@dataclass
class Reading:
    """What one reading of a query text holds."""

    words: list[str]        # bare words, upper-cased, in order (keywords and function names)
    service: bool           # a token an engine could read as the keyword SERVICE
    quoted_iri: bool        # an IRI holding a single quote
    depth: int              # deepest nesting of brackets and unary operators


def read(text: str) -> Reading:
    """Scan one reading of a query; strings, comments and variables are passed over."""
    words: list[str] = []
    service = quoted_iri = False
    depth = deepest = run = 0
    position, end = 0, len(text)
    while position < end:
        token = _TOKEN.match(text, position)
        kind, value, position = token.lastgroup, token.group(), token.end()
        if kind == "space" or kind == "comment":
            continue
        minus = len(value) - len(value.lstrip("-")) if kind == "word" else 0  # `-` lexes as a word
        if (kind == "other" and value in _UNARY) or minus:
            run += 1 if kind == "other" else minus
            deepest = max(deepest, depth + run)
            if kind == "other" or minus == len(value):
                continue
        run = 0
        if kind in ("long", "short"):
            closing = _STRING_END[value].match(text, position)
            if closing is None:  # a string left open: no engine runs this, and nothing after it counts
                break
            position = closing.end()
        elif kind == "word":
            words.append(value.upper())
            service = service or "SERVICE" in value.upper()
        elif kind == "pname":
            prefix, _, local = value.partition(":")
            service = service or "SERVICE" in prefix.upper() or ".SERVICE" in local.upper()
        elif kind == "lang":
            service = service or "SERVICE" in value.upper()
        elif kind == "iri":
            quoted_iri = quoted_iri or "'" in value
            inner = 0
            for char in value:  # as if the span were code: its own brackets nest too
                inner += (char in _OPEN) - (char in _CLOSE)
                deepest = max(deepest, depth + inner)
            depth += max(inner, 0)
        elif kind == "other" and value in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "other" and value in _CLOSE:
            depth = max(depth - 1, 0)
    return Reading(words, service, quoted_iri, deepest)


def operation(words: list[str]) -> str | None:
    """The first keyword after the prologue (PREFIX and BASE declarations)."""
    return next((w for w in words if w not in ("PREFIX", "BASE")), None)


REMEMBERED_LENGTH = 4096  # queries up to this many characters have their verdict remembered


def check(query: str, config: Config) -> None:
    """Refuse (QueryError) what a read-only endpoint never runs; return quietly otherwise.

    Clients ask the same queries again and again, and the scan costs more than a point lookup
    does in the engine: the verdicts on short queries are remembered (at most 512 of them)."""
    verdict = _remembered if len(query) <= REMEMBERED_LENGTH else _refusal
    refusal = verdict(query, config.max_query_bytes, config.max_nesting)
    if refusal:
        raise QueryError(*refusal)


def _refusal(query: str, max_query_bytes: int, max_nesting: int) -> tuple[str, int] | None:
    """Why the query is refused (message, status), or None."""
    if len(query.encode("utf-8", "surrogatepass")) > max_query_bytes:
        return f"query is longer than {max_query_bytes} bytes", 413
    readings = [read(query)]
    decoded = _decoded(query)
    if decoded != query:
        readings.append(read(decoded))
    if any(operation(reading.words) in UPDATE_KEYWORDS for reading in readings):
        return "SPARQL Update is not accepted: this endpoint is read-only", 403
    if any(r.service for r in readings):
        return ("SERVICE is not allowed: this endpoint makes no outbound requests "
                "(a prefix or word containing SERVICE counts too)", 403)
    if any(r.quoted_iri for r in readings):
        return "an IRI holding a ' is not accepted: write it as %27", 400
    deepest = max(r.depth for r in readings)
    if deepest > max_nesting:
        return f"query nests brackets or operators {deepest} deep; the limit is {max_nesting}", 400
    return None


_remembered = functools.lru_cache(maxsize=512)(_refusal)


def states_dataset(query: str) -> bool:
    """True when the query names its own dataset with FROM or FROM NAMED."""
    return "FROM" in read(query).words
