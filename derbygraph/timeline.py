"""A lineage's names laid out on a time axis, for the SVG the lineage page draws.

Pure geometry: the page template turns these boxes into SVG, so the picture needs no JavaScript.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    start: str | None
    end: str | None
    x: float
    width: float
    y: float
    open_start: bool  # the source gives no start: the bar fades in
    open_end: bool    # the name is still in force
    label_x: float    # labels sit above their bar, kept inside the picture
    anchor: str       # "start" or "end"


@dataclass(frozen=True)
class Mark:
    label: str
    date: str
    kind: str
    x: float


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: list[Bar]
    marks: list[Mark]
    ticks: list[tuple[float, int]]
    axis_y: float


def _year_fraction(date: str, end: bool = False) -> float:
    """A date as a decimal year; an end stated to the year or month runs to its close."""
    year = int(date[:4])
    if len(date) == 4:
        return year + (1.0 if end else 0.0)
    month = int(date[5:7])
    if len(date) == 7:
        return year + (month if end else month - 1) / 12
    day = datetime.date.fromisoformat(date).timetuple().tm_yday
    return year + (day - 1) / 365.25


def layout(names: list[dict], events: list[dict], today: datetime.date | None = None,
           width: int = 880, row: int = 34, margin: int = 16) -> Timeline:
    today = today or datetime.date.today()
    now = today.year + (today.timetuple().tm_yday - 1) / 365.25
    dates = [n["start"] for n in names if n["start"]] + [n["end"] for n in names if n["end"]] + \
            [e["date"] for e in events if e["date"]]
    first = min((int(d[:4]) for d in dates), default=today.year - 10) - 1
    last = max(max((int(d[:4]) for d in dates), default=today.year) + 1, int(now) + 1)
    span = max(last - first, 1)

    def x(year: float) -> float:
        return margin + (year - first) / span * (width - 2 * margin)

    bars = []
    for number, name in enumerate(names):
        start = _year_fraction(name["start"]) if name["start"] else first
        end = _year_fraction(name["end"], end=True) if name["end"] else now
        # A name that ended "2001" and one that began "2001" share that year; draw the join at its start.
        if name["end"] and len(name["end"]) == 4 and number + 1 < len(names) and names[number + 1]["start"] == name["end"]:
            end = _year_fraction(name["end"])
        left, right = x(start), x(start) + max(x(end) - x(start), 3)
        late = left > width / 2
        bars.append(Bar(name["label"], name["start"], name["end"], left, right - left, margin + number * row,
                        name["start"] is None, name["end"] is None, right if late else left, "end" if late else "start"))
    axis_y = margin + len(names) * row + 6
    marks = [Mark(e["label"], e["date"], e["type"], x(_year_fraction(e["date"]))) for e in events if e["date"]]
    step = 1 if span <= 12 else 2 if span <= 24 else 5 if span <= 60 else 10
    ticks = [(x(year), year) for year in range(first - first % step + step, last + 1, step)]
    return Timeline(width, int(axis_y + 40), bars, marks, ticks, axis_y)
