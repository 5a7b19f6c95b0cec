"""The query check: one SPARQL parser decides what a read-only endpoint refuses, and the engine runs
the query printed from that parse, never the client's text.

Three kinds of evidence: the attacks the audits found (SERVICE smuggled past a text scan, chains
that crash the engine) refused, with a loopback listener seeing no connection and the server still
answering; the analyst corpus (tests/analyst_queries.py) answered through the live endpoint
exactly as pyoxigraph answers the raw text; and a property, over queries generated from the
grammar, that what passes the check runs as the original does and reaches no network.
"""

from __future__ import annotations

import re
import socket
import urllib.parse

import backends
import pyoxigraph as ox
import pytest
from analyst_queries import QUERIES
from conftest import Server, free_port, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derbygraph import vocab
from derbygraph.answers import canned as queries
from derbygraph.config import DEFAULT
from derbygraph.errors import UserError
from derbygraph.store import sparql
from derbygraph.store.querycheck import check
from derbygraph.store.sparqlparse import holds_service
from derbygraph.web.app import status_of


def refused(query: str) -> int | None:
    try:
        check(query, DEFAULT)
    except UserError as error:
        return status_of(error)
    return None


def refusal(query: str) -> str:
    with pytest.raises(UserError) as raised:
        check(query, DEFAULT)
    return str(raised.value)


# --- SERVICE: refused wherever the tree holds it, in no text the engine is given otherwise -----

HERE = "http://127.0.0.1:{port}/x"
SMUGGLED = [
    "SELECT * WHERE { FILTER(1<2)SERVICE#>\n<{here}>{ ?s ?p ?o } }",  # the audit's: `<2)SERVICE#>` is no IRI
    "SELECT * WHERE { ?s ?p ?o FILTER(1<2&&'>'='>') SERVICE <{here}> {} }",
    "SELECT * WHERE { SERVICE <{here}> { ?s ?p ?o } }",
    "select * where { service silent <{here}> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE <{here}> { ?s ?p ?o } }",
    "PREFIX : <{here}> SELECT * WHERE { SERVICE: { ?x ?y ?z } }",
    "PREFIX p: <{here}> SELECT * WHERE { SERVICEp:y { ?x ?y ?z } }",
    "PREFIX serviceX: <{here}> SELECT * WHERE { SERVICE serviceX: { ?x ?y ?z } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <{here}> {} }",
    "SELECT * WHERE { ?s ?p ?o.SERVICE<{here}>{} }",
    r"SELECT * WHERE { \u0053ERVICE <{here}> {} }",
    r"SELECT * WHERE { \U00000053ERVICE <{here}> {} }",
    "SELECT * WHERE { #\nSERVICE#\n<{here}>#\n{} }",
    "SELECT * WHERE { VALUES ?u { <{here}> } SERVICE ?u { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?u { <{here}> } FILTER EXISTS { SERVICE ?u { ?s ?p ?o } } }",
    "SELECT * WHERE { FILTER NOT EXISTS { SERVICE <{here}> { ?s ?p ?o } } }",
    "SELECT * WHERE { OPTIONAL { SERVICE <{here}> { ?s ?p ?o } } }",
    "SELECT * WHERE { MINUS { SERVICE <{here}> { ?s ?p ?o } } }",
    "SELECT * WHERE { GRAPH ?g { SERVICE <{here}> { ?s ?p ?o } } }",
    "SELECT * WHERE { {} UNION { SERVICE <{here}> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE <{here}> { ?s ?p ?o } } } }",
    "ASK { SERVICE <{here}> {} }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{here}> { ?s ?p ?o } }",
    "SELECT (EXISTS { SERVICE <{here}> {} } AS ?x) WHERE {}",
    "SELECT * WHERE { SERVICE <{here}>{} } # SERVICE",
    "SELECT * WHERE { BIND(<{here}> AS ?u) SERVICE ?u {} }",
]


