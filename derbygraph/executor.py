"""Query execution under limits: where SPARQL actually runs for the app.

pyoxigraph cannot cancel a running query, so the app runs SPARQL in worker processes that
each open the store read-only. A query past its time limit has its worker killed and replaced;
the client gets a clear error and every other request goes on being answered.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from pathlib import Path

from .dataset import Dataset
from .sparql import Answer, Limits, QueryError, execute


class InProcessExecutor:
    """Runs queries in the calling process: for a dataset held in memory, with no time limit."""

    def __init__(self, dataset: Dataset, limits: Limits):
        self.dataset = dataset
        self.limits = limits

    def run(self, query: str, **options) -> Answer:
        return execute(self.dataset.store, query, limits=self.limits, **options)

    def close(self) -> None:
        pass


def _serve_queries(connection, store_path: str, limits: Limits) -> None:
    """A worker's life: open the store, then answer (query, options) messages until told to stop."""
    dataset = Dataset.open(Path(store_path))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        query, options = message
        try:
            connection.send(("ok", execute(dataset.store, query, limits=limits, **options)))
        except QueryError as error:
            connection.send(("refused", (str(error), error.status)))
        except Exception as error:  # noqa: BLE001 - a worker reports, never dies silently
            connection.send(("refused", (f"query failed: {error.__class__.__name__}: {error}", 500)))


class _Worker:
    def __init__(self, context, store_path: str, limits: Limits):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve_queries, args=(child, store_path, limits),
                                       name="derbygraph-query-worker", daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class WorkerPool:
    """A fixed number of query worker processes over a store on disk."""

    def __init__(self, store_path: Path, limits: Limits, workers: int = 2):
        self.limits = limits
        self._store_path = str(store_path)
        self._context = multiprocessing.get_context("spawn")  # no fork of a process holding a store
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        for _ in range(workers):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self._store_path, self.limits)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        with self._lock:
            self._workers.remove(worker)
        return self._start()

    def run(self, query: str, **options) -> Answer:
        try:  # a worker frees up within one time limit (plus a restart) even if all run away
            worker = self._idle.get(timeout=self.limits.timeout + 10)
        except queue.Empty:
            raise QueryError("every query worker is busy; try again shortly", 503) from None
        try:
            worker.connection.send((query, options))
            if not worker.connection.poll(self.limits.timeout):
                worker = self._replace(worker)
                raise QueryError(f"query stopped: it ran past the time limit of {self.limits.timeout:g} s", 503)
            outcome, payload = worker.connection.recv()
        except (EOFError, OSError):  # the worker died (killed, out of memory): replace it
            worker = self._replace(worker)
            raise QueryError("the query worker stopped unexpectedly; the query was not answered", 503) from None
        finally:
            self._idle.put(worker)
        if outcome == "refused":
            raise QueryError(*payload)
        return payload

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._workers]

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            try:
                worker.connection.send(None)
            except OSError:
                pass
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.kill()
