"""The stores a `derbygraph serve` can stand on: embedded (pyoxigraph in the process), or a remote
engine reached over SPARQL, `oxigraph serve` and Virtuoso Open Source.

Each engine runs in a temporary folder on free loopback ports, walled off the network as the README
says to run it (`derbygraph walled`), otherwise as it comes (Virtuoso only lets its
anonymous SPARQL user write, which `derbygraph push` needs; a deployment would give that right to an
authenticated user). The fixtures that start them live in conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import needs


def _program(name: str) -> str | None:
    """A server program on PATH, or beside this Python (`pip install '.[test]'` puts `oxigraph` in
    the environment's scripts, which a venv's pytest run without activating it does not have on PATH)."""
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


PROGRAMS = {"oxigraph": _program("oxigraph"), "virtuoso": _program("virtuoso-t")}
# `oxigraph serve` as the README runs it: threads with a 64 MiB stack, so that the deepest query
# the check admits (Config.max_nesting) is safe there; and a query timeout of its own.
OXIGRAPH_STACK = {"RUST_MIN_STACK": str(64 << 20)}
OXIGRAPH_TIMEOUT = 60
INSTALL = {"oxigraph": "pip install -e '.[test]'", "virtuoso": "apt-get install virtuoso-opensource"}
BACKENDS = ("embedded", *sorted(PROGRAMS))


def require(name: str) -> str:
    """The engine's program: absent, a skip on a user's clone and a failure in CI (`needs`)."""
    return PROGRAMS[name] or needs.absent(f"the {name} server", INSTALL[name])


@dataclass(frozen=True)
class Engine:
    name: str
    query: str  # SPARQL query endpoint
    update: str  # SPARQL Update endpoint
    gsp: str  # Graph Store Protocol endpoint


@dataclass(frozen=True)
class Backend:
    """A store, a `derbygraph serve` on it, and the Dataset the services read from it."""

    name: str
    server: Any  # conftest.Server
    dataset: Any  # derbygraph.store.dataset.Dataset
    engine: Engine | None = None  # None for the embedded store


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the engine exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url}: no answer within {seconds:g} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def walled(command: list[str], own_port: int | None = None) -> list[str]:
    """`command` run by `derbygraph walled`: unable to reach the network."""
    return [sys.executable, "-m", "derbygraph.cli", "walled", *(["--own-port", str(own_port)] if own_port else []),
            "--", *command]


@contextlib.contextmanager
def oxigraph(folder: Path | None, port: int, walls: bool = True, env: dict | None = None) -> Iterator[Engine]:
    """`oxigraph serve` on `port`, as the README runs it, its store in `folder` (None: in memory);
    `env`: other variables instead of its stack size."""
    command = [require("oxigraph"), "serve", *(["--location", str(folder)] if folder else []),
               "--bind", f"127.0.0.1:{port}", "--timeout-s", str(OXIGRAPH_TIMEOUT)]
    environment = {**os.environ, **(OXIGRAPH_STACK if env is None else env)}
    process = subprocess.Popen(walled(command) if walls else command, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url + "/query", process)
        yield Engine("oxigraph", url + "/query", url + "/update", url + "/store")
    finally:
        _stop(process)


VIRTUOSO_INI = """[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = .
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


@contextlib.contextmanager
def virtuoso(folder: Path, http_port: int, sql_port: int, walls: bool = True) -> Iterator[Engine]:
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(sql_port=sql_port, http_port=http_port))
    command = [require("virtuoso"), "+foreground", "+configfile", "virtuoso.ini"]
    process = subprocess.Popen(walled(command, own_port=sql_port) if walls else command, cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    try:
        _wait_for(url + "/sparql", process)
        subprocess.run([shutil.which("isql-vt") or "isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba",
                        'exec=GRANT SPARQL_UPDATE TO "SPARQL";'], check=True, capture_output=True, timeout=60)
        yield Engine("virtuoso", url + "/sparql", url + "/sparql", url + "/sparql-graph-crud")
    finally:
        _stop(process)


# Wrong answers of an engine itself, which derbygraph passes through; strict xfails, so a fixed
# engine (or a workaround) shows up as a pass to take off this list. By engine, then test name.
KNOWN_WRONG = {"virtuoso": {
    "test_no_outbound_connection": "Virtuoso counts 1, not 0, solutions of GRAPH <iri> when a dataset is "
                                   "named that does not hold the graph",
}}
