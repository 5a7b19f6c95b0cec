"""A lineage laid out on a time axis, for the SVG the lineage page draws (and offers as a file).

Pure geometry and wording from the lineage JSON: the template turns these boxes into SVG, so the
picture needs no JavaScript. Rows from top to bottom: predecessors (branches that end where they
join the chain), the chain of names, successors (branches that begin where they leave it), lanes
of numbered event marks (a mark per dated event, each in the first lane where it does not overlap
another, so events of one date stand side by side), and the axis.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

# What an event does to a lineage, by its type: a shape and colour each in the picture and its key.
EVENT_KINDS = {
    "begins": ("Founded or opened", ("Establishment", "FacilityOpening", "Opened")),
    "renamed": ("Renamed or changed status", ("Renaming", "StatusChange", "FoundationTrustAuthorisation")),
    "joins": ("Merged, succeeded or took on services", ("Merger", "Succession", "SiteSuccession", "ServiceTransfer",
                                                       "ContractAward", "ServiceRelocation")),
    "ends": ("Dissolved or closed", ("Dissolution", "Closed")),
    "proposal": ("Proposed, or proposal dropped", ("MergerProposal", "ProposalAbandonment")),
    "other": ("Other events", ()),
}
# Roles whose ontology names read badly in a sentence: said plainly ("" leaves the role unsaid).
ROLE_WORDS = {"originalOrganization": "before", "resultingOrganization": "after", "originalSite": "site before",
              "resultingSite": "site after", "subject": ""}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
BRANCH = 120  # how long a predecessor's or successor's stub is drawn, in px


def event_kind(event_type: str) -> str:
    return next((kind for kind, (_, types) in EVENT_KINDS.items() if event_type in types), "other")


def words(local_name: str, label: str | None = None) -> str:
    """A type or role as words: its ontology label, else its name split at capitals."""
    text = label if label and label != local_name else re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local_name).lower()
    return text[:1].upper() + text[1:]


def role_words(role: str, label: str | None = None) -> str:
    return ROLE_WORDS[role] if role in ROLE_WORDS else words(role, label).lower()


def when(date: str) -> str:
    """A date as a sentence begins with it, at its precision: "In 2005", "In June 2005", "On 1 June 2005"."""
    year = date[:4]
    if len(date) == 4:
        return f"In {year}"
    month = MONTHS[int(date[5:7]) - 1]
    return f"In {month} {year}" if len(date) == 7 else f"On {int(date[8:10])} {month} {year}"


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
    body: int = 0     # which body of the lineage bore the name (0, 1, ... oldest first): its colour


@dataclass(frozen=True)
class Mark:
    number: int  # the event's number in the page's list, its link target
    label: str
    date: str    # the date, or "between A and B" for an event the sources only bound
    kind: str    # a key of EVENT_KINDS
    type: str    # the event's type, in words
    x: float
    y: float
    span: tuple[float, float] | None = None  # an undated event's bounds, drawn as a bracket


@dataclass(frozen=True)
class Branch:
    """A predecessor or successor: a stub joined to the chain bar in force at the link's date."""
    iri: str
    label: str
    date: str | None
    relation: str
    x: float       # the stub's start
    width: float
    y: float
    join_x: float | None  # where it meets the chain (None: the sources give no date to join it at)
    join_y: float | None
    anchor: str
    label_x: float
    successor: bool
    transfer: bool = False  # a body services passed from or to: neither predecessor nor successor


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: list[Bar]
    marks: list[Mark]
    ticks: list[tuple[float, int]]
    axis_y: float
    branches: list[Branch]
    lanes_y: float                                # top of the event lanes
    as_of: tuple[float, str] | None               # (x, date) of the as-of marker
    undated: int                                  # events the picture cannot place
    key: list[tuple[str, str, float, float]]      # (kind, words, x, y) of the kinds drawn, under the axis


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


def _where(event: dict, x, first: int, last: int) -> tuple[float, tuple[float, float] | None, str] | None:
    """(x, bracket, date in words) of an event: at its date, or, for an event the sources only
    bound ("bounds": notBefore/notAfter), on a bracket between them (midway, or at the one bound
    given, the bracket running to the picture's edge); None if neither."""
    if event.get("date"):
        return x(_year_fraction(event["date"])), None, event["date"]
    bounds = event.get("bounds") or {}
    early, late = bounds.get("notBefore"), bounds.get("notAfter")
    if not early and not late:
        return None
    left = x(_year_fraction(early)) if early else x(first)
    right = x(_year_fraction(late, end=True)) if late else x(last)
    at_x = (left + right) / 2 if early and late else right if late else left  # at the one bound known
    return at_x, (left, right), dated(event)


def dated(event: dict) -> str | None:
    """An event's date as the page says it: the date, or the bounds the sources give, in words."""
    if event.get("date"):
        return event["date"]
    bounds = event.get("bounds") or {}
    early, late = bounds.get("notBefore"), bounds.get("notAfter")
    if early and late:
        return f"between {early} and {late}"
    return f"after {early}" if early else f"by {late}" if late else None


