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
FORMAT_ALIASES = {"ttl": "turtle", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld", "rdfxml": "xml",
                  "rdf": "xml", "srj": "json", "srx": "xml"}

UPDATE_KEYWORDS = re.compile(
    r"^\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^\s*((#[^\n]*\n)|(PREFIX\s+[^:\s]*:\s*<[^>]*>)|(BASE\s*<[^>]*>)|\s+)*", re.IGNORECASE)


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
    max_body_bytes: int = 1_000_000  # a request body


@dataclass
class Answer:
    body: bytes
    media_type: str
    truncated: bool = False
    form: str = "solutions"  # solutions, boolean or graph
    rows: int | None = None


def is_update(query: str) -> bool:
    """True when the text is a SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP...)."""
    return bool(UPDATE_KEYWORDS.match(query[_PROLOGUE.match(query).end():]))


def choose(formats: list[Format], accept: str | None, name: str | None) -> Format:
    """The format to answer in; QueryError 406 when nothing offered is acceptable."""
    if name:
        wanted = FORMAT_ALIASES.get(name.lower(), name.lower())
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
    """Run a read-only query and serialise its answer; raises QueryError for what it refuses."""
    if len(query.encode("utf-8")) > limits.max_query_bytes:
        raise QueryError(f"query is longer than {limits.max_query_bytes} bytes", 413)
    if is_update(query):
        raise QueryError("SPARQL Update is not accepted: this endpoint is read-only", 403)
    options: dict = {"prefixes": vocab.PREFIXES}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        result = store.query(query, **options)
    except SyntaxError as error:
        raise QueryError(f"malformed query: {_tidy(error)}", 400) from None
    except (OSError, ValueError, RuntimeError) as error:
        raise QueryError(f"query failed: {_tidy(error)}", 400) from None
    try:
        return _serialise(result, accept, format_name, limits)
    except (OSError, ValueError, RuntimeError) as error:  # evaluation errors surface while iterating
        raise QueryError(f"query failed: {_tidy(error)}", 400) from None


def _tidy(error: Exception) -> str:
    return " ".join(str(error).split()) or error.__class__.__name__


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
