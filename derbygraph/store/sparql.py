"""SPARQL execution and serialisation, shared by the query workers, the CLI and the pages.

The caller has checked the query (`querycheck`) and passes the text printed from its reading;
the format is chosen by `formats`; this module runs the query on a store and writes its answer
within the row and byte limits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox

from derbygraph import vocab
from derbygraph.config import DEFAULT, Config
from derbygraph.errors import BadInput

from . import formats, sparqlparse

# Relative IRIs in a query (`<s>`) resolve against the dataset's base, the same for the CLI and the web.
BASE_IRI = vocab.BASE


@dataclass
class Answer:
    """A serialised answer, at most `Config.max_rows` rows and `Config.max_answer_bytes` bytes;
    `truncated` names the limit that cut it ("rows" or "bytes"), or is None."""

    body: bytes
    format: formats.Format
    truncated: str | None = None
    form: str = "solutions"  # solutions, boolean or graph
    rows: int | None = None

    @property
    def media_type(self) -> str:
        return self.format.media_type


def execute(
    store: ox.Store,
    query: str,
    accept: str | None = None,
    format_name: str | None = None,
    config: Config = DEFAULT,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> Answer:
    """Run a read-only query and serialise its answer; raises BadInput for what cannot run.

    The dataset: the protocol's `default_graphs`/`named_graphs` when either is given (exactly
    those, as the SPARQL Protocol says: a graph left unnamed is not in it), else the query's own
    FROM/FROM NAMED, else the union of all graphs as the default graph. Graphs are only ever
    looked up in the store, never fetched.
    """
    options: dict = {"prefixes": vocab.PREFIXES, "base_iri": BASE_IRI}
    try:
        if default_graphs or named_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
    except ValueError as error:
        raise BadInput(f"not a graph IRI: {_tidy(error)}") from None
    try:
        result = store.query(query, **options)
        return _serialise(result, accept, format_name, config)  # evaluation errors surface while iterating
    except SyntaxError as error:
        raise BadInput(f"malformed query: {_syntax_message(error)}") from None
    except OSError as error:
        if sparqlparse.holds_service(query):  # the sandbox refused SERVICE's connection
            raise BadInput(SERVICE_UNAVAILABLE) from None
        raise BadInput(f"query failed: {_tidy(error)}") from None
    except (ValueError, RuntimeError) as error:
        raise BadInput(f"query failed: {_tidy(error)}") from None


SERVICE_UNAVAILABLE = ("SERVICE is not available: this endpoint makes no outbound requests; query the data "
                       "here, or run the federated query from your own client")


def _tidy(error: Exception) -> str:
    return " ".join(str(error).split()) or error.__class__.__name__


def _syntax_message(error: SyntaxError, longest: int = 200) -> str:
    """The engine's message on one line, its list of expected tokens cut short (the query check
    parsed the query first, so this is the rare query the engine reads more strictly)."""
    message = _tidy(error)
    if len(message) > longest:
        message = message[:longest].rsplit(", ", 1)[0] + ", ..."
    return message


def _serialise(result, accept: str | None, format_name: str | None, config: Config) -> Answer:
    """The answer in the chosen format, cut to the row and byte limits (whole rows only)."""
    if isinstance(result, ox.QueryBoolean):
        fmt = _format("solutions", accept, format_name)
        return Answer(result.serialize(format=fmt.oxigraph), fmt, form="boolean")
    if isinstance(result, ox.QuerySolutions):
        fmt = _format("solutions", accept, format_name)
        header, lines, truncated = _solution_lines(result, config)

        def write_solutions(count: int) -> bytes:
            tsv = header + b"".join(lines[:count])
            return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=fmt.oxigraph)
        body, rows, truncated = _fit(write_solutions, len(lines), truncated, config)
        return Answer(body, fmt, truncated, "solutions", rows)
    fmt = _format("graph", accept, format_name)
    triples, truncated = _take(result, config, size=lambda triple: len(str(triple)))

    def write_triples(count: int) -> bytes:
        return ox.serialize(triples[:count], format=fmt.oxigraph, prefixes=vocab.PREFIXES) or b""
    body, rows, truncated = _fit(write_triples, len(triples), truncated, config)
    return Answer(body, fmt, truncated, "graph", rows)


@functools.lru_cache(maxsize=256)
def _format(form: str, accept: str | None, format_name: str | None) -> formats.Format:
    """The format of an answer of this form ("solutions" or "graph"); clients send the same
    Accept header with every request, so each is negotiated once (a 406 is not remembered)."""
    return formats.negotiate(formats.for_form(form), accept, format_name)


class _Enough(Exception):
    """Raised into pyoxigraph's writer when the answer has reached a limit: evaluation stops."""


class _TSVSink:
    """Where pyoxigraph writes solutions as TSV (N-Triples terms, lossless, one row a line),
    natively, until the rows or bytes pass a limit."""

    def __init__(self, config: Config):
        self.config, self.chunks, self.size, self.lines = config, [], 0, 0
        self.truncated: str | None = None

    def write(self, data) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.size += len(data)
        self.lines += data.count(b"\n")
        if self.lines - 1 > self.config.max_rows:  # the first line is the header
            self.truncated = "rows"
        elif self.size > self.config.max_answer_bytes:
            self.truncated = "bytes"
        if self.truncated:
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass


def _solution_lines(result: ox.QuerySolutions, config: Config) -> tuple[bytes, list[bytes], str | None]:
    """The TSV header, the rows as TSV lines up to the row limit and about the byte limit (their
    N-Triples size), and which limit stopped the taking."""
    sink = _TSVSink(config)
    try:
        result.serialize(sink, ox.QueryResultsFormat.TSV)
    except _Enough:
        pass
    header, _, rest = b"".join(sink.chunks).partition(b"\n")
    lines = [line + b"\n" for line in rest.split(b"\n")[:-1]]  # the last is empty, or cut short
    if sink.truncated == "rows":
        del lines[config.max_rows:]
    elif sink.truncated == "bytes":
        total = 0
        for count, line in enumerate(lines):
            total += len(line)
            if total > config.max_answer_bytes:
                del lines[count:]
                break
    return header + b"\n", lines, sink.truncated


def _take(items, config: Config, size=len) -> tuple[list, str | None]:
    """Items up to the row limit and about the byte limit (their N-Triples size), and which
    limit stopped the taking."""
    taken, total = [], 0
    for item in items:
        if len(taken) == config.max_rows:
            return taken, "rows"
        total += size(item)
        if total > config.max_answer_bytes:
            return taken, "bytes"
        taken.append(item)
    return taken, None


def _fit(write, count: int, truncated: str | None, config: Config) -> tuple[bytes, int, str | None]:
    """Write `count` items; while the body is over the byte limit, write fewer (XML or JSON
    take more bytes per row than N-Triples)."""
    body = write(count)
    while len(body) > config.max_answer_bytes and count:
        count = int(count * config.max_answer_bytes / len(body) * 0.95)
        body, truncated = write(count), "bytes"
    return body, count, truncated