def layout(answer: dict, type_words: dict[str, str] | None = None, at: str | None = None,
           today: datetime.date | None = None, width: int = 880, row: int = 34, margin: int = 16,
           lane: int = 22, gap: float = 20) -> Timeline:
    """The picture of a lineage answer (the JSON of /api/lineage, whole history), as of `at`."""
    names, events = [n for n in answer["names"] if not n.get("listed")], answer["events"]  # a listed name has no time
    links = [(link, False) for link in answer["predecessors"]] + [(link, True) for link in answer["successors"]] + \
        [(transfer | {"relation": "ServiceTransfer"}, transfer["direction"] == "to") for transfer in answer.get("transfers", [])]
    type_words = type_words or {}
    today = today or datetime.date.today()
    now = today.year + (today.timetuple().tm_yday - 1) / 365.25
    bounded = [d for e in events for d in (e.get("bounds") or {}).values() if d]
    dates = [n["start"] for n in names if n["start"]] + [n["end"] for n in names if n["end"]] + bounded + \
            [e["date"] for e in events if e["date"]] + [link["date"] for link, _ in links if link["date"]] + ([at] if at else [])
    first = min((int(d[:4]) for d in dates), default=today.year - 10) - 1
    last = max(max((int(d[:4]) for d in dates), default=today.year) + 1, int(now) + 1)
    span = max(last - first, 1)

    def x(year: float) -> float:
        return margin + (year - first) / span * (width - 2 * margin)

    # Dated links first; an undated one is drawn at the edge of its side, joined to nothing.
    before = sorted(((link, s) for link, s in links if not s), key=lambda ls: ls[0]["date"] is None)
    after = sorted(((link, s) for link, s in links if s), key=lambda ls: ls[0]["date"] is None)
    top = margin + len(before) * row
    bodies = list(dict.fromkeys(n["organisation"] for n in names))
    bars = []
    for number, name in enumerate(names):
        start = _year_fraction(name["start"]) if name["start"] else first
        end = _year_fraction(name["end"], end=True) if name["end"] else now
        # A name that ended "2001" and one that began "2001" share that year; draw the join at its start.
        if name["end"] and len(name["end"]) == 4 and number + 1 < len(names) and names[number + 1]["start"] == name["end"]:
            end = _year_fraction(name["end"])
        left, right = x(start), x(start) + max(x(end) - x(start), 3)
        late = left > width / 2
        bars.append(Bar(name["label"], name["start"], name["end"], left, right - left, top + number * row,
                        name["start"] is None, name["end"] is None, right if late else left, "end" if late else "start",
                        bodies.index(name["organisation"])))

    def chain_at(date: str) -> Bar | None:
        """The chain bar in force at `date` (the last to begin by then), for a branch to join."""
        year = _year_fraction(date)
        started = [b for b in bars if b.x <= x(year) + 0.5]
        return (started or bars or [None])[-1]

    branches = []
    for number, (link, successor) in enumerate(before + after):
        y = margin + number * row if not successor else top + len(names) * row + (number - len(before)) * row
        if link["date"]:
            join = chain_at(link["date"])
            join_x = x(_year_fraction(link["date"]))
            join_y = (join.y + 21.5) if join else top
            left = join_x if successor else max(margin, join_x - BRANCH)
            stub = min(BRANCH, width - margin - left) if successor else join_x - left
        else:
            join_x = join_y = None
            left, stub = (width - margin - BRANCH if successor else margin), BRANCH
        late = left + stub / 2 > width / 2
        branches.append(Branch(link["iri"], link["label"], link["date"], words(link["relation"], type_words.get(link["relation"])),
                               left, max(stub, 3), y, join_x, join_y, "end" if late else "start",
                               left + stub if late else left, successor, "direction" in link))

    lanes_y = top + (len(names) + len(after)) * row + 8
    placed: list[list[tuple[float, float]]] = []  # the stretches of axis the marks of each lane take
    marks = []
    for number, event in enumerate(events, start=1):
        where = _where(event, x, first, last)
        if where is None:
            continue
        at_x, bracket, said = where
        taken_from, taken_to = (bracket or (at_x, at_x))[0] - gap / 2, (bracket or (at_x, at_x))[1] + gap / 2
        for index, taken in enumerate(placed):
            if all(taken_to <= start or end <= taken_from for start, end in taken):
                taken.append((taken_from, taken_to))
                break
        else:
            index = len(placed)
            placed.append([(taken_from, taken_to)])
        marks.append(Mark(number, event["label"], said, event_kind(event["type"]),
                          words(event["type"], type_words.get(event["type"])), at_x, lanes_y + index * lane + lane / 2,
                          bracket))
    axis_y = lanes_y + max(len(placed), 1) * lane + 4
    step = 1 if span <= 12 else 2 if span <= 24 else 5 if span <= 60 else 10
    ticks = [(x(year), year) for year in range(first - first % step + step, last + 1, step)]
    drawn = {m.kind for m in marks}
    key, key_x, key_y = [], float(margin), axis_y + 40
    for kind, (text, _) in EVENT_KINDS.items():
        if kind not in drawn:
            continue
        room = 26 + len(text) * 6.6  # a shape and the words at 11px
        if key_x + room > width - margin:
            key_x, key_y = float(margin), key_y + 20
        key.append((kind, text, key_x, key_y))
        key_x += room + 12
    return Timeline(width, int(key_y + 16), bars, marks, ticks, axis_y, branches, lanes_y,
                    (x(_year_fraction(at)), at) if at else None, len(events) - len(marks), key)
