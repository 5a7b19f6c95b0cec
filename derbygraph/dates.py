"""Dates at the precision the source gives: "1992", "2011-02", "2011-02-01".

ISO 8601 strings of these three shapes sort correctly as text, and two dates of different
precision are compared on the part both state: "2011" neither precedes nor follows "2011-02".
"""

from __future__ import annotations

import datetime
import re

from .errors import BadInput

_SHAPE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class BadDate(BadInput):
    """A date that is not YYYY, YYYY-MM or YYYY-MM-DD, or not a real day."""


def parse(text: str) -> str:
    """A user's date as YYYY, YYYY-MM or YYYY-MM-DD, checked; raises BadDate otherwise."""
    text = text.strip()
    match = _SHAPE.match(text)
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


def in_force(at: str, start: str | None, end: str | None) -> bool:
    """The interval [start, end) may hold at `at`.

    An end stated only to the year or month may fall anywhere in it, so a name that ended
    "2001" was still in force for part of 2001; an end stated to the day excludes that day.
    """
    if start is not None and after(start, at):
        return False
    if end is None:
        return True
    a, e = _common(at, end)
    return a < e or (a == e and not len(at) == len(end) == 10)


def same_time(date: str | None, other: str | None) -> bool:
    """Both dated, and neither certainly after the other ("2002" and "2002-04" are the same time)."""
    return date is not None and other is not None and not after(date, other) and not after(other, date)


def shared(date: str, other: str) -> str:
    """The part of two dates both state: "2002" for "2002" and "2002-04-01"."""
    return _common(date, other)[0]
