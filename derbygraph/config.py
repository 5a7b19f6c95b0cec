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
# The kinds of request that are not SPARQL, each admitted on its own (`Config.area_slots`), so a
# flood of one kind never takes the threads another kind answers on.
AREAS = ("lineage", "search", "reconcile", "api", "pages")


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
    worker_niceness: int = 10          # a worker's CPU priority below the server's: when they compete for the
    #                                    cores, the server's own short requests (lineage, pages, refusals) go first
    queue: int = 32                    # SPARQL requests that may wait for a worker; more get a fast 503
    client_share: int | None = None    # of those, the most one client (address) may hold; None: half the workers
    queue_wait: float = 5.0            # seconds a request waits for a worker or a slot; then 503 with Retry-After
    # Requests that are not SPARQL (reconciliation, the JSON API, pages, downloads).
    area_slots: int = 1                # requests of one area (AREAS) running at once: the GIL runs one anyway
    area_queue: int = 16               # more of one area that may wait for a slot (queue_wait); past them a fast 503
    answer_timeout: float = 5.0        # seconds one of them may work (`deadline`); then it stops: 503 with Retry-After
    download_timeout: float = 60.0     # seconds a whole table may take instead (the crosswalk of every code: ~10 s)
    max_text: int = 500                # characters of one parameter: a name, a search, an id, a prefix
    max_words: int = 32                # words in one name or search
    max_batch: int = 20                # reconciliation queries in one batch (OpenRefine sends 10)
    max_extend_cells: int = 200        # ids x properties in one data extension request
    max_json_depth: int = 16           # arrays and objects inside each other in a JSON parameter
    max_source_bytes: int = 16 * MiB   # one file of --sources, read once at start-up
    # The HTTP server.
    trusted_proxy: str | None = None   # a reverse proxy's address, whose X-Forwarded-For names the client
    base_url: str | None = None        # public address for links, redirects and VoID; None: the bound one
    sources_dir: str | None = None     # the source documents' folder: their texts shown on source pages
    connection_limit: int = 10_000     # open connections; past it the oldest idle or unfinished ones are closed
    channel_timeout: float = 20.0      # seconds a connection may stay silent before it is closed
    request_timeout: float = 10.0      # seconds a request (head and body) may take to arrive in full
    send_timeout: float = 60.0         # seconds an answer may take to be read in full
    send_buffer: int = 1 * MiB         # answer bytes held in memory for a client that reads slowly; the rest in a temporary file
    # Reports.
    problems_shown: int = 100          # problems `build` and `check` print in full; the rest are counted by kind

    @property
    def sparql_slots(self) -> int:
        """SPARQL requests admitted at once: running on a worker, or waiting for one."""
        return self.workers + self.queue

    @property
    def client_queries(self) -> int:
        """SPARQL requests one client may have running or waiting at once."""
        return self.client_share or max(1, self.workers // 2)

    @property
    def threads(self) -> int:
        """Server threads: every admitted SPARQL request, every admitted request of each area, and
        a few for what no area holds (static files, refusals), so no kind can take another's."""
        return self.sparql_slots + len(AREAS) * (self.area_slots + self.area_queue) + SPARE_THREADS

    def replace(self, **changes) -> "Config":
        """A copy with some values changed; `None` values keep the default."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


SPARE_THREADS = 4
DEFAULT = Config()
