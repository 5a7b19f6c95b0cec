"""The remote backend: `derbygraph push` into a real `oxigraph serve`, then `serve --endpoint`
passes the same lineage and endpoint tests as the embedded store."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request

import pytest

from conftest import Server, free_port, run_cli
from test_server import *  # noqa: F401,F403 - the same tests, against the remote-backed server
from test_sparql_protocol import *  # noqa: F401,F403

OXIGRAPH = shutil.which("oxigraph")
pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="needs the `oxigraph` server (pip install oxigraph)")


@pytest.fixture(scope="module")
def oxigraph_store(tmp_path_factory):
    """A real Oxigraph server on a loopback port, configured as it comes."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(oxigraph_store):
    """Overrides the embedded server for every test imported above."""
    result = run_cli("push", "--endpoint", oxigraph_store + "/update", "--gsp", oxigraph_store + "/store")
    assert result.returncode == 0, result.stderr
    running = Server("--endpoint", oxigraph_store + "/query")
    yield running
    running.stop()


def test_push_with_sparql_update_too(oxigraph_store, server):
    result = run_cli("push", "--endpoint", oxigraph_store + "/update", check=True)
    assert "pushed" in result.stdout
    status, answer = server.json("/api/lineage?org=DCHS")
    assert status == 200 and answer["organisation"]["label"].startswith("Derbyshire Community Health Services")


def test_same_lineage_as_the_embedded_store(server, store):
    for name in ("Southern Derbyshire Trust", "DCHS", "Community Health Care (North Derbyshire)"):
        embedded = json.loads(run_cli("lineage", name, "--json", "--store", store, check=True).stdout)
        status, remote = server.json("/api/lineage?" + urllib.parse.urlencode({"org": name}))
        assert status == 200 and remote == embedded


def test_an_unreachable_store_is_one_line(tmp_path):
    result = run_cli("serve", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--port", str(free_port()))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
