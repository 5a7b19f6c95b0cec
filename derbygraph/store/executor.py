"""Query execution under limits: where SPARQL actually runs for the app.

pyoxigraph cannot cancel a running query, cap its memory or switch off SERVICE, so the app runs
SPARQL in worker processes that lock themselves in (`sandbox`: no network socket can be opened,
the heap is capped) and open the store read-only. A query past its time limit has its worker
killed and replaced; one past the memory cap dies in its own worker, which is replaced. The
answer (already cut to the row and byte limits in the worker) reaches the client in pieces, so
the main process never holds more than one piece of it.

The server process runs every request's HTTP and Flask work under one GIL, so it is the
bottleneck, and the hand-off is as short as the guarantees allow: an answer that fits in one
piece comes back in one message with its description, freeing the worker at once, and is sent
with its length so that the connection stays open (measured: benchmarks/throughput.py).

Admission (`admission.Admission.for_queries`): at most `Config.sparql_slots` requests are running
or waiting for a worker, at most `Config.client_queries` of them one client's; the next is told the
server is `Busy` (with Retry-After) at once, and one that waits `Config.queue_wait` seconds without
a worker is told so then, so SPARQL can never take the server threads that pages and the API answer on.

A remote store (`serve --endpoint`) runs its queries itself, but the check still parses them
here: a query longer than `querycheck.REMEMBERED_LENGTH` is checked by a worker of a pool with
no store (`WorkerPool(None, ...)`, `check`), so parsing a megabyte never holds the interpreter
that pages and lineage answer on.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import select
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from derbygraph import errors
from derbygraph.config import Config
from derbygraph.errors import (
    Busy,
    Failed,
    OutOfMemory,
    TimedOut,
    Unavailable,
    UserError,
)

from . import querycheck, sparqlgrammar
from .admission import RETRY_AFTER, Admission
from .sparql import Answer, execute

PIECE = 256 * 1024  # bytes per message from a worker
STOPPING = "the server is stopping; the query was not answered (try again when it is back)"
# The kinds after which a worker is not trusted with another query: it was stopped, or may be
# short of memory. Any other kind is the query's own fault, and the worker answers the next one.
REPLACED = (Busy, TimedOut, OutOfMemory)


@dataclass
class Reply:
    """An answer on its way to the client: its description now, its body in pieces."""

    answer: Answer                          # its body: the whole answer, or the first piece
    pieces: "_Pieces | None" = None         # the rest of the body
    length: int = -1                        # bytes of the whole body (-1: as long as answer.body)

    def __post_init__(self):
        if self.length < 0:
            self.length = len(self.answer.body)

    def __iter__(self) -> Iterator[bytes]:
        if self.answer.body:
            yield self.answer.body
        if self.pieces is not None:
            yield from self.pieces

    def read(self) -> bytes:
        return b"".join(self)

    def close(self) -> None:
        """Called by the WSGI server when the response ends, read or not."""
        if self.pieces is not None:
            self.pieces.close()


class InProcessExecutor:
    """Runs queries in the calling process: for a dataset held in memory (tests, `derbygraph
    query`) or a remote store, which enforces its own limits (ours cut the request off). With
    `checkers` (a `WorkerPool` with no store), long queries are checked in its workers."""

    def __init__(self, dataset, config: Config, checkers: "WorkerPool | None" = None):
        self.dataset = dataset
        self.config = config
        self.checkers = checkers
        self.admission = Admission.for_queries(config)

    def refuse_if_full(self, client: str | None, length: int) -> None:
        """Busy at once if a query of `length` characters from `client` would find no place now."""
        if self.checkers is not None and length > querycheck.REMEMBERED_LENGTH:
            self.checkers.refuse_if_full(client, length)
        self.admission.refuse_if_full(client)

    def run(self, query: str, client: str | None = None, **options) -> Reply:
        # from here on, the text printed from its reading
        query = self.checkers.check(query, client) if self.checkers else querycheck.check(query, self.config)
        self.admission.enter(client)
        try:
            return Reply(execute(self.dataset.store, query, config=self.config, **options))
        finally:
            self.admission.leave(client)

    def close(self) -> None:
        if self.checkers is not None:
            self.checkers.close()


def for_a_command(dataset, config: Config) -> "WorkerPool | InProcessExecutor":
    """The executor one command queries through: a store on disk is queried as the server queries
    it (one sandboxed worker, the time limit); a graph built in this process is queried here,
    once the process has shut itself off the network."""
    if dataset.path:
        return WorkerPool(dataset.path, config.replace(workers=1))
    from . import sandbox

    sandbox.deny_network()
    return InProcessExecutor(dataset, config)


def _serve_queries(connection, store_path: str | None, config: Config, parser_tables: bytes) -> None:
    """A worker's life: lower its priority (`Config.worker_niceness`), lock itself in, open the
    store (if it has one), load the parser the server built, then answer (query, options) messages."""
    from . import sandbox
    from .dataset import Dataset

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle
    try:
        os.nice(config.worker_niceness)
        sandbox.lock_in(config.worker_memory)
        store = Dataset.open_store(Path(store_path)) if store_path else None
        sparqlgrammar.load(parser_tables)
    except Exception as error:  # noqa: BLE001 - said to the server, which says it to the client
        connection.send(("failed", str(error)))
        return
    connection.send(("ready", None))
    # From here every failure is reported through the pipe; the allocator's own last words when
    # the heap cap is met ("memory allocation of N bytes failed") would only clutter the terminal.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    threading.stack_size(QUERY_STACK)
    answering = threading.Thread(target=_answer_queries, args=(connection, store, config), name="queries")
    answering.start()
    answering.join()


QUERY_STACK = 64 << 20  # bytes of stack the engine recurses on (8x a main thread's: Config.max_nesting)


def _answer_queries(connection, store, config: Config) -> None:
    """Answer (query, options) messages until told to stop, or until the heap cap is met."""
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        query, options = message
        try:
            if len(query) > querycheck.REMEMBERED_LENGTH:  # the server checked a shorter one itself
                query = querycheck.check(query, config)
            if options is None:  # only the check was asked for: a remote store runs the query
                connection.send(("ok", query))
                continue
            answer = execute(store, query, config=config, **options)
        except UserError as error:
            connection.send(("refused", _refusal(error)))
            continue
        except MemoryError:  # the heap cap, met in Python: report, then make way for a fresh worker
            connection.send(("refused", _refusal(OutOfMemory(_memory_message(config)))))
            return
        except Exception as error:  # noqa: BLE001 - a worker reports, never dies silently
            connection.send(("refused", _refusal(Failed(f"query failed: {error.__class__.__name__}: {error}"))))
            continue
        body, answer.body = answer.body, answer.body[:PIECE]
        connection.send(("ok", (answer, len(body))))
        if len(body) > PIECE:
            for start in range(PIECE, len(body), PIECE):
                connection.send_bytes(body[start:start + PIECE])
            connection.send_bytes(b"")


def _refusal(error: UserError) -> tuple[str, str, int | None]:
    """An error as the worker sends it: its kind (the nearest one `errors` names), message and
    Retry-After; the server raises it again as that kind (`_raised`)."""
    kind = next(k for k in type(error).__mro__ if vars(errors).get(k.__name__) is k)
    return kind.__name__, str(error), error.retry_after


def _raised(kind: str, message: str, retry_after: int | None) -> UserError:
    error = getattr(errors, kind)(message)
    error.retry_after = retry_after
    return error


def _memory_message(config: Config) -> str:
    return (f"query stopped: it needed more than the {config.worker_memory >> 20} MiB a query may use; "
            "narrow it (fewer patterns joined, a LIMIT, no ORDER BY over everything)")


class _Worker:
    def __init__(self, context, store_path: str, config: Config, parser_tables: bytes):
        self._killing = threading.Lock()
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve_queries, args=(child, store_path, config, parser_tables),
                                       name="derbygraph-query-worker", daemon=True)
        self.process.start()
        child.close()
        # Asked before and during every query, so made once: a poller on the pipe and the
        # worker's /proc state file, re-read with one pread (None: no /proc, trust is_alive).
        self._answers = select.poll()
        self._answers.register(self.connection.fileno(), select.POLLIN)
        try:
            self._state = os.open(f"/proc/{self.process.pid}/stat", os.O_RDONLY)
        except OSError:
            self._state = None

    started = False
    STARTING = 120.0  # seconds a new worker may take to start (imports, opening the store) on a busy machine

    def answered(self, timeout: float) -> bool:
        """Whether the worker has said something (or hung up) within `timeout` seconds."""
        return bool(self._answers.poll(timeout * 1000))

    def wait_started(self) -> None:
        """Wait for the worker's "ready", so start-up never counts against a query's time limit."""
        if self.started:
            return
        if not self.answered(self.STARTING):
            raise Unavailable("a query worker did not start in time; try again shortly", RETRY_AFTER)
        outcome, message = self.connection.recv()
        if outcome != "ready":
            raise Unavailable(f"query workers cannot start: {message}")
        self.started = True

    def ready(self) -> bool:
        """Alive and not stopped (SIGSTOP, a debugger): a worker that can answer now."""
        if self._state is None:
            return self.process.is_alive()
        try:
            state = os.pread(self._state, 1024, 0).rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):  # gone (and reaped)
            return False
        return state not in (b"T", b"t", b"Z", b"X")

    def kill(self) -> None:
        """Stop the process and close its pipe and state file. One at a time: at a stop, the pool
        and the request that held the worker both kill it, and two closes at once closed one
        descriptor twice (EBADF, answered 500; or whatever file had taken its number)."""
        with self._killing:
            if self.process.exitcode is None:
                self.process.kill()
                self.process.join(timeout=5)
            self.connection.close()
            if self._state is not None:
                os.close(self._state)
                self._state = None


def _workers_context():
    """Workers are forked from a fork server: a clean process, started once, that has imported
    what a worker runs and holds no store, thread or socket of the server's. A worker then starts
    in 0.06 s of CPU instead of the 0.2 s of a fresh interpreter (measured on the built-in store),
    so a worker stopped at the time limit is replaced in under 0.1 s, and each server start saves
    the imports of all its workers but one. The fork server is a child of the server and ends with it."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__, "derbygraph.store.sandbox", "derbygraph.store.dataset"])
    return context


