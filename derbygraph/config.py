"""One frozen configuration: every limit, worker count, timeout and the public base URL.

The CLI's defaults are read from here, the app and the executor are given one `Config`, and
nothing else holds a default of its own. The numbers are what a default `derbygraph serve`
promises (the README's "Security and limits" states each one), and how many problems `build`
and `check` print in full (the README's note on `check`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

MiB = 1 << 20


@dataclass(frozen=True)
class Config:
    # A query and its answer.
    timeout: float = 30.0              # seconds before a query is cut off (CLI and server alike)
    max_rows: int = 10_000             # solutions or triples in one answer; more are cut, with notice
    max_answer_bytes: int = 16 * MiB   # bytes of one serialised answer; more rows are cut, with notice
    max_query_bytes: int = 1 * MiB     # the query text (a pasted list of every registry code is 164 kB)
    # Levels of the engine's tree a query may nest: brackets and groups inside each other, and
    # every left-deep chain (n operands of ||, &&, +, *, UNION branches, group elements, path
    # steps, list members, triple patterns of a basic pattern: n levels). Measured in these units
    # (pyoxigraph 0.5 on an 8 MiB stack, empty store): nested FILTER EXISTS crash the engine at
    # ~1,650, nested groups ~2,150, MINUS and BIND runs ~2,600, brackets ~4,600, + and * chains
    # ~6,800, triple patterns ~8,100, || ~9,300. Query workers run queries on a 64 MiB stack
    # (nested groups ~17,400). `oxigraph serve` answers on 2 MiB threads (~700 nested groups over
    # the dataset): the README says to run it with RUST_MIN_STACK=67108864.
    max_nesting: int = 1_000
    max_body_bytes: int = 4 * MiB      # a request body: a 1 MiB query, percent-encoded in a form, and more
    # The processes that run queries.
    workers: int = 4                   # query worker processes
    worker_memory: int = 1024 * MiB    # heap of one worker (RLIMIT_DATA); a worker past it is replaced
    queue: int = 32                    # SPARQL requests that may wait for a worker; more get a fast 503
    # The HTTP server.
    base_url: str | None = None        # public address for links, redirects and VoID; None: the bound one
    sources_dir: str | None = None     # the source documents' folder: their texts shown on source pages
    connection_limit: int = 1000       # open connections the server keeps (slow clients included)
    channel_timeout: float = 20.0      # seconds a connection may stay silent before it is closed
    send_buffer: int = 1 * MiB         # answer bytes held for a client that does not read; then its query waits
    page_threads: int = 8              # server threads kept for pages and the API, never taken by SPARQL
    # Reports.
    problems_shown: int = 100          # problems `build` and `check` print in full; the rest are counted by kind

    @property
    def sparql_slots(self) -> int:
        """SPARQL requests admitted at once: running on a worker, or waiting for one."""
        return self.workers + self.queue

    @property
    def threads(self) -> int:
        """Server threads: every admitted SPARQL request, and the pages' own threads beside them."""
        return self.sparql_slots + self.page_threads

    def replace(self, **changes) -> "Config":
        """A copy with some values changed; `None` values keep the default."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


DEFAULT = Config()
