"""Dates at the precision the source gives: "1992", "2011-02", "2011-02-01".

ISO 8601 strings of these three shapes sort correctly as text, and two dates of different
precision are compared on the part both state: "2011" neither precedes nor follows "2011-02".

A date at year or month precision is a span of days: "2001" is every day from 2001-01-01 to
2001-12-31. The one rule for when a name is in force (`Window`) is stated here in days, derived
by the build for every name period (`derbygraph.build.derive`) and read by every answer.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from .errors import BadInput

SHAPE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class BadDate(BadInput):
    """A date that is not YYYY, YYYY-MM or YYYY-MM-DD, or not a real day."""


def parse(text: str) -> str:
    """A user's date as YYYY, YYYY-MM or YYYY-MM-DD, checked; raises BadDate otherwise."""
    text = text.strip()
    match = SHAPE.match(text)
    if not match:
        raise BadDate(f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise BadDate(f"{text!r} is not a real date") from None
    return text


def _common(a: str, b: str) -> tuple[str, str]:
    length = min(len(a), len(b))
    return a[:length], b[:length]


def after(date: str, at: str) -> bool:
    """`date` is certainly later than `at`."""
    a, b = _common(date, at)
    return a > b


def first_day(date: str) -> str:
    """The first day of the span a date names: "2001" -> "2001-01-01"."""
    return date + "-01-01"[: 10 - len(date)] if len(date) < 10 else date


def last_day(date: str) -> str:
    """The last day of the span a date names: "2001" -> "2001-12-31", "2012-02" -> "2012-02-29"."""
    if len(date) == 10:
        return date
    year, month = int(date[:4]), int(date[5:7]) if len(date) == 7 else 12
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).isoformat()


def next_day(day: str) -> str:
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


@dataclass(frozen=True, slots=True)
class Window:
    """When a name (or any interval) is in force, in days: the one rule, stated once.

    The sources bound it two ways. It is *possibly* in force on the days from `possibly_from` up to
    (not including) `possibly_until`: outside them the sources say it was not, or give nothing that
    supports it. It is *certainly* in force from `certainly_from` up to `certainly_until`. None is an
    open side (no known end: in force still; no known certain start: never certainly). A window
    with no `possibly_from` is undated: in force on no date the sources support.
    """

    possibly_from: str | None
    possibly_until: str | None
    certainly_from: str | None
    certainly_until: str | None

    @classmethod
    def of(cls, start: str | None = None, end: str | None = None, observed: str | None = None,
           not_before: str | None = None) -> "Window":
        """From the dates at their precision. A start "2001" means it began on some day of 2001
        (possibly from 2001-01-01, certainly from 2001-12-31); an end "2011-02-01" that the next
        name began that day (the day itself excluded), an end "2001" that it ended on some day of
        2001 (certainly until 2001-01-01, possibly until 2001-12-31). A name seen only in a snapshot
        (`observed`, no start) is in force on the snapshot's day alone; `not_before` bounds an
        unknown start from below (possibly, never certainly, in force from then)."""
        if start is not None:
            possibly_from, certainly_from = first_day(start), last_day(start)
        elif observed is not None:
            possibly_from = certainly_from = observed
        else:
            possibly_from, certainly_from = (first_day(not_before) if not_before else None), None
        possibly_until = last_day(end) if end is not None else None
        certainly_until = first_day(end) if end is not None else None
        if start is None and observed is not None:  # the snapshot's day and no other
            after_snapshot = next_day(observed)
            possibly_until = min(filter(None, (possibly_until, after_snapshot)))
            certainly_until = min(filter(None, (certainly_until, after_snapshot)))
        if certainly_from is not None and certainly_until is not None and certainly_from >= certainly_until:
            certainly_from = certainly_until = None
        return cls(possibly_from, possibly_until, certainly_from, certainly_until)

    def may_hold(self, at: str) -> bool:
        """Possibly in force on some day of `at` (a date at any precision)."""
        return self.possibly_from is not None and self.possibly_from <= last_day(at) \
            and (self.possibly_until is None or self.possibly_until > first_day(at))

    def holds(self, at: str) -> bool:
        """Certainly in force on every day of `at`."""
        return self.certainly_from is not None and self.certainly_from <= first_day(at) \
            and (self.certainly_until is None or self.certainly_until > last_day(at))


def in_force(at: str, start: str | None, end: str | None) -> bool:
    """The interval [start, end) may hold at `at`, by the rule of `Window`. An interval's unknown
    start (a body's life, a code's opening, a name a reader matches) is open: nothing excludes `at`.
    Only the name in force on a date (the build's windows) reads an unknown start as undated."""
    return Window.of(start if start is not None else OPEN_START, end).may_hold(at)


OPEN_START = "0001"  # before any date a source gives


def same_time(date: str | None, other: str | None) -> bool:
    """Both dated, and neither certainly after the other ("2002" and "2002-04" are the same time)."""
    return date is not None and other is not None and not after(date, other) and not after(other, date)


def shared(date: str, other: str) -> str:
    """The part of two dates both state: "2002" for "2002" and "2002-04-01"."""
    return _common(date, other)[0]
