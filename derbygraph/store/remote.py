"""A remote SPARQL 1.1 store as the dataset's engine, for deployments that outgrow one process.

`RemoteStore` answers the few calls derbygraph's services make of a pyoxigraph Store (query,
quads_for_pattern, named_graphs...) with SPARQL over HTTP, so several
stateless app processes can share one Oxigraph, Fuseki, GraphDB or Virtuoso. Where derbygraph
queries the union of all graphs, it names every graph as both `default-graph-uri` and
`named-graph-uri` (plain SPARQL 1.1 Protocol), so the store needs no special configuration and a
query's own FROM still counts.

`push` loads a built dataset into such a store, graph by graph, with the Graph Store Protocol or
SPARQL Update. Blank nodes cannot be named in a query, so they travel as skolem IRIs.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from functools import cached_property

import pyoxigraph as ox

from derbygraph import __version__, vocab
from derbygraph.config import DEFAULT
from derbygraph.errors import BadInput, OutOfMemory, TimedOut, UpstreamFailed

from . import formats, rows
from .querycheck import reading
from .sparql import SERVICE_UNAVAILABLE
from .sparqlparse import Reading, holds_service

SKOLEM = vocab.BASE + ".well-known/genid/"
# What the remote store is asked to answer in, and read back: JSON results; N-Triples, or Turtle.
RESULTS = [formats.RESULTS_JSON]
GRAPHS = [formats.N_TRIPLES, formats.TURTLE]
XSD_BOOLEAN = vocab.XSD + "boolean"
_PROLOGUE_THEN_ASK = re.compile(r"((?:\s+|#[^\n]*|PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*)ASK\b", re.IGNORECASE)


def _ask_as_select(sparql: str, read: Reading) -> str | None:
    """`ASK {...}` as `SELECT * {...} LIMIT 1`, which every engine answers right: Virtuoso answers
    an ASK (and a COUNT) over `GRAPH <iri>` with true (and 1) when a dataset is named and the
    graph is not in it. None when the query is not that simple (grouped, or with VALUES after)."""
    match = _PROLOGUE_THEN_ASK.match(sparql)
    if match is None or any(read.mentions(word) for word in ("GROUP", "HAVING", "VALUES", "LIMIT", "OFFSET")):
        return None
    return f"{match[1]}SELECT *{sparql[match.end():]}\nLIMIT 1"


class RemoteError(UpstreamFailed):
    """The remote store could not be reached or refused a request; str() is one line."""


def skolemise(term):
    return ox.NamedNode(SKOLEM + term.value) if isinstance(term, ox.BlankNode) else term


def _sparql_term(term) -> str:
    return str(term)  # pyoxigraph writes terms in N-Triples syntax, which SPARQL reads


class RemoteStore:
    """The read side of a pyoxigraph Store, over a remote SPARQL endpoint."""

    def __init__(self, endpoint: str, timeout: float = 30.0):
        self.endpoint = endpoint
        self.timeout = timeout
        # A remote answer (JSON, before our own cut to the byte limit) may be a few times our limit.
        self.max_bytes = 4 * DEFAULT.max_answer_bytes

    # --- the one way in -----------------------------------------------------------------

    def _ask(self, text: str, default_graph=None, named_graphs=None, accept: str = formats.accept_header(RESULTS)) -> tuple[str, bytes]:
        """POST the query as a form: the one way every engine reads (Virtuoso 7 does not answer a
        direct `application/sparql-query` POST)."""
        form = [("query", text)] + [("default-graph-uri", g.value) for g in default_graph or []]
        form += [("named-graph-uri", g.value) for g in named_graphs or []]
        request = urllib.request.Request(self.endpoint, data=urllib.parse.urlencode(form).encode(), method="POST", headers={
            "Accept": accept, "Content-Type": "application/x-www-form-urlencoded", "User-Agent": f"derbygraph/{__version__}"})
        try:
            with urllib.request.urlopen(request, timeout=max(self.timeout, 1)) as response:
                body = response.read(self.max_bytes + 1)  # never more than the limit into memory
                if len(body) > self.max_bytes:
                    raise OutOfMemory(f"the remote store's answer is larger than {self.max_bytes >> 20} MiB; "
                                      "narrow the query")
                return response.headers.get_content_type(), body
        except urllib.error.HTTPError as error:
            # The engine's first paragraph: Virtuoso echoes the query after it.
            message = " ".join(error.read()[:2000].decode("utf-8", "replace").split("\n\n")[0].split())
            if holds_service(text):  # a SERVICE the check let through, refused by the store's walls
                raise BadInput(SERVICE_UNAVAILABLE) from None
            if error.code == 400:
                raise SyntaxError(message or "the remote store could not parse the query") from None
            raise RemoteError(f"{self.endpoint}: {error.code} {message[:300]}") from None
        except (socket.timeout, TimeoutError):
            raise TimedOut(f"query stopped: the remote store did not answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as error:
            if isinstance(getattr(error, "reason", None), (socket.timeout, TimeoutError)):
                raise TimedOut(f"query stopped: the remote store did not answer within {self.timeout:g} s") from None
            raise RemoteError(f"{self.endpoint}: {getattr(error, 'reason', error)}") from None

    def query(self, sparql: str, prefixes: dict | None = None, base_iri: str | None = None,
              default_graph=None, named_graphs=None):
        """Like pyoxigraph's Store.query on a built store: the default graph is the union of all graphs
        (named to the remote store as default-graph-uri and named-graph-uri), unless the caller
        names graphs or the query its own dataset (FROM)."""
        prologue = f"BASE <{base_iri}>\n" if base_iri else ""
        prologue += "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        if isinstance(default_graph, ox.NamedNode):
            default_graph = [default_graph]
        read = reading(sparql)  # the store is given the text printed from it, as a worker is
        sparql = read.text
        if default_graph is None and named_graphs is None and not read.states_dataset:
            default_graph, named_graphs = self._graphs, self._graphs  # every graph, merged and by name
        elif default_graph is not None or named_graphs is not None:
            # The protocol's dataset wins over the query's (SPARQL 1.1 Protocol 2.1.4); Virtuoso
            # merges the two, so the query's own FROM clauses are not sent.
            sparql = read.without_dataset()
        form = read.form
        as_select = _ask_as_select(sparql, read) if form == "ASK" else None
        offered = GRAPHS if form in ("CONSTRUCT", "DESCRIBE") else RESULTS
        try:
            media_type, body = self._ask(prologue + (as_select or sparql), default_graph, named_graphs,
                                         formats.accept_header(offered))
        except SyntaxError as error:  # report positions in the caller's text, not ours
            lines, last = prologue.count("\n"), sparql.count("\n") + 1  # an error at the end is on the last line
            raise SyntaxError(re.sub(r"(?<=line )(\d+)|(\d+)(?=:\d+)",
                                     lambda m: str(min(max(int(m[0]) - lines, 1), last)), str(error), count=1)) from None
        fmt = formats.find(offered, media_type)
        if fmt is None:
            raise RemoteError(f"{self.endpoint}: answered in {media_type}, which derbygraph does not read")
        if offered is RESULTS:
            results = ox.parse_query_results(_canonical_booleans(body), fmt.oxigraph)
            if form == "ASK" and isinstance(results, ox.QuerySolutions):
                # A row for SELECT * ... LIMIT 1; Virtuoso answers an ASK with one row, ?__ASK_RETVAL 1 or 0.
                truth = any(True for _ in results) if as_select else any(int(row[0].value) for row in results)
                results = ox.parse_query_results(json.dumps({"head": {}, "boolean": truth}).encode(),
                                                 ox.QueryResultsFormat.JSON)
            return results
        return [quad.triple for quad in ox.parse(body, fmt.oxigraph)]

    # --- what the services read ------------------------------------------------------------

    def _rows(self, sparql: str, **options) -> list:
        return rows.read(self.query(sparql, **options))

    def quads_for_pattern(self, subject=None, predicate=None, obj=None, graph_name=None):
        """Quads in the named graphs, or with graph_name DefaultGraph() in the union of them all."""
        if any(isinstance(t, ox.BlankNode) for t in (subject, obj, graph_name)):
            return iter(())  # a pushed store holds no blank nodes
        names = {"s": subject, "p": predicate, "o": obj}
        pattern = " ".join(_sparql_term(t) if t is not None else f"?{n}" for n, t in names.items())
        if isinstance(graph_name, ox.DefaultGraph):
            found = self._rows(f"SELECT * WHERE {{ {pattern} }}")
            return (ox.Quad(*(row[n] if names[n] is None else names[n] for n in "spo"), graph_name) for row in found)
        graph = _sparql_term(graph_name) if graph_name is not None else "?g"
        found = self._rows(f"SELECT * WHERE {{ GRAPH {graph} {{ {pattern} }} }}")
        return (ox.Quad(*(row[n] if names[n] is None else names[n] for n in "spo"),
                        graph_name if graph_name is not None else row["g"]) for row in found)

    def __iter__(self):
        return self.quads_for_pattern()

    def __len__(self) -> int:
        return int(self._rows("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"].value)

    @cached_property
    def _graphs(self) -> list[ox.NamedNode]:
        """The store's derbygraph graphs (those `push` writes; Virtuoso keeps its own graphs beside
        them), read once: the app only reads, and `push` replaces whole datasets."""
        rows = self._rows("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", default_graph=[], named_graphs=[])
        found = [row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)]
        if not found:  # Virtuoso matches no graph with an empty pattern: ask of the triples
            rows = self._rows(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), "
                              f'"{vocab.GRAPH}") }}', default_graph=[], named_graphs=[])
            found = [row["g"] for row in rows]
        return sorted((g for g in found if g.value.startswith(vocab.GRAPH)), key=lambda g: g.value)

    def named_graphs(self):
        return iter(self._graphs)

    def contains_named_graph(self, graph) -> bool:
        return graph in self._graphs


def _canonical_booleans(body: bytes) -> bytes:
    """JSON results with xsd:boolean values as `true`/`false` (Virtuoso answers 1 and 0)."""
    if XSD_BOOLEAN.encode() not in body:
        return body
    results = json.loads(body)
    for row in results.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("datatype") == XSD_BOOLEAN and term.get("value") in ("1", "0"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(results).encode()


def push(quads, endpoint: str, gsp: str | None = None, batch: int = 1000, progress=None) -> int:
    """Load quads into a remote store, replacing the graphs they belong to. Returns the count.

    With `gsp` (a Graph Store Protocol URL) each graph is PUT whole; otherwise the graphs are
    cleared and filled with SPARQL Update INSERT DATA in batches at `endpoint`.
    """
    by_graph: dict = {}
    for quad in quads:
        graph = quad.graph_name if isinstance(quad.graph_name, ox.NamedNode) else ox.NamedNode(vocab.GRAPH_EXTRA + "default")
        by_graph.setdefault(graph.value, []).append(
            ox.Triple(skolemise(quad.subject), quad.predicate, skolemise(quad.object)))
    total = 0
    for graph, triples in sorted(by_graph.items()):
        if gsp:
            url = gsp + ("&" if "?" in gsp else "?") + urllib.parse.urlencode({"graph": graph})
            body = ox.serialize(triples, format=formats.N_TRIPLES.oxigraph)
            _http(url, "PUT", body, formats.N_TRIPLES.media_type)
        else:
            _update(endpoint, f"DROP SILENT GRAPH <{graph}>")
            for start in range(0, len(triples), batch):
                chunk = " .\n".join(str(t) for t in itertools.islice(triples, start, start + batch))
                _update(endpoint, f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk} .\n}} }}")
        total += len(triples)
        if progress:
            progress(f"pushed {len(triples)} triples into <{graph}>")
    return total


def _http(url: str, method: str, body: bytes, media_type: str) -> None:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": media_type})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
    except urllib.error.HTTPError as error:
        first_line = error.read()[:300].decode("utf-8", "replace").strip().split("\n")[0]
        raise RemoteError(f"{url}: {error.code} {first_line}") from None
    except (urllib.error.URLError, OSError) as error:
        raise RemoteError(f"{url}: {getattr(error, 'reason', error)}") from None


def _update(endpoint: str, text: str) -> None:
    _http(endpoint, "POST", text.encode("utf-8"), "application/sparql-update")
