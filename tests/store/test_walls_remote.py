"""A remote store run by `derbygraph walled` reaches nothing, whatever it is asked, and keeps serving.

The queries go straight to the engine, around derbygraph's own query check, so the OS wall alone
is tested. Each engine is also run unwalled once, to show the same queries do reach the listener
there (the witness works).
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import backends
import pytest
from conftest import free_port, run_cli

from derbygraph.config import DEFAULT
from derbygraph.store import querycheck


def _ask(engine: backends.Engine, query: str) -> bytes:
    url = engine.query + "?" + urllib.parse.urlencode({"query": query})
    try:
        return urllib.request.urlopen(url, timeout=60).read()
    except urllib.error.HTTPError as error:  # the engine's own error for the SERVICE it could not call
        return error.read()


def _service_queries(port: int) -> list[str]:
    return [f"SELECT * WHERE {{ SERVICE <http://{host}:{port}/sparql> {{ ?s ?p ?o }} }}"
            for host in ("127.0.0.1", "localhost", "[::1]")]


def _started(name: str, folder, walls: bool):
    backends.require(name)
    if name == "oxigraph":
        return backends.oxigraph(folder, free_port(), walls=walls)
    return backends.virtuoso(folder, free_port(), free_port(), walls=walls)


@pytest.mark.parametrize("name", sorted(backends.PROGRAMS))
def test_a_walled_engine_reaches_nothing_and_keeps_serving(name, listener, tmp_path):
    (tmp_path / "open").mkdir()
    with _started(name, tmp_path / "open", walls=False) as engine:  # the witness: unwalled, it calls out
        _ask(engine, _service_queries(listener.port)[0])
    assert listener.hits, f"{name} unwalled did not call the listener: this test would prove nothing"
    listener.hits.clear()
    (tmp_path / "walled").mkdir()
    with _started(name, tmp_path / "walled", walls=True) as engine:
        for query in _service_queries(listener.port) * 2:
            _ask(engine, query)
        assert b"true" in _ask(engine, "ASK { }")  # still answering, after every SERVICE
    assert listener.hits == []


def test_the_deepest_query_the_check_admits_is_safe_on_oxigraph_run_as_the_readme_says():
    """The text `serve --endpoint` sends for 1,000 nested groups (Config.max_nesting, admitted):
    `oxigraph serve` (in memory) on its default 2 MiB threads dies of it (the witness); with the
    README's RUST_MIN_STACK (`backends.OXIGRAPH_STACK`) it answers, and goes on answering. (On a
    RocksDB store, `--location`, oxigraph 0.5.13 answered every admitted shape even on 2 MiB.)"""
    backends.require("oxigraph")
    deepest = DEFAULT.max_nesting
    sent = querycheck.check("SELECT * WHERE " + "{ " * deepest + "?s ?p ?o " + "} " * deepest, DEFAULT)
    with backends.oxigraph(None, free_port(), env={}) as engine:
        with pytest.raises(OSError):  # the connection closed without an answer
            urllib.request.urlopen(engine.query + "?" + urllib.parse.urlencode({"query": sent}), timeout=60).read()
    with backends.oxigraph(None, free_port()) as engine:
        answered = urllib.request.urlopen(engine.query + "?" + urllib.parse.urlencode({"query": sent}), timeout=60)
        assert answered.status == 200
        assert b"true" in _ask(engine, "ASK { }")


def test_walled_with_no_such_program_is_one_line():
    result = run_cli("walled", "--", "no-such-program-here")
    assert result.returncode == 1
    assert result.stderr.strip() == "derbygraph: no-such-program-here: no such program"
