"""Serving the app on waitress, a production WSGI server."""

from __future__ import annotations

import click
import waitress

from .dataset import Dataset
from .sparql import Limits
from .webapp import create_app


def run(dataset: Dataset, host: str, port: int, workers: int, query_timeout: float) -> None:
    limits = Limits(timeout=query_timeout)
    app = create_app(dataset, limits)
    server = waitress.create_server(app, host=host, port=port, threads=max(4, workers * 2),
                                    max_request_body_size=limits.max_body_bytes, ident="derbygraph")
    address = f"http://{host}:{server.effective_port}/"
    click.echo(f"derbygraph: serving {len(dataset)} quads (version {dataset.version}) at {address}", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        app.config["EXECUTOR"].close()
