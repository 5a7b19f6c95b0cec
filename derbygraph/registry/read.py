"""Reading the ODS registry files: every row checked, every field kept, with its line.

succ.csv (predecessor code, successor code, reason, effective date, indicator) and etr.csv (27
columns: code, name, national grouping, high-level health geography, address, postcode, open and
close dates, ...) have no header row and quote every field. A bad row (a wrong number of fields,
a code that is not an ODS code, a date that is not a real YYYYMMDD date, an organisation
succeeding itself, a trust listed twice) stops the import: the registry's lineages are only as
good as every row, so the error names the first bad row as `file:line: message`, with the line
numbers of the others, and nothing is written. A cycle of successions (a code that, through its
successors, succeeds itself) is refused the same way, naming the rows that make it.

trust-listing.csv, the third listing, has a header row (code, name, address_line_1, town,
postcode); its rows are read with the same checks (the code an ODS code, no code twice).
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from derbygraph import vocab
from derbygraph.errors import UserError

ODS = vocab.ID + "ods/"
RECORD_NS = ODS + "record/"
SUCC_FIELDS, ETR_FIELDS = 5, 27
LISTING_HEADER = ("code", "name", "address_line_1", "town", "postcode")
# etr.csv columns (0-based) as the ODS layout names them.
ETR_CODE, ETR_NAME, ETR_GROUPING, ETR_GEOGRAPHY, ETR_POSTCODE, ETR_OPEN, ETR_CLOSE = 0, 1, 2, 3, 9, 10, 11
ETR_ADDRESS = slice(4, 9)
ETR_PARENT = 14  # the parent organisation's code (column 15), empty in every row of the shared copy
ETR_REGION = 23  # column 14 (sub-type) is empty in every row of the shared copy too

_CODE = re.compile(r"^[A-Z0-9]{1,12}$")


class OdsError(UserError):
    """An ODS file that cannot be imported; str() is one `file:line: message` line for the user."""

    def __init__(self, path: Path | str, line: int | None, message: str, more: Iterable[int] = ()):
        self.path, self.line, self.message, self.more = str(path), line, message, list(more)
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"
        if self.more:
            shown = ", ".join(str(n) for n in self.more[:8]) + (", ..." if len(self.more) > 8 else "")
            plural = "s" if len(self.more) > 1 else ""
            text += f" (and {len(self.more)} more bad row{plural}, at line{plural} {shown})"
        return text + "; nothing was written"


@dataclass(frozen=True)
class Record:
    """One row of a registry file: where it is and its exact text."""

    kind: str  # "succ", "etr" or "listing": the file's role, which names its IRIs
    path: Path
    line: int
    text: str
    fields: tuple[str, ...]

    @property
    def iri(self) -> str:
        return f"{RECORD_NS}{self.kind}/{self.line}"


@dataclass(frozen=True)
class Row:
    """A row of succ.csv: `predecessor` was succeeded by `successor` on `date` (YYYY-MM-DD).

    `indicator` is the fifth column as the file gives it ("0" or "1"): the ODS's succession
    indicator, undocumented in this copy, which reads as a forward-succession flag (1 almost always
    where the successor is succeeded in turn). Successions are followed from the rows, so it is kept
    on the row, not interpreted.
    """

    record: Record
    predecessor: str
    successor: str
    date: str
    reason: str
    indicator: str


@dataclass(frozen=True)
class Trust:
    """A row of etr.csv; `name` is the registry's own string and may be empty."""

    record: Record
    code: str
    name: str
    opened: str | None
    closed: str | None

    def field(self, column: int) -> str:
        return self.record.fields[column]

    @property
    def address(self) -> tuple[str, ...]:
        """The address lines the row fills, in order (the postcode apart)."""
        return tuple(line for line in self.record.fields[ETR_ADDRESS] if line)


@dataclass(frozen=True)
class Listed:
    """A row of the third listing: what it says the code is called, as it spells it."""

    record: Record
    code: str
    name: str


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # older ODS extracts are Windows-1252
        return data.decode("cp1252", errors="replace")


def _records(path: Path, kind: str, width: int, what: str, problems: list) -> list[Record]:
    """The non-blank rows of a CSV file with `width` fields; wrong rows go to `problems`."""
    found = []
    for number, line in enumerate(_text(path).split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line], strict=True))
        except (csv.Error, StopIteration) as error:
            problems.append((number, f"not a CSV row: {error}"))
            continue
        if len(fields) != width:
            problems.append((number, f"expected {width} fields ({what}), found {len(fields)}"))
            continue
        found.append(Record(kind, path, number, line, tuple(f.strip() for f in fields)))
    return found


def iso_date(text: str) -> str | None:
    """YYYYMMDD as ISO YYYY-MM-DD, or None if it is not a real date."""
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return None


def _code_problem(code: str, what: str) -> str | None:
    if not code:
        return f"empty {what} code"
    if not _CODE.match(code):
        return f"{what} code {code!r} is not an ODS code (letters and digits)"
    return None


def _fail(path: Path, problems: list) -> None:
    if problems:
        problems.sort()
        line, message = problems[0]
        raise OdsError(path, line, message, [n for n, _ in problems[1:]])