class WorkerPool:
    """A fixed number of sandboxed query worker processes over a store on disk; with no store
    (None), workers that only check long queries for a remote store (`check`)."""

    def __init__(self, store_path: Path | None, config: Config):
        self.config = config
        self._store_path = str(store_path) if store_path else None
        self._context = _workers_context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self.admission = Admission.for_queries(config)
        self._parser_tables = sparqlgrammar.tables()
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        for _ in range(config.workers):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self._store_path, self.config, self._parser_tables)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        return self._start()

    def refuse_if_full(self, client: str | None, length: int) -> None:
        """Busy at once if a query from `client` would find no place now (or the pool is stopping)."""
        if self.closed:
            raise Busy(STOPPING, RETRY_AFTER)
        self.admission.refuse_if_full(client)

    def run(self, query: str, client: str | None = None, **options) -> Reply:
        """The answer to `query`, run by a worker, for `client` (its address, for its share)."""
        worker, (answer, length) = self._turn(query, options, client)
        if length == len(answer.body):  # all in one piece: the worker is free now
            self._release(worker, client, replace=False)
            return Reply(answer)
        return Reply(answer, _Pieces(self, worker, client), length)

    def check(self, query: str, client: str | None = None) -> str:
        """The text of `query` printed from its checked reading (a UserError if refused), for a
        remote store to run: a long query is read by a worker, under the same admission."""
        if len(query) <= querycheck.REMEMBERED_LENGTH:
            return querycheck.check(query, self.config)
        worker, text = self._turn(query, None, client)
        self._release(worker, client, replace=False)
        return text

    def _turn(self, query: str, options: dict | None, client: str | None):
        """A worker, still held, and what it said to (query, options)."""
        # A short query is checked here (well under a millisecond, and remembered), so a refusal
        # never waits for a worker. A long one is checked by the worker (`_answer_queries`, by the
        # same test of length), where its parse (seconds for a megabyte) takes nothing from the
        # server's interpreter and falls under the time limit.
        if len(query) <= querycheck.REMEMBERED_LENGTH:
            query = querycheck.check(query, self.config)
        if self.closed:
            raise Busy(STOPPING, RETRY_AFTER)
        self.admission.enter(client)
        try:
            worker = self._idle.get(timeout=self.config.queue_wait)
        except queue.Empty:
            self.admission.leave(client)
            raise self.admission.busy(f"every query worker stayed busy for {self.config.queue_wait:g} s") from None
        if not worker.ready():
            worker = self._replace(worker)
        try:
            return worker, self._ask(worker, query, options)
        except BaseException as error:
            self._release(worker, client, replace=not isinstance(error, UserError) or isinstance(error, REPLACED))
            raise

    def _ask(self, worker: _Worker, query: str, options: dict | None):
        """The answer with its first piece and the length of its whole body; with no options,
        the query's checked text."""
        try:
            worker.wait_started()
            worker.connection.send((query, options))
            if not worker.answered(self.config.timeout):
                raise TimedOut(f"query stopped: it ran past the time limit of {self.config.timeout:g} s")
            outcome, payload = worker.connection.recv()
        except (EOFError, OSError):  # the worker died: past its memory cap (SIGABRT), or killed
            if self.closed:
                raise Busy(STOPPING, RETRY_AFTER) from None
            worker.process.join(timeout=1)
            if worker.process.exitcode == -signal.SIGABRT:
                raise OutOfMemory(_memory_message(self.config)) from None
            raise Unavailable("the query worker stopped unexpectedly; the query was not answered") from None
        if outcome == "refused":
            raise _raised(*payload)
        return payload

    def _release(self, worker: _Worker, client: str | None, replace: bool) -> None:
        if self.closed:  # stopping: no worker is started again
            worker.kill()
        else:
            self._idle.put(self._replace(worker) if replace else worker)
        self.admission.leave(client)

    closed = False

    def close(self) -> None:
        """Stop every worker; a query still running is told the server is stopping (`Busy`)."""
        self.closed = True
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            try:
                worker.connection.send(None)
            except OSError:
                pass
            worker.process.join(timeout=2)
            worker.kill()  # if it has not ended by now; and its pipe and state file closed


class _Pieces:
    """The body from a worker, piece by piece. The worker and the admission slot are freed when
    the last piece is read, or when the response is closed before that (the client went away):
    the worker is then replaced rather than drained."""

    def __init__(self, pool: WorkerPool, worker: _Worker, client: str | None):
        self.pool, self.worker, self.client = pool, worker, client
        self.finished = self.released = False

    def __iter__(self) -> Iterator[bytes]:
        connection = self.worker.connection
        try:
            while self.worker.answered(self.pool.config.timeout):
                piece = connection.recv_bytes()
                if not piece:
                    self.finished = True
                    return
                yield piece
        except (EOFError, OSError):
            return
        finally:
            self.close()

    def close(self) -> None:
        if not self.released:
            self.released = True
            self.pool._release(self.worker, self.client, replace=not self.finished)
