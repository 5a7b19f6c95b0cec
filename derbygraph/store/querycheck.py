"""What a read-only endpoint refuses before a query runs, decided on the parse tree; and the
text that runs instead of the client's.

The query is parsed on the SPARQL 1.1 grammar (`sparqlparse`), and the tree decides: an update
is refused (`ReadOnly`), a SERVICE pattern is refused (`QueryRefused`), a query nested deeper
than the engine survives is refused (`BadInput`, naming the construct), a query that is not
SPARQL gets its line, column and what was expected (`BadInput`). A query that passes is returned *printed from its tree*,
and that printed text is all an engine is ever given (embedded workers and `serve --endpoint`
alike), so the engine runs exactly what was checked: no comment, escape or `<` can be read one
way here and another way there.

This is one of two walls: the processes that run queries cannot open a network socket at all
(`sandbox.py`), and a SERVICE that reached an engine anyway is a `BadInput` (`sparql.py`).
"""

from __future__ import annotations

import functools

from derbygraph import vocab
from derbygraph.config import Config
from derbygraph.errors import BadInput, QueryRefused, TooLarge, UserError

from .sparqlparse import Reading, read

REMEMBERED_LENGTH = 4096  # queries up to this many characters have their verdict remembered
SERVICE_REFUSED = ("SERVICE is not allowed: this endpoint makes no outbound requests; query the data "
                   "here, or run the federated query from your own client")


def check(query: str, config: Config) -> str:
    """The text to run: the query printed from its reading; the error's kind for what is refused.

    Clients ask the same queries again and again, and parsing costs more than a point lookup
    does in the engine: the verdicts on short queries are remembered (at most 512 of them)."""
    verdict = _remembered if len(query) <= REMEMBERED_LENGTH else _verdict
    outcome = verdict(query, config.max_query_bytes, config.max_nesting)
    if isinstance(outcome, tuple):
        kind, message = outcome
        raise kind(message)
    return outcome


def _verdict(query: str, max_query_bytes: int, max_nesting: int) -> str | tuple[type[UserError], str]:
    """The printed text, or why the query is refused: (kind, message), remembered as such
    because an error instance raised again would carry every earlier traceback."""
    try:
        size = len(query.encode("utf-8"))
    except UnicodeEncodeError:
        return BadInput, "the query text is not valid Unicode (it holds a lone surrogate)"
    if size > max_query_bytes:
        return TooLarge, f"query is longer than {max_query_bytes} bytes"
    try:
        reading = read(query, vocab.PREFIXES)
    except UserError as error:
        return type(error), str(error)
    if reading.service:
        return QueryRefused, SERVICE_REFUSED
    if reading.depth > max_nesting:
        return BadInput, (f"query nests {reading.depth} deep (its deepest part: {reading.deepest}); the engine is "
                          f"safe to {max_nesting} deep: write a long chain as a list instead (IN (...) or VALUES "
                          "for alternatives), or split the query")
    return reading.text


_remembered = functools.lru_cache(maxsize=512)(_verdict)


def reading(query: str) -> Reading:
    """The reading of a query the app itself sends (or one already checked): no limits applied."""
    return _remembered_reading(query) if len(query) <= REMEMBERED_LENGTH else read(query, vocab.PREFIXES)


@functools.lru_cache(maxsize=256)
def _remembered_reading(query: str) -> Reading:
    return read(query, vocab.PREFIXES)
