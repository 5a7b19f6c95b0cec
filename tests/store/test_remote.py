"""The remote backend on two real engines, `oxigraph serve` and Virtuoso Open Source: what only a
remote store has. The endpoint, protocol and lineage suites run on every backend by asking for the
`backend` fixture (conftest.py); here the lineage JSON is compared with the embedded store's, and
`derbygraph push` and `serve --endpoint` are tested on their own.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
from backends import PROGRAMS
from conftest import free_port, run_cli

# each remote engine in turn (conftest's `backend`, without the embedded store)
on_each_engine = pytest.mark.parametrize("backend", sorted(PROGRAMS), indirect=True, scope="session")


LINEAGES = ("Southern Derbyshire Trust", "DCHS", "Community Health Care (North Derbyshire)", "derbyshire healthcare")


@on_each_engine
def test_same_lineage_as_the_embedded_store(backend, store):
    for name in LINEAGES:
        embedded = json.loads(run_cli("lineage", name, "--json", "--store", store, check=True).stdout)
        status, answer = backend.server.json("/api/lineage?" + urllib.parse.urlencode({"org": name}))
        assert status == 200 and answer == embedded


@on_each_engine
def test_push_with_sparql_update_too(backend, store):
    """Batched INSERT DATA. Virtuoso's SPARQL Update refuses xsd:duration literals (its GSP takes
    them, as a number of months: openlink/virtuoso-opensource#936), so there push says so in one line."""
    engine = backend.engine
    result = run_cli("push", "--store", store, "--endpoint", engine.update)
    if engine.name == "virtuoso":
        assert result.returncode == 1 and "Traceback" not in result.stderr
        error = result.stderr.strip().splitlines()[-1]  # after the progress of the graphs pushed
        assert error.startswith("derbygraph: ") and "xsd:duration" in error
        assert run_cli("push", "--store", store, "--endpoint", engine.update, "--gsp", engine.gsp).returncode == 0
        return
    assert result.returncode == 0, result.stderr
    assert "pushed" in result.stdout
    status, answer = backend.server.json("/api/lineage?org=DCHS")
    assert status == 200 and answer["organisation"]["label"].startswith("Derbyshire Community Health Services")


def test_an_unreachable_store_is_one_line():
    result = run_cli("serve", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--port", str(free_port()))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@on_each_engine
def test_a_lineage_is_a_few_requests(backend):
    """The same few whole queries as the embedded store: a handful of requests, not one per lookup."""
    from derbygraph.answers.lineage import LineageService

    dataset = backend.dataset
    service, asked = LineageService(dataset), []
    ask = dataset.store._ask
    dataset.store._ask = lambda *args, **kwargs: asked.append(args[0]) or ask(*args, **kwargs)
    try:
        service.lineage("Derbyshire Healthcare")  # the first also reads the vocabulary and the sources
        asked.clear()
        answer = service.lineage("Southern Derbyshire Trust")
    finally:
        dataset.store._ask = ask
    assert answer["names"] and len(asked) <= 4, len(asked)
