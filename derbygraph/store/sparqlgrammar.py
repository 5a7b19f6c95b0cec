"""The SPARQL 1.1 Query grammar (`sparql.lark`) and its parser: a text becomes a tree, or a
syntax error that says where and what was expected, or an Update, which is refused.

Why a grammar of our own, on Lark's LALR(1) parser: LALR is table driven, so a 1 MB query or
a chain 20,000 long parses in linear time without recursion. rdflib's pyparsing parser is 8x
slower and gives no tree to print from (measured on a loaded 2-core machine, a 45 kB query of
5,000 VALUES: rdflib 7 4.0 s, this parser 0.49 s). The check's cost, parsed and printed (same machine): a
point lookup 0.6 ms (a remembered verdict 1-2 us), the 21,084 registry codes (169 kB) 1.6 s,
1 MB of VALUES 8.8 s: all in the server's main process, so the query text limit is 1 MiB.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import sys
import threading
import zlib
from pathlib import Path

import lark
import lark.parsers.lalr_analysis
from lark import Tree

from derbygraph import resources
from derbygraph.errors import BadInput, ReadOnly

GRAMMAR = Path(__file__).with_name("sparql.lark")
UPDATE_OPERATIONS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


class Update(ReadOnly):
    """The text is a SPARQL Update (its first word after the prologue names an update)."""


class _ExactLexer(lark.lexer.ContextualLexer):
    """Lark's contextual lexer offers the terminals that the parser's current state accepts, but
    LALR(1) merges states that end alike (the `)` closing `STR(?d)` may be followed by `<` in a
    FILTER and by an IRI in ORDER BY), so a state may offer both readings of a `<` or a `+`.
    There this lexer asks the parser's stack which reading it can really take, as the engine's
    parser does: `STR(?d)<'2000'&&?d>'1'` is a comparison, `(1 +2)` a list of two numbers."""

    CONTESTED = frozenset({"IRIREF", "COMPARE", "PLUS", "MINUS", "INTEGER_POSITIVE", "DECIMAL_POSITIVE",
                           "DOUBLE_POSITIVE", "INTEGER_NEGATIVE", "DECIMAL_NEGATIVE", "DOUBLE_NEGATIVE"})

    def __init__(self, conf, states, always_accept=()):
        super().__init__(conf, states, always_accept)
        self.conf, self.states = conf, {state: frozenset(accepts) for state, accepts in states.items()}
        self.by_terminals: dict[frozenset, lark.lexer.BasicLexer] = {}
        self.contested = {state: accepts & self.CONTESTED for state, accepts in self.states.items()
                          if _both(accepts, {"IRIREF"}, {"COMPARE"})
                          or _both(accepts, {"PLUS", "MINUS"}, self.CONTESTED - {"IRIREF", "COMPARE", "PLUS", "MINUS"})}

    def lex(self, lexer_state, parser_state):
        try:
            while True:
                state = parser_state.position
                lexer = self.lexers[state]
                if state in self.contested:
                    upcoming = _NEXT_CHARACTER.match(lexer_state.text.text, lexer_state.line_ctr.char_pos)
                    if upcoming and upcoming.group(1) in "<+-":
                        lexer = self._exact(state, parser_state)
                yield lexer.next_token(lexer_state, parser_state)
        except EOFError:
            pass
        except lark.exceptions.UnexpectedCharacters as error:  # said with what the stack can take
            error.allowed = {t for t in self.states[parser_state.position] if _shifts(parser_state, t)}
            raise

    def _exact(self, state: int, parser_state) -> lark.lexer.BasicLexer:
        refused = frozenset(t for t in self.contested[state] if not _shifts(parser_state, t))
        terminals = self.states[state] - refused
        if terminals not in self.by_terminals:
            conf = copy.copy(self.conf)
            wanted = terminals | set(conf.ignore)
            conf.terminals = [t for t in self.conf.terminals if t.name in wanted]
            conf.skip_validation = True
            self.by_terminals[terminals] = lark.lexer.BasicLexer(conf)
        return self.by_terminals[terminals]


_NEXT_CHARACTER = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*(.)", re.DOTALL)


def _both(accepts: frozenset, one: set, other: set) -> bool:
    return bool(accepts & one) and bool(accepts & other)


def _shifts(parser_state, terminal: str) -> bool:
    """Whether the parser, from its present stack, would shift `terminal` (after its reductions)."""
    table = parser_state.parse_conf.states
    below, pushed = len(parser_state.state_stack), []
    while True:
        top = pushed[-1] if pushed else parser_state.state_stack[below - 1]
        action = table[top].get(terminal)
        if action is None:
            return False
        kind, rule = action
        if kind is lark.parsers.lalr_analysis.Shift:
            return True
        size = len(rule.expansion)
        popped = min(size, len(pushed))
        del pushed[len(pushed) - popped:]
        below -= size - popped
        top = pushed[-1] if pushed else parser_state.state_stack[below - 1]
        pushed.append(table[top][rule.origin.name][1])


_BUILDING = threading.Lock()
_BUILT: list[lark.Lark] = []


def _parser() -> lark.Lark:
    if not _BUILT:
        with _BUILDING:  # once, though the first requests come together (a second or two of CPU)
            if not _BUILT:
                _BUILT.append(_build())
    return _BUILT[0]


def tables() -> bytes:
    """The built parser's tables, for a query worker to load (`load`) rather than build again.
    Compressed (240 kB to 43 kB), so with a worker's other arguments they fit in the pipe's
    buffer: starting a worker no longer waits until its interpreter has started and reads them
    (0.24 s a worker, in turn, at every server start and every replacement)."""
    saved = io.BytesIO()
    _parser().save(saved)
    return zlib.compress(saved.getvalue())


def load(saved: bytes) -> None:
    """The parser from `tables()`: 0.04 s where building it takes 0.5 s, on every worker's start
    (a worker that replaces one stopped at the time limit keeps queries waiting while it starts).
    Its lexers are made as the first long query needs them."""
    with _BUILDING:
        if not _BUILT:
            _BUILT.append(lark.Lark.load(io.BytesIO(zlib.decompress(saved))))


def prepare() -> None:
    """Build the parser, and the lexers of the commonest states, before the first query."""
    parse("SELECT DISTINCT ?x (COUNT(*) AS ?n) WHERE { ?x a dg:Service ; rdfs:label 'a'@en, 1 OPTIONAL { ?x ?p "
          "<x> } FILTER(?x != <y> && STR(?x) < 'z') } GROUP BY ?x ORDER BY DESC(?n) LIMIT 10")


def _build() -> lark.Lark:
    """The parser, its tables read from the user's cache when this grammar, Lark and Python made
    them (0.05 s; `resources.cache_file`), else computed (1.7 s) and cached there: every command
    that queries a store and every server start would otherwise compute them again. Lark checks
    the file's fingerprint and computes the tables when it is stale, unreadable or cannot be
    written."""
    grammar = GRAMMAR.read_text(encoding="utf-8")
    kept = resources.cache_file("sparql-parser", f"{grammar}{lark.__version__}{sys.version_info[:2]}")
    parser = lark.Lark(grammar, parser="lalr", lexer="contextual", keep_all_tokens=True,
                       _plugins={"ContextualLexer": _ExactLexer}, cache=str(kept) if kept else False)
    if kept:
        resources.prune_cache(kept)
    return parser


def parse(text: str) -> Tree:
    """The query's tree (every token kept); BadInput where it is not SPARQL, Update when it is an
    update."""
    try:
        return _parser().parse(text)
    except lark.exceptions.UnexpectedInput as error:
        raise _unreadable(text, error) from None


# --- what is not a query ----------------------------------------------------------------------

_AN_UPDATE = re.compile(r"(?i)(?:%s)(?![\w-])" % "|".join(UPDATE_OPERATIONS))


def _unreadable(text: str, error: lark.exceptions.UnexpectedInput) -> BadInput | Update:
    """Update when the query form was expected and an update's first word stands there;
    otherwise a syntax error (BadInput) with its line, column and what the grammar expected."""
    if isinstance(error, lark.exceptions.UnexpectedToken):
        expected = {t for t in error.expected if error.state is None or _shifts(error.state, t)}
        at_end = error.token.type == "$END"
    else:
        expected, at_end = set(error.allowed or ()), False
    position = len(text) if at_end else error.pos_in_stream
    if "SELECT" in expected and _AN_UPDATE.match(text, position or 0):
        return Update("SPARQL Update is not accepted: this endpoint is read-only")
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    found = repr(text[position:position + 20].split("\n")[0]) if position < len(text) else "the end"
    names = sorted({_expected_name(name) for name in expected if name in _terminal_patterns()})
    shown = ", ".join(names[:16]) + (", ..." if len(names) > 16 else "")
    return BadInput(f"malformed query: found {found}; error at {line}:{column}: "
                    f"expected one of {shown}")


@functools.cache
def _terminal_patterns() -> dict[str, str]:
    return {t.name: t.pattern.value for t in _parser().terminals}


_TERMINAL_NAMES = {"IRIREF": "an IRI", "PNAME_LN": "a prefixed name", "PNAME_NS": "a prefix",
                   "VAR1": "a variable", "VAR2": "a variable", "STRING_LITERAL1": "a string",
                   "STRING_LITERAL2": "a string", "STRING_LITERAL_LONG1": "a string",
                   "STRING_LITERAL_LONG2": "a string", "INTEGER": "an integer", "NIL": "()",
                   "ANON": "[]", "BLANK_NODE_LABEL": "a blank node", "LANGTAG": "a language tag",
                   "BOOLEAN": "true or false", "COMPARE": "a comparison", "PLUS": "'+'", "MINUS": "'-'"}


def _expected_name(terminal: str) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    if terminal.startswith(("FUNCTION_", "AGGREGATE_")):
        return "a function"
    if terminal.startswith(("DOUBLE", "DECIMAL", "INTEGER")):
        return "a number"
    written = _terminal_patterns().get(terminal, terminal)
    return written if written.isalpha() else repr(written)  # keywords as they are, `{` quoted