@pytest.mark.parametrize("query", SMUGGLED)
def test_service_is_refused_however_it_is_spelt(query):
    assert refused(query.replace("{here}", HERE)) in (400, 403)


def test_the_refusal_of_service_says_what_to_do_instead():
    message = refusal("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert "no outbound requests" in message and "your own client" in message and "%27" not in message


def test_the_engine_never_reads_service_where_the_check_did_not():
    """The smuggles that pass are no longer smuggles: their printed text holds no SERVICE."""
    passing = ["SELECT * WHERE { FILTER(1<2) } # SERVICE <http://x/> {}",
               "PREFIX SERVICE: <http://x/> SELECT * WHERE { SERVICE: ?p ?o }",
               "SELECT ?service WHERE { ?service a dg:Service ; rdfs:label 'SERVICE <http://x/> {}' }"]
    for query in passing:
        assert not holds_service(check(query, DEFAULT)), query


@pytest.mark.parametrize("query", [
    "INSERT DATA { <a> <b> <c> }", "PREFIX x: <y> DELETE WHERE { ?s ?p ?o }", "LOAD <http://x/>",
    "CLEAR ALL", "DROP GRAPH <g>", "# a comment\nBASE <http://x/> with <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused(query):
    assert refused(query) == 403
    assert "read-only" in refusal(query)


# --- depth and size, measured on the tree ---------------------------------------------------------

CHAINS = {  # shapes that crash the engine at 20,000 (it recurses over its tree)
    "+": lambda n: "SELECT * WHERE { BIND(" + "+".join(["1"] * n) + " AS ?x) }",
    "*": lambda n: "SELECT * WHERE { BIND(" + "*".join(["2"] * n) + " AS ?x) }",
    "||": lambda n: "SELECT * WHERE { FILTER(" + "||".join(["true"] * n) + ") }",
    "UNION": lambda n: "SELECT * WHERE { " + "UNION".join(["{}"] * n) + " }",
    "MINUS": lambda n: "SELECT * WHERE { " + "MINUS{}" * n + " }",
    "OPTIONAL": lambda n: "SELECT * WHERE { " + "OPTIONAL{}" * n + " }",
    "BIND": lambda n: "SELECT * WHERE { " + "".join(f"BIND(1 AS ?v{i})" for i in range(n)) + " }",
    "( )": lambda n: "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "{ }": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "!": lambda n: "SELECT * WHERE { FILTER(" + "!" * n + "true) }",
    "/": lambda n: "SELECT * WHERE { <http://s> " + "/".join(["<http://p>"] * n) + " ?o }",
    "list": lambda n: "SELECT * WHERE { ?s <http://p> (" + " 1" * n + ") }",
    "[ ]": lambda n: "SELECT * WHERE { ?s <http://p> " + "[<http://p> " * n + "1" + "]" * n + " }",
    "triples": lambda n: "SELECT * WHERE { " + " ".join(f"?s{i} <http://p> {i} ." for i in range(n)) + " }",
    "objects": lambda n: "SELECT * WHERE { ?s <http://p> " + ",".join(str(i) for i in range(n)) + " }",
    "EXISTS": lambda n: "SELECT * WHERE { " + "FILTER EXISTS {" * (n // 2) + "}" * (n // 2) + " }",
}


@pytest.mark.parametrize("shape", CHAINS)
def test_a_chain_the_engine_cannot_take_is_refused_naming_it(shape):
    message = refusal(CHAINS[shape](DEFAULT.max_nesting + 10))
    assert "deep" in message and str(DEFAULT.max_nesting) in message


def within_the_limit(shape: str) -> str:
    """The shape as long as the limit allows (nested [ ] are both nested and a triple each)."""
    return CHAINS[shape]((DEFAULT.max_nesting - 10) // (2 if shape == "[ ]" else 1))


@pytest.mark.parametrize("shape", CHAINS)
def test_a_chain_within_the_limit_passes(shape):
    assert refused(within_the_limit(shape)) is None


def test_size_limit_is_a_megabyte():
    assert DEFAULT.max_query_bytes >= 1_000_000
    assert refused("SELECT * WHERE { ?s ?p ?o } #" + "x" * DEFAULT.max_query_bytes) == 413
    assert refused("SELECT * WHERE { ?s ?p ?o } #" + "x" * 999_000) is None


# --- not SPARQL: where, and what was expected -----------------------------------------------------

def test_a_syntax_error_says_line_column_and_what_was_expected():
    message = refusal("SELECT ?x WHERE {\n  ?x ?y \n}")
    assert "error at 3:1" in message and "expected one of" in message and "a variable" in message


def test_an_undeclared_prefix_is_named():
    message = refusal("SELECT * WHERE { ?s ex:p ?o }")
    assert "ex:" in message and "PREFIX" in message


@pytest.mark.parametrize("query", [
    r"SELECT * WHERE { ?s ?p <http://x/\u003e> }",       # an escape may not make an IRI's `>`
    r"SELECT * WHERE { ?s ?p <http://x/\u0020y> }",      # nor a space
    r"SELECT * WHERE { ?s ?p 'a\uD800' }",               # nor a surrogate
])
def test_escapes_cannot_make_what_the_grammar_forbids(query):
    assert refused(query) == 400


# --- what is printed ------------------------------------------------------------------------------

def test_printed_text_is_canonical():
    printed = check("PREFIX service: <http://x/id/service/>  # mine\nselect ?s where { ?s a service:A ;"
                    r" rdfs:label 'Children\u0027s'@en FILTER(?s<?t) }", DEFAULT)
    assert printed == ("PREFIX p0: <http://www.w3.org/2000/01/rdf-schema#> PREFIX p1: <http://x/id/service/> "
                       "SELECT ?s WHERE { ?s a p1:A ; p0:label \"Children's\"@en FILTER ( ?s < ?t ) }")
    assert check(printed, DEFAULT) == printed


def test_every_canned_query_passes():
    for canned in queries.catalogue().values():
        assert refused(canned.text) is None, canned.name


# --- SERVICE that reaches an engine anyway --------------------------------------------------------

def test_service_reaching_the_engine_is_a_clear_400():
    with socket.socket() as probe:  # a port nobody listens on: the connection fails, as in the sandbox
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UserError) as raised:
        sparql.execute(ox.Store(), f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")
    assert status_of(raised.value) == 400 and "SERVICE is not available" in str(raised.value)


# --- the live server: attacks refused, nothing reached, still answering -----------------------------

def post(server, query: str, accept: str = "application/sparql-results+json"):
    return server.get("/sparql", {"Content-Type": "application/sparql-query", "Accept": accept},
                      data=query.encode("utf-8"), method="POST")


def test_smuggled_service_reaches_nothing(server, listener):
    before = len(listener.hits)
    for query in SMUGGLED:
        query = query.replace("{here}", listener.url)
        status, _, body = post(server, query)
        assert status in (400, 403), (query, body)
        form = urllib.parse.urlencode({"query": query}).encode()
        assert server.get("/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, form)[0] in (400, 403)
    assert len(listener.hits) == before


@pytest.mark.parametrize("shape", ["+", "*", "UNION", "MINUS", "{ }", "/", "list"])
def test_long_chains_are_refused_and_the_server_lives(server, shape):
    status, _, body = post(server, CHAINS[shape](20_000))
    assert status == 400 and b"deep" in body, body[:300]
    assert post(server, "ASK { ?s a dg:Service }")[0] == 200


@pytest.fixture(scope="module")
def impatient_server(store):
    running = Server("--store", store, "--query-timeout", "1.5")  # a deep plan overflows the stack on its first row, if at all
    yield running
    running.stop()


@pytest.mark.parametrize("shape", CHAINS)
def test_the_engine_takes_every_chain_the_check_lets_through(impatient_server, shape):
    """Just under the limit, each shape runs in a worker (64 MiB stack) and the worker lives: an
    answer, or (the long joins of paths, lists and nested [ ]) the time limit, never a crash."""
    status, _, body = post(impatient_server, within_the_limit(shape))
    assert status == 200 or status == 503 and b"time limit" in body, body[:300]


@pytest.fixture(scope="module")
def remote(store, tmp_path_factory):
    """`serve --endpoint` on an `oxigraph serve` run as the README says: RUST_MIN_STACK=64 MiB (its
    request threads have 2 MiB by default, and die at ~700 nested groups)."""
    backends.require("oxigraph")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUST_MIN_STACK", str(64 << 20))
        engine_context = backends.oxigraph(tmp_path_factory.mktemp("oxigraph"), free_port())
        engine = engine_context.__enter__()
    try:
        assert run_cli("push", "--store", store, "--endpoint", engine.update, "--gsp", engine.gsp).returncode == 0
        running = Server("--endpoint", engine.query)
        yield running
        running.stop()
    finally:
        engine_context.__exit__(None, None, None)


def test_long_chains_never_reach_a_remote_store(remote):
    """One such query once killed the remote Oxigraph (every page 502 after)."""
    for shape in ("+", "UNION", "MINUS", "{ }", "list"):
        status, _, body = post(remote, CHAINS[shape](20_000))
        assert status == 400 and b"deep" in body, body[:300]
    for shape in ("{ }", "MINUS", "+", "( )"):  # and what passes, the remote store survives
        status, _, body = post(remote, within_the_limit(shape))
        assert status == 200, (shape, body[:300])
    assert post(remote, "ASK { ?s a dg:Service }")[0] == 200


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_smuggled_service_reaches_nothing_from_a_remote_store(request, engine, listener):
    server = request.getfixturevalue("remote" if engine == "oxigraph" else "virtuoso_backend")
    server = getattr(server, "server", server)
    before = len(listener.hits)
    for query in SMUGGLED:
        status, _, body = post(server, query.replace("{here}", listener.url))
        assert status in (400, 403), body[:300]
    assert len(listener.hits) == before


# --- the analyst corpus: never refused, answered as the engine answers the raw text ------------------

def engine_answer(store: ox.Store, query: str):
    """pyoxigraph's own answer to the raw text, as rows of N-Triples terms (or a boolean)."""
    result = store.query(query, prefixes=vocab.PREFIXES, base_iri=vocab.BASE)
    return answer_rows(result)


def answer_rows(result):
    """The answer as sorted rows of N-Triples terms, blank nodes unlabelled (or a boolean)."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = (" ".join(str(row[v]) if row[v] is not None else "" for v in variables) for row in result)
    else:
        rows = (str(triple) for triple in result)
    return sorted(re.sub(r"_:\w+", "_:", row) for row in rows)


def endpoint_answer(server, query: str):
    status, headers, body = post(server, query, "application/sparql-results+json, application/n-triples;q=0.9")
    assert status == 200, body[:500]
    if headers.get_content_type() == "application/n-triples":
        return answer_rows(quad.triple for quad in ox.parse(body, ox.RdfFormat.N_TRIPLES))
    return answer_rows(ox.parse_query_results(body, ox.QueryResultsFormat.JSON))


def test_the_corpus_is_large_enough():
    assert len(QUERIES) >= 56


@pytest.mark.parametrize("name", QUERIES)
def test_analyst_queries_are_answered_as_the_engine_answers_them(server, dataset, name):
    query = QUERIES[name]
    assert refused(query) is None
    assert endpoint_answer(server, query) == engine_answer(dataset.store, query)


# --- the property: from the grammar, whatever passes runs as written and reaches nothing ------------

PREFIX_NAMES = ["service", "SERVICE", "serviceX", "xservice", "p", "", "select", "a", "filter", "Service"]
SEPARATORS = [" ", " ", "\n", "\t", "", "#SERVICE <{here}> {\n", "# c\n", "  "]
KEYWORD_CASES = [str.upper, str.lower, str.title]


@st.composite
def string_literals(draw):
    body = draw(st.sampled_from(["a", "SERVICE <{here}> {}", "King's", "x\\u0027y", "\\u0053ERVICE", "q\\\"q",
                                 "#", "<2)", "tab\\t", "\\\\"]))
    quote = draw(st.sampled_from(["'", '"', "'''", '"""']))
    if quote == "'" and "'" in body or quote == '"' and '"' in body.replace('\\"', ""):
        quote = '"""' if quote == '"' else "'''"
    return quote + body + quote


@st.composite
def grammar_queries(draw):
    """A query built from the grammar's pieces, with comments, spacing, escapes and keywords in
    the places a text scan trips on."""
    here = "{here}"
    names = draw(st.lists(st.sampled_from(PREFIX_NAMES), max_size=3, unique=True))
    case = draw(st.sampled_from(KEYWORD_CASES))
    tokens = []
    for name in names:
        tokens += [case("PREFIX"), f"{name}:", draw(st.sampled_from([f"<{here}/>", "<http://d/>", "<http://d/King's/>"]))]
    terms = [f"{n}:a" for n in names] + ["?s", "?o", f"<{here}>", "<http://d/King's>", "<http://d/a>", "1", "-1"]
    term = st.sampled_from(terms)
    tokens += [case("SELECT"), "*", case("WHERE"), "{"]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["triple", "filter", "service", "optional", "union", "bind", "values", "chain"]))
        if kind == "triple":
            tokens += [draw(term), draw(st.sampled_from(terms[:-2] + ["a", "?p"])), draw(st.one_of(term, string_literals())), "."]
        elif kind == "filter":
            op = draw(st.sampled_from(["<", "<=", ">", "=", "!=", "&&", "||"]))
            left, right = draw(st.sampled_from(["1", "?o", "'2000'", "STR(?s)", "2"])), draw(st.sampled_from(["2", "?s", "'>'", "3", "'a'"]))
            glue = draw(st.sampled_from(["", " "]))
            tokens += [case("FILTER"), f"({left}{glue}{op}{glue}{right})"]
        elif kind == "service":
            tokens += [draw(st.sampled_from(["SERVICE", "service", "SERVICE SILENT", "\\u0053ERVICE"])), draw(term), "{", "}"]
        elif kind == "optional":
            tokens += [case("OPTIONAL"), "{", draw(term), "?p", "?o", "}"]
        elif kind == "union":
            tokens += ["{", "?s", "?p", "?o", "}", case("UNION"), "{", "}"]
        elif kind == "bind":
            tokens += [case("BIND"), "(", draw(st.sampled_from(["'x\\u0027s'", "1+1", "-(1)", "!true"])), case("AS"),
                       f"?b{len(tokens)}", ")"]
        elif kind == "values":
            tokens += [case("VALUES"), "?v", "{", draw(term), draw(term), "}"]
        else:
            length = draw(st.sampled_from([3, 50, DEFAULT.max_nesting + 5]))
            tokens += [case("FILTER"), "(" + draw(st.sampled_from(["||", "&&", "+", "<"])).join(["1"] * length) + ")"]
    tokens.append("}")
    text = tokens[0]
    for token in tokens[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + token
    return text


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(template=grammar_queries())
def test_what_passes_runs_as_written_and_reaches_nothing(listener, template):
    query = template.replace("{here}", listener.url)
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(listener.url), ox.NamedNode("http://d/a"), ox.Literal("King's")))
    before = len(listener.hits)
    try:
        printed = check(query, DEFAULT)
    except UserError:
        return
    assert not holds_service(printed)
    ours = _run(store, printed)
    theirs = _run(store, query)
    assert len(listener.hits) == before, f"a passed query reached the network: {query!r}"
    if not isinstance(theirs, Exception):
        assert ours == theirs, (query, printed)


def _run(store: ox.Store, query: str):
    try:
        return engine_answer(store, query)
    except (SyntaxError, OSError, ValueError, RuntimeError) as error:
        return error
