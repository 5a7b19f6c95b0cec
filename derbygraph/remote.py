"""A remote SPARQL 1.1 store as the dataset's engine, for deployments that outgrow one process.

`RemoteStore` answers the few calls derbygraph's services make of a pyoxigraph Store (query,
quads_for_pattern, named_graphs...) with SPARQL over HTTP through SPARQLWrapper, so several
stateless app processes can share one Oxigraph, Fuseki, GraphDB or Virtuoso. Where derbygraph
queries the union of all graphs, it names every graph as both `default-graph-uri` and
`named-graph-uri` (plain SPARQL 1.1 Protocol), so the store needs no special configuration and a
query's own FROM still counts.

`push` loads a built dataset into such a store, graph by graph, with the Graph Store Protocol or
SPARQL Update. Blank nodes cannot be named in a query, so they travel as skolem IRIs.
"""

from __future__ import annotations

import itertools
import re
import socket
from functools import cached_property
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from . import __version__, vocab
from .config import DEFAULT
from .errors import QueryError
from .querycheck import states_dataset

SKOLEM = vocab.BASE + ".well-known/genid/"
RESULT_TYPES = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"


class RemoteError(QueryError):
    """The remote store could not be reached or refused a request (502); str() is one line."""

    def __init__(self, message: str):
        super().__init__(message, 502)


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

    def _ask(self, text: str, default_graph=None, named_graphs=None) -> tuple[str, bytes]:
        client = SPARQLWrapper(self.endpoint, agent=f"derbygraph/{__version__}")
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
        client.setQuery(text)
        client.setTimeout(int(max(self.timeout, 1)))
        client.addCustomHttpHeader("Accept", RESULT_TYPES)
        for graph in default_graph or []:
            client.addParameter("default-graph-uri", graph.value)
        for graph in named_graphs or []:
            client.addParameter("named-graph-uri", graph.value)
        try:
            response = client.query().response
            body = response.read(self.max_bytes + 1)  # never more than the limit into memory
            if len(body) > self.max_bytes:
                raise QueryError(f"the remote store's answer is larger than {self.max_bytes >> 20} MiB; "
                                 "narrow the query", 507)
            return response.headers.get_content_type(), body
        except SPARQLWrapperException as error:
            message = " ".join(str(error).split())
            if "QueryBadFormed" in type(error).__name__ or "400" in message[:120]:
                raise SyntaxError(re.sub(r"^.*?Response: b?['\"]?", "", message).rstrip("'\" ")) from None
            raise RemoteError(f"{self.endpoint}: {message[:300]}") from None
        except (socket.timeout, TimeoutError):
            raise QueryError(f"query stopped: the remote store did not answer within {self.timeout:g} s", 503) from None
        except (urllib.error.URLError, OSError) as error:
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
        if default_graph is None and named_graphs is None and not states_dataset(sparql):
            default_graph, named_graphs = self._graphs, self._graphs  # every graph, merged and by name
        try:
            media_type, body = self._ask(prologue + sparql, default_graph, named_graphs)
        except SyntaxError as error:  # report positions in the caller's text, not ours
            lines = prologue.count("\n")
            raise SyntaxError(re.sub(r"(\d+):(\d+)", lambda m: f"{max(int(m[1]) - lines, 1)}:{m[2]}",
                                     str(error), count=1)) from None
        if media_type == "application/sparql-results+json":
            return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if media_type in ("application/n-triples", "text/turtle", "text/plain"):
            fmt = ox.RdfFormat.TURTLE if media_type == "text/turtle" else ox.RdfFormat.N_TRIPLES
            return [quad.triple for quad in ox.parse(body, fmt)]
        raise RemoteError(f"{self.endpoint}: answered in {media_type}, which derbygraph does not read")

    # --- what the services read ------------------------------------------------------------

    def quads_for_pattern(self, subject=None, predicate=None, obj=None, graph_name=None):
        """Quads in the named graphs, or with graph_name DefaultGraph() in the union of them all."""
        if any(isinstance(t, ox.BlankNode) for t in (subject, obj, graph_name)):
            return iter(())  # a pushed store holds no blank nodes
        names = {"s": subject, "p": predicate, "o": obj}
        pattern = " ".join(_sparql_term(t) if t is not None else f"?{n}" for n, t in names.items())
        if isinstance(graph_name, ox.DefaultGraph):
            rows = self.query(f"SELECT * WHERE {{ {pattern} }}")
            return (ox.Quad(*(row[n] if names[n] is None else names[n] for n in "spo"), graph_name) for row in rows)
        graph = _sparql_term(graph_name) if graph_name is not None else "?g"
        rows = self.query(f"SELECT * WHERE {{ GRAPH {graph} {{ {pattern} }} }}")
        return (ox.Quad(*(row[n] if names[n] is None else names[n] for n in "spo"),
                        graph_name if graph_name is not None else row["g"]) for row in rows)

    def __iter__(self):
        return self.quads_for_pattern()

    def __len__(self) -> int:
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(rows))["n"].value)

    @cached_property
    def _graphs(self) -> list[ox.NamedNode]:
        """The store's graphs, read once: the app only reads, and `push` replaces whole datasets."""
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", default_graph=[], named_graphs=[])
        return [row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)]

    def named_graphs(self):
        return iter(self._graphs)

    def contains_named_graph(self, graph) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {_sparql_term(graph)} {{ }} }}"))


def push(quads, endpoint: str, gsp: str | None = None, batch: int = 5000, progress=None) -> int:
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
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            _http(url, "PUT", body, "application/n-triples")
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
        raise RemoteError(f"{url}: {error.code} {error.read()[:200].decode('utf-8', 'replace')}") from None
    except (urllib.error.URLError, OSError) as error:
        raise RemoteError(f"{url}: {getattr(error, 'reason', error)}") from None


def _update(endpoint: str, text: str) -> None:
    _http(endpoint, "POST", text.encode("utf-8"), "application/sparql-update")
