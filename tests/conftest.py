"""Shared fixtures: the built dataset, the source documents, the real CLI, a live server on each
backend, and the registry store.

The suite may run in several processes (`pytest -n auto`, pytest-xdist): a store folder is built
once per run and shared by the processes (`built_once`); servers and engines are per process, on
free ports; every test writes only under its own tmp_path. `--dist loadfile` keeps a module's
tests in one process, so its module fixtures start once.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import backends
import needs
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DERBYGRAPH_SHARED", ROOT.parent / "shared"))


def shared_dir(name: str) -> Path:
    """A folder of ../shared/, or skip: a user's clone may not have it."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent (the shared/ folder beside the checkout holds it; set DERBYGRAPH_SHARED)")
    return path


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: `-p no:xdist` runs without it
def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: one test process more than there are cores. A tenth of the suite's time is spent
    waiting (time limits and deadlines running out, answers left unread on purpose), and a core
    would stand idle meanwhile: on 2 cores, 3 processes ran the suite in 164-192 s, 2 in 190-208 s,
    with the same results."""
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(scope="session")
def seeds() -> Path:
    return shared_dir("seeds")


@pytest.fixture(scope="session")
def dataset():
    from derbygraph.build import build_dataset

    return build_dataset()


def derbygraph_command() -> list[str]:
    found = shutil.which("derbygraph")
    return [found] if found else [sys.executable, "-m", "derbygraph.cli"]


def run_cli(*args: str, check: bool = False, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run the real `derbygraph` command as a user would. The timeout bounds a hung command; it is no
    speed check (on a machine shared by many runs a crosswalk took over 120 s)."""
    result = subprocess.run(derbygraph_command() + list(args), capture_output=True, text=True,
                            timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"derbygraph {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def cli():
    return run_cli


def built_once(tmp_path_factory, name: str, make) -> Path:
    """The folder `make(folder)` fills, made once per run: the first process (of the pytest-xdist
    workers, or the only one) makes it under a lock, the others wait and read it. Only for
    folders the tests never write."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    folder, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a failed attempt's remains
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def _one_cache_per_run(tmp_path_factory):
    """What derbygraph keeps in the user's cache (parser tables, schema closures) is computed once
    per run and shared by its processes and commands, never read from the user's own cache."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> str:
    """A store written once by `derbygraph build`, so CLI tests need not rebuild the graph."""
    folder = built_once(tmp_path_factory, "store", lambda f: run_cli("build", "--store", str(f / "derbygraph-store"),
                                                                     check=True))
    return str(folder / "derbygraph-store")


def children(pid: int) -> list[int]:
    """The processes `pid` started (of any of its threads), from /proc."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def family(pid: int) -> list[int]:
    """A process and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children(current)
    return found


def query_workers(server_pid: int) -> list[int]:
    """The query workers of the server `server_pid`: the children of its fork server (a child of
    the server, `multiprocessing.forkserver`), which forks every worker."""
    def forks_workers(pid: int) -> bool:
        try:
            return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    return [worker for forker in children(server_pid) if forks_workers(forker) for worker in children(forker)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx itself is the answer, with its Location


NOT_FOLLOWING = urllib.request.build_opener(_NoRedirect)


class Server:
    """A `derbygraph serve` process on a loopback port."""

    START_SECONDS = 300  # a bound for a hung start, not a speed check: a machine shared by many runs is slow

    def __init__(self, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            derbygraph_command() + ["serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + self.START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.process.stderr.read()}")
            try:
                urllib.request.urlopen(self.url + "/api/search?q=derbyshire", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"server did not start within {self.START_SECONDS} s")

    def get(self, path: str, headers: dict | None = None, data: bytes | None = None, method: str | None = None,
            follow: bool = True, client: str | None = None):
        """(status, headers, body) of one request; errors are answers too, and so are redirects
        unless `follow`. `client`: another loopback address to send it from (127.0.0.2...), as
        another client would."""
        if client is not None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(client, 0))
            try:
                connection.request(method or ("POST" if data is not None else "GET"), path, body=data,
                                   headers=headers or {})
                response = connection.getresponse()
                return response.status, response.headers, response.read()
            finally:
                connection.close()
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {}, method=method)
        opener = urllib.request.urlopen if follow else NOT_FOLLOWING.open
        try:
            with opener(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, path: str, **kwargs):
        status, _, body = self.get(path, **kwargs)
        return status, json.loads(body)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@contextlib.contextmanager
def serving_app(app, config):
    """`app` on the server `derbygraph serve` runs (waitress as `server.make_server` makes it),
    its loop run in a thread of the test named "loop": (host, port)."""
    from derbygraph.web.server import bind, make_server

    listener = bind("127.0.0.1", 0)
    server = make_server(app, listener, config)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
    serving = threading.Thread(target=serve, name="loop")
    serving.start()
    try:
        yield listener.getsockname()[:2]
    finally:
        stop.set()
        serving.join()
        server.close()
        server.task_dispatcher.shutdown()
        server.trigger.close()
        listener.close()


@pytest.fixture(scope="session")
def embedded_server():
    running = Server()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def server(embedded_server):
    """The server on the embedded store; a module whose tests must hold on every backend
    overrides it with `backend.server`."""
    return embedded_server


# --- one server on each backend: embedded, `oxigraph serve`, Virtuoso ------------------------------


@pytest.fixture(scope="session")
def embedded_backend(embedded_server, dataset) -> backends.Backend:
    return backends.Backend("embedded", embedded_server, dataset)


def _remote_backend(name: str):
    """A session fixture: the engine `name` started, the built store pushed into it over the Graph
    Store Protocol, and `serve --endpoint` on it; skipped, saying how to install it, when absent."""

    @pytest.fixture(scope="session")
    def remote(store, tmp_path_factory):
        from derbygraph.store.dataset import Dataset
        from derbygraph.store.remote import RemoteStore

        backends.require(name)
        start = getattr(backends, name)
        ports = (free_port(),) if name == "oxigraph" else (free_port(), free_port())
        with start(tmp_path_factory.mktemp(name), *ports) as engine:
            pushed = run_cli("push", "--store", store, "--endpoint", engine.update, "--gsp", engine.gsp)
            assert pushed.returncode == 0, pushed.stderr
            running = Server("--endpoint", engine.query)
            try:
                yield backends.Backend(name, running, Dataset(RemoteStore(engine.query)), engine)
            finally:
                running.stop()
    return remote


oxigraph_backend = _remote_backend("oxigraph")
virtuoso_backend = _remote_backend("virtuoso")


@pytest.fixture(scope="session", params=backends.BACKENDS)
def backend(request) -> backends.Backend:
    """Each backend in turn: a test that asks for it runs on all of them."""
    return request.getfixturevalue(f"{request.param}_backend")


@pytest.fixture(autouse=True)
def _known_engine_faults(request):
    params = request.node.callspec.params if hasattr(request.node, "callspec") else {}
    reason = backends.KNOWN_WRONG.get(params.get("backend"), {}).get(request.node.originalname)
    if reason:
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=True))



