"""SPARQL execution and result formats, shared by the endpoint and `derbygraph query`.

The format of an answer is chosen here and only here: from an explicit `format=` name, else
from an Accept header (q-values and wildcards honoured), else the default for the query form.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from . import vocab


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    oxigraph: object
    aliases: tuple[str, ...] = ()


SOLUTION_FORMATS = [
    Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, ("application/json",)),
    Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml")),
    Format("csv", "text/csv", ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
]
GRAPH_FORMATS = [
    Format("turtle", "text/turtle", ox.RdfFormat.TURTLE, ("application/x-turtle",)),
    Format("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, ("text/plain",)),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, ("application/json",)),
    Format("xml", "application/rdf+xml", ox.RdfFormat.RDF_XML, ("application/xml", "text/xml")),
]
# Names people type for format=, beside the short names above.
FORMAT_ALIASES = {"ttl": "turtle", "n3": "turtle", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld",
                  "rdfxml": "xml", "rdf+xml": "xml", "rdf": "xml", "srj": "json", "srx": "xml"}
# A name that means one format for solutions and another for graphs ("json" for a CONSTRUCT is JSON-LD).
GRAPH_FORMAT_ALIASES = {"json": "jsonld"}

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})

# Relative IRIs in a query (`<s>`) resolve against the dataset's base, the same for the CLI and the web.
BASE_IRI = vocab.BASE

# A SPARQL lexer just precise enough to find the keywords of a query: strings, IRIs, comments,
# variables, language tags and prefixed names are skipped, so `dg:Service`, `?service` or
# "SERVICE" never count as the keyword. Every alternative is linear, whatever the input.
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<long>"{3}|'{3})
  | (?P<short>["'])
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
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


class QueryError(Exception):
    """A request the endpoint refuses; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Limits:
    """The limits every query runs under, shared by the CLI and the app."""

    timeout: float = 30.0          # seconds before a query is cut off
    max_rows: int = 10_000         # solutions or triples in one answer; more are cut with notice
    max_query_bytes: int = 100_000  # the query text
    max_nesting: int = 100         # brackets inside brackets: deeper would exhaust the parser's stack
    max_body_bytes: int = 1_000_000  # a request body


@dataclass
class Answer:
    body: bytes
    media_type: str
    truncated: bool = False
    form: str = "solutions"  # solutions, boolean or graph
    rows: int | None = None


def tokens(query: str):
    """(kind, text) of the tokens of a query that matter here: "word", "pname", "iri", "var",
    and "open"/"close" for brackets.

    Strings, comments and language tags are skipped. A string left open ends the scan (such a
    query cannot parse anyway).
    """
    position, end = 0, len(query)
    while position < end:
        token = _TOKEN.match(query, position)
        kind, position = token.lastgroup, token.end()
        if kind in ("long", "short"):
            closing = _STRING_END[token.group()].match(query, position)
            if closing is None:
                return
            position = closing.end()
        elif kind in ("word", "pname", "iri", "var"):
            yield kind, token.group()
        elif kind == "other" and token.group() in "{([":
            yield "open", token.group()
        elif kind == "other" and token.group() in "})]":
            yield "close", token.group()


def keywords(query: str) -> list[str]:
    """The bare words of a query, upper-cased and in order: its keywords and function names.

    Text inside strings, IRIs and comments, variables, language tags and prefixed names are left
    out, so `dg:Service`, `?service` or "SERVICE" never count as the keyword SERVICE.
    """
    return [part.upper() for kind, text in tokens(query) if kind == "word"
            for part in re.split(r"[.\-]", text) if part]


def undeclared_prefixes(query: str) -> list[str]:
    """Prefixes a query uses without declaring them (and that are not predeclared)."""
    declared, used, previous = set(vocab.PREFIXES), [], None
    for kind, text in tokens(query):
        if kind == "pname":
            prefix = text.split(":", 1)[0]
            if previous == "PREFIX":
                declared.add(prefix)
            elif prefix != "_" and prefix not in used:
                used.append(prefix)
        previous = text.upper() if kind == "word" else None
    return [prefix for prefix in used if prefix not in declared]


def _operation(words: list[str]) -> str | None:
    """The first keyword after the prologue (PREFIX and BASE declarations)."""
    return next((w for w in words if w not in ("PREFIX", "BASE")), None)


def is_update(query: str) -> bool:
    """True when the text is a SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP...)."""
    return _operation(keywords(query)) in UPDATE_KEYWORDS


def states_dataset(query: str) -> bool:
    """True when the query names its own dataset with FROM or FROM NAMED."""
    return "FROM" in keywords(query)


def check(query: str, limits: Limits = Limits()) -> None:
    """Refuse, before anything runs, what a read-only endpoint never does (raises QueryError)."""
    if len(query.encode("utf-8", "surrogatepass")) > limits.max_query_bytes:
        raise QueryError(f"query is longer than {limits.max_query_bytes} bytes", 413)
    words = keywords(query)
    if _operation(words) in UPDATE_KEYWORDS:
        raise QueryError("SPARQL Update is not accepted: this endpoint is read-only", 403)
    if "SERVICE" in words:
        raise QueryError("SERVICE is not allowed: this endpoint makes no outbound requests", 403)
    depth = deepest = 0
    for kind, _ in tokens(query):
        depth += {"open": 1, "close": -1}.get(kind, 0)
        deepest = max(deepest, depth)
    if deepest > limits.max_nesting:
        raise QueryError(f"query nests brackets {deepest} deep; the limit is {limits.max_nesting}", 400)


