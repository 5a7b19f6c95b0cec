"""The time one request may take, and the one check that stops its work when that time is up.

Pure-Python work in the server (matching a batch of names, data extension, search, lineage,
pages) cannot be killed from outside without leaving half-built indexes behind, so it stops
itself: the app starts a deadline when a request is admitted (`Config.answer_timeout`), and
the answers call `check()` where their work loops (each query of a batch, each name weighed,
each extension cell, each search candidate...). Past the deadline the check raises `OutOfTime`,
which the app answers 503 with Retry-After; the work stops within one turn of its loop. With no
deadline started (the CLI, tests calling a service) the check does nothing. An index built once
for every later request (`paused`) does not count against the request that happens to build it.

The deadline lives in a context variable: each server thread has its own, so one request's
clock never stops another's work.
"""

from __future__ import annotations

import contextlib
import time
from contextvars import ContextVar, Token
from typing import Iterable, Iterator, TypeVar

from derbygraph.errors import OutOfTime

_ends: ContextVar[tuple[float, float] | None] = ContextVar("derbygraph_deadline", default=None)
T = TypeVar("T")


def start(seconds: float) -> Token:
    """Give the work from now on `seconds` seconds; `stop(token)` takes the deadline away."""
    return _ends.set((time.monotonic() + seconds, seconds))


def stop(token: Token) -> None:
    _ends.reset(token)


def check() -> None:
    """OutOfTime if the current deadline has passed; nothing otherwise (or without one)."""
    ends = _ends.get()
    if ends is not None and time.monotonic() > ends[0]:
        raise OutOfTime(f"the request ran past its time limit of {ends[1]:g} s and was stopped; "
                        "ask for less at once (fewer queries in a batch, fewer ids or properties, "
                        "fewer words), or try again when the server is less busy")


@contextlib.contextmanager
def paused():
    """The time spent inside does not count: the deadline moves on by as much."""
    started = time.monotonic()
    try:
        yield
    finally:
        ends = _ends.get()
        if ends is not None:
            _ends.set((ends[0] + time.monotonic() - started, ends[1]))


def checked(items: Iterable[T]) -> Iterator[T]:
    """`items`, checking the deadline before each one: for the loops work is spent in."""
    for item in items:
        check()
        yield item