class Listener:
    """A loopback TCP listener that counts the connections made to it: the witness that a
    query never reached the network."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/x"
        self.hits: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                self.socket.accept()[0].close()
            except OSError:
                continue
            self.hits.append(1)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download): one per process."""
    chromium = needs.program("chromium", "chromium-browser", install="apt-get install chromium")
    sync_api = needs.module("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def listener():
    witness = Listener()
    yield witness
    witness.close()


# --- the real NHS ODS registry files, imported and built once per session -----------------------


REGISTRY_FILES = ("succ.csv", "etr.csv", "trust-listing.csv")  # in ../shared/ods/


@pytest.fixture(scope="session")
def registry_files() -> Path:
    folder = shared_dir("ods")
    for name in REGISTRY_FILES:
        if not (folder / name).is_file():
            pytest.skip(f"{folder / name} is absent (the ODS registry files live in ../shared/ods/)")
    return folder


def _import_registry(files: Path, folder: Path) -> None:
    """The real files imported into `folder/ods.nt`, with the summary and seconds in `import.json`."""
    from derbygraph.registry import import_files

    started = time.perf_counter()
    summary = import_files(files / "succ.csv", files / "etr.csv", folder / "ods.nt",
                           listing=files / "trust-listing.csv")
    (folder / "import.json").write_text(json.dumps([summary, time.perf_counter() - started]))


_BACKGROUND: list[subprocess.Popen] = []


def _build_registry_store(ods: Path, folder: Path, niceness: int = 0) -> None:
    """`derbygraph build` of the built-in graph and `ods` into `folder/store`, `niceness` below this process."""
    command = derbygraph_command() + ["build", "--store", str(folder / "store"), "--data", str(ods)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if niceness:  # set from here, not by preexec_fn (unsafe in a process with threads)
        os.setpriority(os.PRIO_PROCESS, process.pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + niceness))
    _BACKGROUND.append(process)
    _, err = process.communicate(timeout=900)
    if process.returncode != 0:
        raise AssertionError(f"derbygraph {' '.join(command[1:])} failed:\n{err}")


def pytest_collection_finish(session):
    """Start building the registry store at once, in the background and at the lowest priority,
    when the tests collected read it: it takes 40 s of a core, and built when its first test asked,
    the other test process waited for it with nothing to do. Niced, it takes only time the tests
    leave idle (and a test that waits for it leaves its core idle)."""
    if not any("registry_store" in item.fixturenames for item in session.items):
        return
    files, factory = SHARED / "ods", session.config._tmp_path_factory
    if not all((files / name).is_file() for name in REGISTRY_FILES):
        return  # the fixture skips, saying why

    def build() -> None:
        ods = built_once(factory, "ods", lambda folder: _import_registry(files, folder)) / "ods.nt"
        built_once(factory, "registry-store", lambda folder: _build_registry_store(ods, folder, niceness=19))

    threading.Thread(target=build, name="registry store", daemon=True).start()


def pytest_sessionfinish(session):
    """A background build another test process may still wait for is let finish, not orphaned.
    (Ctrl+C reaches it with the tests: it runs in their process group.)"""
    for process in _BACKGROUND:
        process.wait()


@pytest.fixture(scope="session")
def registry_import(registry_files, tmp_path_factory):
    """(RDF file, summary, seconds) of importing the real files (the third listing too)."""
    folder = built_once(tmp_path_factory, "ods", lambda f: _import_registry(registry_files, f))
    summary, seconds = json.loads((folder / "import.json").read_text())
    return folder / "ods.nt", summary, seconds


@pytest.fixture(scope="session")
def registry_store(registry_import, tmp_path_factory) -> str:
    """A store of the built-in graph and the registry, written (and so checked) by `derbygraph build`
    (started in the background by `pytest_collection_finish`, or here)."""
    folder = built_once(tmp_path_factory, "registry-store", lambda f: _build_registry_store(registry_import[0], f))
    return str(folder / "store")


@pytest.fixture(scope="session")
def registry_server(registry_store):
    """`derbygraph serve` on the registry store, once per process (the tests only read it)."""
    running = Server("--store", registry_store)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def registry_dataset(registry_store):
    from derbygraph.store.dataset import Dataset

    return Dataset.open(Path(registry_store))
