"""Serving the app on waitress, a production WSGI server, with SPARQL in worker processes.

The order of `serve` is the order of what can fail cheaply: the port is bound first (a busy
port is one line, before any build), then the dataset is built or opened, then the workers
start. Ctrl+C and SIGTERM end it the same way: the workers are stopped first, so a query still
running is answered 503 and sent; then no tracebacks, threads stopped, a temporary store removed.

Slow and silent clients cost nothing. Waitress reads requests in its event loop and hands only
complete ones to its threads, so a slow client costs a connection, not a thread; on top of it
(`_Channel`, `_Server`) a request must arrive in full within `request_timeout`, an answer may
wait unread no longer than `send_timeout`, and at `connection_limit` the oldest connections with
no request running are closed rather than new ones refused. Every answer is handed to waitress
whole (at most `max_answer_bytes`; past `send_buffer` it goes to a temporary file), so neither
the thread nor the query worker waits for the client.

Why waitress (benchmarks/servers.py, three runs on 2 shared cores, noisy; README there): with
these additions a new client is answered in 0.12-0.15 s while 1,100 idle or slowloris
connections are held, where stock waitress, Granian, gunicorn (gthread) and cheroot all locked it
out. Granian holds them too (0.07-0.09 s) once its backpressure is raised past them, but then
serves a SPARQL point lookup at 0.9-1.2x waitress; with its defaults it is 1.4-2.1x faster there
and locked out. Lineage, bound by Python, is 0.9-1.1x on all of them. Granian also runs the app
in worker processes it starts on a socket it binds, which the order above and the query worker
pool would have to be rebuilt around, for no gain on the questions asked.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import resource
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path

import click
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from derbygraph.answers import kept_indexes, kept_queries
from derbygraph.answers.names import NameIndex
from derbygraph.config import Config
from derbygraph.errors import BadInput
from derbygraph.store.dataset import Dataset
from derbygraph.store import sparqlgrammar
from derbygraph.store.executor import InProcessExecutor, WorkerPool

from . import reconcile as reconcile_view
from .app import create_app


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else is done (BadInput if the port is taken
    or the address is not this machine's)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
    except OSError as error:
        listener.close()
        raise BadInput(f"cannot serve on {host}:{port}: {error.strerror or error}") from None
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
    from derbygraph.build import write_store  # rdflib and owlrl, which a server of a store does without

    scratch = Path(tempfile.mkdtemp(prefix="derbygraph-"))
    try:
        yield write_store(scratch / "store", extra, progress=progress, keep=kept_queries(), indexes=kept_indexes())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _more_files(connections: int) -> None:
    """Let the server hold its connection limit: raise the soft limit on open files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 1024 if hard == resource.RLIM_INFINITY else min(hard, connections + 1024)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def run(dataset: Dataset, listener: socket.socket, config: Config) -> None:
    """Serve `dataset` on `listener`: SPARQL in sandboxed worker processes over its store on
    disk, or passed through to a remote store (which keeps its own limits; ours cut it off)."""
    host, port = listener.getsockname()[:2]
    config = config.replace(base_url=config.base_url or f"http://{_url_host(host)}:{port}")
    sparqlgrammar.prepare()  # the parser and its commonest lexers before the first query
    # A remote store runs the queries; workers with no store check the long ones (off this interpreter).
    pool = WorkerPool(dataset.path, config) if dataset.path else \
        InProcessExecutor(dataset, config, checkers=WorkerPool(None, config))
    server = None
    try:
        NameIndex.of(dataset)  # built while the workers start, not on the first search
        _more_files(config.connection_limit)
        app = create_app(dataset, config, executor=pool)
        reconcile_view.prepare(app)  # its indexes too
        gc.freeze()  # what start-up made lives as long as the server: no collection walks it again
        server = make_server(app, listener, config, stopping=pool.close)
        engine = f"the store at {dataset.store.endpoint}" if not dataset.path else "the embedded store"
        click.echo(f"derbygraph: serving {len(dataset)} quads (version {dataset.version}) from {engine} "
                   f"at {config.base_url}/", err=True)
        server.run()  # returns on Ctrl+C and so on SIGTERM
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("derbygraph: stopped", err=True)
        pool.close()
        if server is not None:
            server.close()


