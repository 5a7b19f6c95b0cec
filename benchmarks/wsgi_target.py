"""The derbygraph app as a WSGI target for other servers (benchmarks/servers.py): the store named
by DERBYGRAPH_STORE, SPARQL in the same sandboxed worker pool `derbygraph serve` uses."""

from __future__ import annotations

import os
from pathlib import Path

from derbygraph.answers.names import NameIndex
from derbygraph.config import DEFAULT
from derbygraph.store.dataset import Dataset
from derbygraph.store.executor import WorkerPool
from derbygraph.web.app import create_app


def application():
    dataset = Dataset.open(Path(os.environ["DERBYGRAPH_STORE"]))
    config = DEFAULT.replace(base_url=os.environ.get("DERBYGRAPH_BASE_URL"))
    NameIndex.of(dataset)
    return create_app(dataset, config, executor=WorkerPool(dataset.path, config))


app = application() if os.environ.get("DERBYGRAPH_STORE") else None