def choose(formats: list[Format], accept: str | None, name: str | None) -> Format:
    """The format to answer in; QueryError 406 when nothing offered is acceptable."""
    if name:
        wanted = FORMAT_ALIASES.get(name.lower(), name.lower())
        if formats is GRAPH_FORMATS:
            wanted = GRAPH_FORMAT_ALIASES.get(wanted, wanted)
        for fmt in formats:
            if wanted in (fmt.name, fmt.media_type) or wanted in fmt.aliases:
                return fmt
        offered = ", ".join(f.name for f in formats)
        raise QueryError(f"unknown format {name!r} for this query: use one of {offered}", 400)
    if not accept or not accept.strip():
        return formats[0]
    parsed = parse_accept_header(accept, MIMEAccept)
    offered = [f.media_type for f in formats] + [a for f in formats for a in f.aliases]
    best = parsed.best_match(offered)
    if best is None:
        names = ", ".join(f.media_type for f in formats)
        raise QueryError(f"none of the accepted media types can be produced; this query answers in {names}", 406)
    return next(f for f in formats if best == f.media_type or best in f.aliases)


def execute(
    store: ox.Store,
    query: str,
    accept: str | None = None,
    format_name: str | None = None,
    limits: Limits = Limits(),
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> Answer:
    """Run a read-only query and serialise its answer; raises QueryError for what it refuses.

    The dataset: the protocol's `default_graphs`/`named_graphs` when either is given (exactly
    those, as the SPARQL Protocol says: a graph left unnamed is not in it), else the query's own
    FROM/FROM NAMED, else the union of all graphs as the default graph. Graphs are only ever
    looked up in the store, never fetched; SERVICE is refused before anything runs.
    """
    check(query, limits)
    options: dict = {"prefixes": vocab.PREFIXES, "base_iri": BASE_IRI}
    try:
        if default_graphs or named_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
    except ValueError as error:
        raise QueryError(f"not a graph IRI: {_tidy(error)}", 400) from None
    try:
        result = store.query(query, **options)
    except SyntaxError as error:
        raise QueryError(f"malformed query: {_syntax_message(query, error)}", 400) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryError(f"query failed: {_tidy(error)}", 400) from None
    try:
        return _serialise(result, accept, format_name, limits)
    except (OSError, ValueError, RuntimeError) as error:  # evaluation errors surface while iterating
        raise QueryError(f"query failed: {_tidy(error)}", 400) from None


def _tidy(error: Exception) -> str:
    return " ".join(str(error).split()) or error.__class__.__name__


def _syntax_message(query: str, error: SyntaxError, longest: int = 200) -> str:
    """The parser's message on one line, its list of expected tokens cut short, with a hint for
    the commonest slip: a prefix used without being declared."""
    message = _tidy(error)
    if len(message) > longest:
        message = message[:longest].rsplit(", ", 1)[0] + ", ..."
    missing = undeclared_prefixes(query)
    if missing:
        said = f"the prefix {missing[0]}: is" if len(missing) == 1 else \
            "the prefixes " + ", ".join(f"{p}:" for p in missing) + " are"
        message += (f" ({said} not declared: add PREFIX {missing[0]}: <...>; "
                    f"predeclared are {', '.join(vocab.PREFIXES)})")
    return message


def _serialise(result, accept: str | None, format_name: str | None, limits: Limits) -> Answer:
    if isinstance(result, ox.QueryBoolean):
        fmt = choose(SOLUTION_FORMATS, accept, format_name)
        return Answer(result.serialize(format=fmt.oxigraph), fmt.media_type, form="boolean")
    if isinstance(result, ox.QuerySolutions):
        fmt = choose(SOLUTION_FORMATS, accept, format_name)
        variables = result.variables
        rows = list(itertools.islice(result, limits.max_rows + 1))
        truncated = len(rows) > limits.max_rows
        rows = rows[: limits.max_rows]
        # Rows are kept as TSV (N-Triples terms, lossless), then pyoxigraph writes the asked format.
        tsv = "\t".join(str(v) for v in variables) + "\n" + "".join(
            "\t".join("" if row[v] is None else str(row[v]) for v in variables) + "\n" for row in rows)
        body = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=fmt.oxigraph)
        return Answer(body, fmt.media_type, truncated, "solutions", len(rows))
    fmt = choose(GRAPH_FORMATS, accept, format_name)
    triples = list(itertools.islice(result, limits.max_rows + 1))
    truncated = len(triples) > limits.max_rows
    triples = triples[: limits.max_rows]
    body = ox.serialize(triples, format=fmt.oxigraph, prefixes=vocab.PREFIXES)
    return Answer(body or b"", fmt.media_type, truncated, "graph", len(triples))
