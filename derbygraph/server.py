"""Serving the app on waitress, a production WSGI server, with SPARQL in worker processes.

The order of `serve` is the order of what can fail cheaply: the port is bound first (a busy
port is one line, before any build), then the dataset is built or opened, then the workers
start. Ctrl+C and SIGTERM end it the same way: no tracebacks, workers stopped, a temporary
store removed.

Waitress reads requests in its event loop and hands only complete ones to its threads, so slow
clients cost a connection, not a thread; `connection_limit` is set far above the 100 it allows
by default, and idle connections are closed after `channel_timeout`. A client that does not read
its answer holds at most `send_buffer` bytes; past that its request waits (holding its admission
slot), so unread answers cannot pile up in memory or temporary files.
"""

from __future__ import annotations

import contextlib
import resource
import shutil
import signal
import socket
import tempfile
from pathlib import Path

import click
import waitress

from .config import Config
from .build import write_store
from .dataset import Dataset
from .executor import InProcessExecutor, WorkerPool
from .webapp import create_app


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else is done (OSError if the port is busy)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
    except OSError:
        listener.close()
        raise
    return listener


@contextlib.contextmanager
def stopping_cleanly():
    """SIGTERM ends the server the way Ctrl+C does: through the same `finally` blocks."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def scratch_store(extra: list[Path], progress):
    """The built-in graph (plus --data) built into a temporary store folder, removed afterwards
    whatever happens (query workers open the store from disk, so it must be on disk)."""
    scratch = Path(tempfile.mkdtemp(prefix="derbygraph-"))
    try:
        yield write_store(scratch / "store", extra, progress=progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _more_files() -> None:
    """Let the server hold its connection limit: raise the soft limit on open files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def run(dataset: Dataset, listener: socket.socket, config: Config) -> None:
    """Serve `dataset` on `listener`: SPARQL in sandboxed worker processes over its store on
    disk, or passed through to a remote store (which keeps its own limits; ours cut it off)."""
    host, port = listener.getsockname()[:2]
    config = config.replace(base_url=config.base_url or f"http://{_url_host(host)}:{port}")
    pool = WorkerPool(dataset.path, config) if dataset.path else InProcessExecutor(dataset, config)
    server = None
    try:
        dataset.names  # built while the workers start, not on the first search
        _more_files()
        app = create_app(dataset, config, executor=pool)
        server = waitress.create_server(
            app, sockets=[listener], threads=config.threads, connection_limit=config.connection_limit,
            channel_timeout=config.channel_timeout, cleanup_interval=max(1, int(config.channel_timeout // 4)),
            asyncore_use_poll=True, outbuf_high_watermark=config.send_buffer, outbuf_overflow=config.send_buffer,
            max_request_body_size=config.max_body_bytes, ident="derbygraph")
        engine = f"the store at {dataset.store.endpoint}" if not dataset.path else "the embedded store"
        click.echo(f"derbygraph: serving {len(dataset)} quads (version {dataset.version}) from {engine} "
                   f"at {config.base_url}/", err=True)
        server.run()  # returns on Ctrl+C (waitress catches it) and so on SIGTERM
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("derbygraph: stopped", err=True)
        pool.close()
        if server is not None:
            server.close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
