"""Dates as spreadsheet cells hold them, read for one row at a time.

OpenRefine sends a date cell as an ISO date-time (`1995-06-01T00:00:00Z`), a number cell as a
number, and people type years, months, "c. 2005" and "95". Each form is read here, once; a cell
that cannot be read is not an error of the batch but of its row, which is answered as if undated
and says so (`When.note`).

Forms read (the README lists them):
- `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, an ISO date-time (its date), `YYYY/MM/DD`, and `DD/MM/YYYY` (day
  first, as UK spreadsheets write it);
- a year as a number (`1995`, `1995.0`);
- two-digit years (`95`, `'05`): 1948 (the NHS's start) to 2047, so `48`-`99` are 19xx, `00`-`47` 20xx;
- approximate years (`c. 2005`, `circa 2005`, `ca 2005`, `~2005`, `2005?`): 2003 to 2007;
- a decade (`1990s`) and a span of years (`1995-1997`, `1995 to 1997`, `1995-97`: two digits after the
  dash are a month when they can be one, so `1995-06` is June 1995).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derbygraph import dates

APPROXIMATE_YEARS = 2  # "c. 2005" is 2003 to 2007
NHS_FOUNDED = 1948  # a two-digit year is read as the year in 1948..2047 that ends so

_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_SLASHED_ISO = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_APPROXIMATE = re.compile(r"^(?:(?:c|ca|circa|about|approx)\.?\s*|~\s*)(\d{2,4})$|^(\d{2,4})\s*\?$")
_DECADE = re.compile(r"^(\d{3})0'?s$")
_SPAN = re.compile(r"^(\d{4})\s*(?:-|–|to)\s*(\d{2}|\d{4})$")
_TWO_DIGITS = re.compile(r"^'?(\d{2})$")


@dataclass(frozen=True)
class When:
    """A row's date: `at` the date (the middle year of a range), `years` every year a range spans
    (empty for one date), `note` what was made of the cell when it was not a plain date."""

    at: str | None
    years: tuple[str, ...] = ()
    note: str | None = None

    @property
    def dated(self) -> bool:
        return self.at is not None

    @property
    def each(self) -> tuple[str, ...]:
        """The dates to try: this one, or every year of a range."""
        return self.years or (self.at,)

    def holds(self, window: dates.Window) -> bool:
        """The window (a name's, as the build derived it) may hold on this date (for a range, on any of its years)."""
        return any(window.may_hold(at) for at in self.each)

    def near(self, window: dates.Window, years: int) -> bool:
        """The window may hold within `years` years of this date."""
        year = int(self.at[:4])
        return any(window.may_hold(str(y)) for y in range(year - years, year + years + 1))


UNDATED = When(None)


def _year(text: str) -> int:
    number = int(text)
    if len(text) == 2:
        number += 1900 if number >= NHS_FOUNDED % 100 else 2000
    return number


def _range(low: int, high: int, note: str) -> When:
    years = tuple(str(y) for y in range(low, high + 1))
    return When(years[len(years) // 2], years, note)


def read(value) -> When:
    """The date a cell holds, or UNDATED with a note saying it could not be read."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return UNDATED
    if isinstance(value, bool):
        return When(None, note=f"date {value!r} not read: answered as if undated")
    if isinstance(value, (int, float)):
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    text = re.sub(r"^(\d{4})\.0+$", r"\1", text)
    try:
        return _read(text)
    except (dates.BadDate, ValueError):
        return When(None, note=f"date {text[:40]!r} not read: answered as if undated")


def _read(text: str) -> When:
    if _ISO.match(text) and (len(text) == 4 or int(text[5:7]) <= 12):  # "1999-06" is a month, "1994-96" a span
        return When(dates.parse(text))
    if match := _DATETIME.match(text):
        return When(dates.parse(match.group(1)))
    if match := _SLASHED_ISO.match(text):
        return When(dates.parse(f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}"))
    if match := _DAY_FIRST.match(text):
        return When(dates.parse(f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"), note=f"{text!r} read day first")
    if match := _APPROXIMATE.match(text.lower()):
        year = _year(match[1] or match[2])
        return _range(year - APPROXIMATE_YEARS, year + APPROXIMATE_YEARS, f"{text!r} read as {year - 2} to {year + 2}")
    if match := _DECADE.match(text.lower()):
        decade = int(match[1]) * 10
        return _range(decade, decade + 9, f"{text!r} read as {decade} to {decade + 9}")
    if match := _SPAN.match(text):
        low = int(match[1])
        high = int(match[1][:2] + match[2]) if len(match[2]) == 2 else int(match[2])
        if high < low:
            raise ValueError(text)
        return _range(low, high, f"{text!r} read as {low} to {high}")
    if match := _TWO_DIGITS.match(text):
        year = _year(match[1])
        return When(str(year), note=f"{text!r} read as {year}")
    return When(dates.parse(text))