class _Channel(HTTPChannel):
    """A connection with two deadlines besides waitress's idle close: a request must arrive in
    full within `request_timeout` of its first byte (a slowloris head that trickles in a byte at
    a time is cut), and answer bytes may wait unread no longer than `send_timeout`."""

    request_started: float | None = None   # the first byte of the request being read
    sending_since: float | None = None     # since when answer bytes have been waiting

    def received(self, data):
        if self.request is None:
            self.request_started = time.monotonic()
        result = super().received(data)
        if self.request is None:
            self.request_started = None
        return result

    def write_soon(self, data):
        if data and not self.total_outbufs_len:
            self.sending_since = time.monotonic()
        return super().write_soon(data)

    def overdue(self, now: float, config: Config) -> bool:
        receiving = self.request_started is not None and now - self.request_started > config.request_timeout
        sending = self.total_outbufs_len and self.sending_since is not None and \
            now - self.sending_since > config.send_timeout
        return bool(receiving or sending)


class _Server(TcpWSGIServer):
    """Waitress with the deadlines of `_Channel` kept, and a connection limit that never locks a
    new client out: at the limit, the oldest connections with no request running are closed."""

    channel_class = _Channel
    config: Config
    stopping = staticmethod(lambda: None)  # called first on Ctrl+C or SIGTERM
    FLUSH = 5.0  # seconds at most to send the answers of requests cut short by a stop (a loaded machine needs more than 1)

    def run(self):
        """Serve until Ctrl+C or SIGTERM; then stop the query workers first, so that every
        request still waiting on one is answered 503 (and sent) before the threads go."""
        try:
            self.asyncore.loop(timeout=self.adj.asyncore_loop_timeout, map=self._map, use_poll=True)
        except (SystemExit, KeyboardInterrupt):
            self.accepting = False
            self.del_channel()  # no new connections while the last answers leave
            self.stopping()
            deadline = time.monotonic() + self.FLUSH
            while time.monotonic() < deadline and any(c.requests or c.total_outbufs_len
                                                      for c in self.active_channels.values()):
                self.asyncore.loop(timeout=0.05, map=self._map, use_poll=True, count=1)
            self.task_dispatcher.shutdown()

    def pull_trigger(self):
        """Wake the loop: an answer is ready. A request still running when a stop's flush ended
        finishes after the loop and its trigger are gone; there is nothing left to wake."""
        try:
            super().pull_trigger()
        except OSError:
            if self.accepting:
                raise

    def maintenance(self, now):
        super().maintenance(now)
        clock = time.monotonic()
        for channel in list(self.active_channels.values()):
            if channel.overdue(clock, self.config):
                channel.handle_close()  # at once: a client that reads nothing never makes its socket writable

    def readable(self):
        if self.accepting and len(self._map) >= self.adj.connection_limit:
            waiting = [c for c in self.active_channels.values() if not c.requests]
            for channel in heapq.nsmallest(max(1, len(self._map) // 20), waiting, key=lambda c: c.creation_time):
                channel.handle_close()
        return super().readable()


def make_server(app, listener: socket.socket, config: Config, stopping=None) -> _Server:
    """Waitress over `listener`, with its limits from `config`. Every answer is handed to waitress
    whole (up to `max_answer_bytes`; past `send_buffer` in a temporary file), so the thread and
    the query worker that made it are free at once, whether or not the client reads."""
    adjustments = Adjustments(
        sockets=[listener], threads=config.threads, connection_limit=config.connection_limit,
        channel_timeout=config.channel_timeout, cleanup_interval=1, asyncore_use_poll=True,
        outbuf_high_watermark=config.max_answer_bytes + config.send_buffer, outbuf_overflow=config.send_buffer,
        max_request_body_size=config.max_body_bytes, ident="derbygraph",
        # Behind a proxy every request comes from it: its X-Forwarded-For names the client (the
        # per-client share of query workers), and only that header of it is believed.
        **({"trusted_proxy": config.trusted_proxy, "trusted_proxy_headers": {"x-forwarded-for"},
            "clear_untrusted_proxy_headers": True} if config.trusted_proxy else {}))
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(config.threads)
    server = _Server(app, {}, True, listener, dispatcher=dispatcher, adj=adjustments, bind_socket=False,
                     sockinfo=(listener.family, listener.type, listener.proto, listener.getsockname()))
    server.config = config
    if stopping is not None:
        server.stopping = stopping
    return server


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
