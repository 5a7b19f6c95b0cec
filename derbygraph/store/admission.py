"""Admission: how many requests of one kind may be inside at once, and how many of them one
client may hold; past either, a fast 503 with Retry-After rather than an unbounded wait.

For SPARQL (`for_queries`): at most `Config.sparql_slots` requests are running or waiting for a
worker; the next gets a 503 at once, and one that waits `Config.queue_wait` seconds without a
worker gets it then, so SPARQL can never take the server threads that pages and the API answer
on. One client (by address) may hold at most `Config.client_queries` of those places: past them
its next query gets the 503 at once, so one client's burst never keeps another's query waiting,
as public endpoints share their workers. The app keeps each of its areas (`config.AREAS`) to its
own share of threads with the same class.
"""

from __future__ import annotations

import collections
import threading

from derbygraph.config import Config
from derbygraph.errors import Busy

RETRY_AFTER = 5     # seconds a refused request is told to wait


class Admission:
    """At most `admitted` requests of one kind inside at once, of which at most `running` run
    (None: whatever frees them, such as the query workers, decides); one that would wait more
    than `wait` seconds, or find no room at all, is refused with 503 and Retry-After; with
    `share`, so is one that would give one client more than `share` places."""

    def __init__(self, what: str, admitted: int, running: int | None = None, wait: float = 0.0,
                 share: int | None = None):
        self.what, self.admitted, self.wait, self.share = what, admitted, wait, share
        self._admitted = threading.BoundedSemaphore(admitted)
        self._running = threading.BoundedSemaphore(running) if running is not None else None
        self._held: collections.Counter[str] = collections.Counter()  # admitted requests by client
        self._inside = 0  # admitted requests, running or waiting
        self._lock = threading.Lock()

    @classmethod
    def for_queries(cls, config: Config) -> "Admission":
        return cls("queries", config.sparql_slots, share=config.client_queries)

    def refuse_if_full(self, client: str | None = None) -> None:
        """Busy now if `enter(client)` would find no place now: for work done before entering
        (reading a large request), so that a flood is refused before that work, not after it.
        Only a forecast; `enter` still decides."""
        with self._lock:
            if client is not None and self.share is not None and self._held[client] >= self.share:
                raise self._over_share()
            if self._inside >= self.admitted:
                raise self._full()

    def enter(self, client: str | None = None) -> None:
        """A place for one request of `client` (an address; None: not counted per client)."""
        self._take_share(client)
        if not self._admitted.acquire(blocking=False):
            self._give_share(client)
            raise self._full()
        with self._lock:
            self._inside += 1
        if self._running is not None and not self._running.acquire(timeout=self.wait):
            self._out()
            self._give_share(client)
            raise self.busy(f"waited {self.wait:g} s for a turn")

    def leave(self, client: str | None = None) -> None:
        if self._running is not None:
            self._running.release()
        self._out()
        self._give_share(client)

    def _out(self) -> None:
        with self._lock:
            self._inside -= 1
        self._admitted.release()

    def _take_share(self, client: str | None) -> None:
        if client is None or self.share is None:
            return
        with self._lock:
            if self._held[client] >= self.share:
                raise self._over_share()
            self._held[client] += 1

    def _give_share(self, client: str | None) -> None:
        if client is None or self.share is None:
            return
        with self._lock:
            self._held[client] -= 1
            if not self._held[client]:
                del self._held[client]

    def _full(self) -> Busy:
        return self.busy(f"{self.admitted} {self.what} running or waiting")

    def _over_share(self) -> Busy:
        return self.busy(f"{self.share} of them yours, the most one client may have running or waiting")

    def busy(self, why: str) -> Busy:
        return Busy(f"the server is busy with {self.what} ({why}); try again in a few seconds", RETRY_AFTER)
