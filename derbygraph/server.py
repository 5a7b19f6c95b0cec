"""Serving the app on waitress, a production WSGI server, with SPARQL in worker processes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click
import waitress

from .dataset import Dataset
from .executor import InProcessExecutor, WorkerPool
from .sparql import Limits
from .webapp import create_app


def prepare(store: Path | None, extra: list[Path], progress) -> tuple[Dataset, Path | None]:
    """The dataset to serve, always backed by a store on disk (query workers open it too).

    Without --store the built-in graph (plus --data) is built into a temporary store, removed
    again when the server stops; the second value is that folder.
    """
    if store is not None:
        return Dataset.open(store), None
    scratch = Path(tempfile.mkdtemp(prefix="derbygraph-"))
    try:
        return Dataset.write(scratch / "store", extra, progress=progress), scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def run(dataset: Dataset, host: str, port: int, workers: int, query_timeout: float) -> None:
    """Serve `dataset`: SPARQL in worker processes over its store on disk, or passed through to
    a remote store (which enforces its own limits; ours cut the request off at the time limit)."""
    limits = Limits(timeout=query_timeout)
    server = None
    pool = WorkerPool(dataset.path, limits, workers) if dataset.path else InProcessExecutor(dataset, limits)
    dataset.names  # built while the workers start, not on the first search
    try:
        app = create_app(dataset, limits, executor=pool)
        # Threads: enough that requests waiting on slow queries leave others answered.
        server = waitress.create_server(app, host=host, port=port, threads=workers * 2 + 4,
                                        max_request_body_size=limits.max_body_bytes, ident="derbygraph",
                                        channel_timeout=30)
        address = f"http://{host}:{server.effective_port}/"
        engine = f"the store at {dataset.store.endpoint}" if not dataset.path else "the embedded store"
        click.echo(f"derbygraph: serving {len(dataset)} quads (version {dataset.version}) from {engine} "
                   f"at {address}", err=True)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        pool.close()
        if server is not None:
            server.close()
