"""A user's CSV mapped row by row: what an analyst does by hand with the crosswalk table and a join.

Each row keeps its columns and order and gets `target_code`, `target_name`, `share`, `split` and
`note` appended; a row whose code split is repeated once per target (with the share the declared
policy gives, so summing a measure times `share` never double counts). With a date column, each
row's code is mapped from that row's date: only successions after it are followed (those on or
before it had happened when the row was written, and the note says so). A row the crosswalk
cannot map (no code, an unknown code, a date that is no date) is kept, with no target and a note
that says why: never dropped, never guessed.
"""

from __future__ import annotations

import csv
import io

from derbygraph import dates, deadline
from derbygraph.errors import BadInput

from .facts import cite
from .mapping import CrosswalkService
from .shares import SplitPolicy
from .tables import TARGET_COLUMNS, Column, Table

APPENDED = ("target_code", "target_name", "share", "split", "note")


def map_csv(service: CrosswalkService, text: str, to: str, code_column: str, date_column: str | None = None,
            splits: SplitPolicy | None = None, filename: str = "mapped.csv") -> Table:
    """The rows of `text` (a CSV with a header) with their codes mapped to those in force on `to`."""
    to, splits = service.target_date(to), splits or SplitPolicy()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        raise BadInput("the CSV is empty: it needs a header row naming its columns")
    for wanted in filter(None, (code_column, date_column)):
        if wanted not in header:
            raise BadInput(f"no column {wanted!r} in the CSV: its columns are {', '.join(header)}")
    clash = [c for c in APPENDED if c in header]
    if clash:
        raise BadInput(f"the CSV already has column(s) {', '.join(clash)}, which the mapping appends: rename them")
    at_code, at_date = header.index(code_column), header.index(date_column) if date_column else None
    rows = []
    for values in deadline.checked(reader):
        if not any(v.strip() for v in values):
            continue
        values += [""] * (len(header) - len(values))
        extra = [v for v in values[len(header):] if v.strip()]
        said = [f"the row has {len(values)} cells and the header {len(header)} columns: "
                f"{', '.join(map(repr, extra))} past the header not kept"] if extra else []
        rows += [tuple(values[:len(header)]) + mapped
                 for mapped in _map_one(service, values[at_code], values[at_date] if at_date is not None else None,
                                        to, splits, said)]
    columns = [Column(h, "string", "a column of the input, as given") for h in header] + [
        Column("target_code", "string", "a code in force on the target date that the row's code became"),
        *TARGET_COLUMNS, Column("note", "string", "what else the files say, each note naming its rows")]
    return Table(f"{filename} with its codes mapped to the codes in force on {to}", filename, columns, rows, to,
                 splits.describe())


def _map_one(service: CrosswalkService, raw_code: str, raw_date: str | None, to: str,
             splits: SplitPolicy, said: list[str]) -> list[tuple]:
    """(target_code, target_name, share, split, note) for each target of one row's code; `said` what
    is already noted of the row."""
    code = raw_code.strip().upper()
    if not code or code not in service.facts.codes:
        return [(None, None, None, None, " | ".join(said + [f"no registry code {code!r}" if code else
                                                             "no code in this row"]))]
    notes, used_on = list(said), None
    if raw_date is not None:
        try:
            used_on = dates.parse(raw_date)
        except BadInput as error:
            notes.append(f"{error}: the row's date is not used")
        first = service.facts.first
        if used_on and first and used_on[:4] < first[:4]:
            notes.append(f"the row is dated {used_on}, before the registry files begin ({first}): "
                         f"they cannot say what {code} was then")
        if used_on and dates.after(used_on, to):
            notes.append(f"the row is dated {used_on}, after {to}: the crosswalk maps forward only, so "
                         f"{code} is mapped from {to}")
            used_on = None
    targets, path, skipped = service.walk_from(code, to, used_on)
    if skipped:
        notes.append(f"{code} was succeeded on or before the row's date {used_on} by "
                     f"{', '.join(sorted({s.target for s in skipped}))} ({cite(r for s in skipped for r in s.rows)}): "
                     "those successions are not followed")
    row = service.row(code, to, targets, path, splits, named=False)  # a mapped file has no column of the code's name
    note = " | ".join(notes + row["notes"])
    return [(t["code"], t["name"], t["share"], row["split"], note) for t in row["targets"]]