def read_succ(path: Path) -> list[Row]:
    """The rows of an ODS successor file; OdsError names the bad rows."""
    problems: list = []
    records = _records(path, "succ", SUCC_FIELDS, "predecessor, successor, reason, date, indicator", problems)
    if not records and not problems:
        raise OdsError(path, 1, "the file is empty: expected ODS successor rows")
    rows: list[Row] = []
    for record in records:
        predecessor, successor, reason, date, indicator = record.fields
        problem = _code_problem(predecessor, "predecessor") or _code_problem(successor, "successor")
        iso = iso_date(date)
        if problem is None and iso is None:
            problem = f"effective date {date!r} is not a date (expected YYYYMMDD)"
        if problem is None and predecessor == successor:
            problem = f"{predecessor} is its own successor"
        if problem:
            problems.append((record.line, problem))
        else:
            rows.append(Row(record, predecessor, successor, iso, reason, indicator))
    _fail(path, problems)
    _fail(path, _cycles(rows))
    return rows


def _cycles(rows: list[Row]) -> list[tuple[int, str]]:
    """A problem for each cycle of successions, at its first row, naming every row of it: the
    lineages and the crosswalk follow successions, and a cycle has no first body."""
    onward: dict[str, list[Row]] = {}
    for row in rows:
        onward.setdefault(row.predecessor, []).append(row)
    state: dict[str, int] = {}  # 1 on the path being walked, 2 done
    problems = []
    for start in sorted(onward):
        if start in state:
            continue
        path: list[Row] = []
        stack = [(start, iter(onward.get(start, ())))]
        state[start] = 1
        while stack:
            code, successors = stack[-1]
            row = next(successors, None)
            if row is None:
                state[code] = 2
                stack.pop()
                if path:
                    path.pop()
                continue
            if state.get(row.successor) == 1:  # back on the path: the rows from there make a cycle
                walked = [start] + [r.successor for r in path]
                loop = path[walked.index(row.successor):] + [row]
                codes = " -> ".join([loop[0].predecessor] + [r.successor for r in loop])
                lines = ", ".join(str(r.record.line) for r in loop)
                problems.append((min(r.record.line for r in loop),
                                 f"a cycle of successions: {codes} (lines {lines}); a code cannot succeed itself"))
            elif row.successor not in state:
                state[row.successor] = 1
                path.append(row)
                stack.append((row.successor, iter(onward.get(row.successor, ()))))
    return problems


def read_etr(path: Path) -> list[Trust]:
    """The rows of an ODS organisation file in the etr layout; OdsError names the bad rows."""
    problems: list = []
    records = _records(path, "etr", ETR_FIELDS, "the ODS trust layout", problems)
    if not records and not problems:
        raise OdsError(path, 1, "the file is empty: expected ODS trust rows")
    trusts, seen = [], {}
    for record in records:
        code, name = record.fields[ETR_CODE], record.fields[ETR_NAME]
        opened, closed = record.fields[ETR_OPEN], record.fields[ETR_CLOSE]
        problem = _code_problem(code, "organisation")
        for label, value in (("open", opened), ("close", closed)):
            if problem is None and value and iso_date(value) is None:
                problem = f"{label} date {value!r} is not a date (expected YYYYMMDD)"
        if problem is None and code in seen:
            problem = f"{code} is listed twice (first at line {seen[code]})"
        if problem is None and opened and closed and iso_date(closed) < iso_date(opened):
            problem = f"{code} closes ({closed}) before it opens ({opened})"
        if problem:
            problems.append((record.line, problem))
            continue
        seen[code] = record.line
        trusts.append(Trust(record, code, name, iso_date(opened) if opened else None,
                            iso_date(closed) if closed else None))
    _fail(path, problems)
    return trusts


def read_listing(path: Path) -> list[Listed]:
    """The rows of the third listing (a header row, then code, name, address, town, postcode)."""
    problems: list = []
    records = _records(path, "listing", len(LISTING_HEADER), ", ".join(LISTING_HEADER), problems)
    if records and records[0].line == 1 and records[0].fields == LISTING_HEADER:
        records = records[1:]
    elif not problems:
        problems.append((1, f"expected the header row {','.join(LISTING_HEADER)}"))
    if not records and not problems:
        raise OdsError(path, 2, "the file has no rows: expected a code and name on each")
    listed, seen = [], {}
    for record in records:
        code, name = record.fields[0], record.fields[1]
        problem = _code_problem(code, "listed")
        if problem is None and not name:
            problem = f"{code} has no name"
        if problem is None and code in seen:
            problem = f"{code} is listed twice (first at line {seen[code]})"
        if problem:
            problems.append((record.line, problem))
            continue
        seen[code] = record.line
        listed.append(Listed(record, code, name))
    _fail(path, problems)
    return listed


def latest_date(trusts: list[Trust]) -> str | None:
    """The latest date a trust file states: the snapshot was taken no earlier than this."""
    return max((d for t in trusts for d in (t.opened, t.closed) if d), default=None)
