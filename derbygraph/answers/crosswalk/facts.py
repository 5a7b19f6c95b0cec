"""What the registry files say, read from the Dataset in a few whole queries, once per service.

Everything the crosswalk states rests on these facts and names the rows they come from: the
successions (succ.csv rows), the codes with their kinds and sites, the snapshot's open and close
dates and names (etr.csv rows, each dated by the snapshot's observation), the files themselves
with their SHA-256, and which document bodies share a code's lineage (for names in force).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from derbygraph import resources, vocab
from derbygraph.store.dataset import Dataset

# The kinds of change, as the edge table names them.
CHANGES = {vocab.DG + "Succession": "succession", vocab.DG + "Merger": "merger",
           vocab.DG + "SiteSuccession": "site succession"}


@dataclass(frozen=True)
class Row:
    """One line of a registry file."""

    file: str
    line: int
    text: str = field(default="", compare=False)
    iri: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.file} line {self.line}"


@dataclass(frozen=True)
class Step:
    """One succession: `source` succeeded by `target` on `date`, a `change` of that kind, as `rows` say."""

    source: str
    target: str
    date: str
    change: str = field(compare=False)
    rows: tuple[Row, ...] = field(compare=False)


@dataclass(frozen=True)
class Dated:
    """A value of a file (an open or close date, a name as observed or as listed) with the row it rests on."""

    value: str
    row: Row
    observed: str | None = None
    error_rate: str | None = None  # of a listing's name: the share of its names known to be wrong


@dataclass(frozen=True)
class Code:
    code: str
    iri: str
    kind: str
    parent: str | None = None  # the organisation a site belongs to, where the files hold it


def cite(rows) -> str:
    """Rows as a note names them: "succ.csv lines 241, 242", "etr.csv line 156"."""
    by_file: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.line not in by_file[row.file]:
            by_file[row.file].append(row.line)
    return "; ".join(f"{file} line{'s' if len(lines) > 1 else ''} {', '.join(map(str, sorted(lines)))}"
                     for file, lines in by_file.items())


QUERIES = ("kinds", "codes", "edges", "snapshot-dates", "observed-names", "listed-names", "disagreements",
           "lineages", "files")


def queries() -> list[str]:
    """The whole queries the facts are read with (each over the whole registry: their answers
    are kept in a store folder, `derbygraph.answers.kept_queries`)."""
    return [resources.sparql(__file__, name) for name in QUERIES]


class RegistryFacts:
    """The registry's codes, successions and snapshot values, read once from a Dataset."""

    def __init__(self, dataset: Dataset):
        text = dict(zip(QUERIES, queries()))  # each read in turn, so one answer is held at a time
        kinds = {row["k"].value: row["kind"].value for row in dataset.query(text["kinds"])}
        found_codes = [(row["code"].value, row["org"].value, kinds[row["k"].value],
                        row["parent"].value if row["parent"] else None)
                       for row in dataset.query(text["codes"])]
        code_of = {iri: code for code, iri, _, _ in found_codes}
        self.codes: dict[str, Code] = {}
        for code, iri, kind, parent in found_codes:
            self.codes.setdefault(code, Code(code, iri, kind, code_of.get(parent)))
        found: dict[tuple, dict] = defaultdict(dict)
        changes: dict[tuple, str] = {}
        for row in dataset.query(text["edges"]):
            key = (row["from"].value, row["to"].value, row["date"].value)
            record = Row(row["file"].value, int(row["line"].value), row["text"].value, row["record"].value)
            found[key][record] = None
            changes[key] = CHANGES[row["type"].value]
        self.steps: dict[str, list[Step]] = defaultdict(list)
        for (source, target, date), rows in found.items():
            self.steps[source].append(Step(source, target, date, changes[(source, target, date)],
                                           tuple(sorted(rows, key=lambda r: r.line))))
        for steps in self.steps.values():
            steps.sort(key=lambda s: (s.date, s.target))
        every = [s for steps in self.steps.values() for s in steps]
        self.first = min((s.date for s in every), default=None)
        self.last = max((s.date for s in every), default=None)
        self.last_rows = tuple(r for s in every if s.date == self.last for r in s.rows)  # the files' latest
        self.first_rows = tuple(r for s in every if s.date == self.first for r in s.rows)  # ... and earliest
        self.arrivals: dict[str, list[Step]] = defaultdict(list)  # code -> the successions that reach it
        for step in sorted(every, key=lambda s: (s.date, s.source)):
            self.arrivals[step.target].append(step)
        self.opened: dict[str, Dated] = {}
        self.closed: dict[str, Dated] = {}
        for row in dataset.query(text["snapshot-dates"]):
            held = self.opened if row["p"].value.endswith("opened") else self.closed
            held[row["code"].value] = Dated(row["value"].value, Row(row["file"].value, int(row["line"].value)))
        self.observed_names: dict[str, Dated] = {}
        for row in dataset.query(text["observed-names"]):
            self.observed_names[row["code"].value] = Dated(
                row["name"].value, Row(row["file"].value, int(row["line"].value)), row["observed"].value)
        self.listed_names: dict[str, Dated] = {}
        for row in dataset.query(text["listed-names"]):
            self.listed_names[row["code"].value] = Dated(
                row["name"].value, Row(row["file"].value, int(row["line"].value)),
                error_rate=row["rate"].value if row["rate"] else None)
        self.disagreements: dict[str, tuple[str, tuple[Row, ...]]] = {}  # code -> (what differs, both rows)
        for row in dataset.query(text["disagreements"]):
            said, rows = self.disagreements.get(row["code"].value, (row["said"].value, ()))
            self.disagreements[row["code"].value] = (said, rows + (Row(row["file"].value, int(row["line"].value)),))
        self.lineage: dict[str, list[str]] = defaultdict(list)
        for row in dataset.query(text["lineages"]):
            self.lineage[row["code"].value].append(row["member"].value)
        self.files: list[dict] = []
        for row in dataset.query(text["files"]):
            self.files.append({"file": row["name"].value, "iri": row["file"].value,
                               "sha256": row["sha"].value if row["sha"] else None,
                               "licence": row["license"].value if row["license"] else None,
                               "attribution": row["rights"].value if row["rights"] else None})
        self.files.sort(key=lambda f: f["file"])

    def kinds(self) -> list[str]:
        return sorted({c.kind for c in self.codes.values()})

    def succession_file(self) -> str | None:
        """The file the successions come from (whose licence and attribution a mapping carries)."""
        return next((s.rows[0].file for steps in self.steps.values() for s in steps), None)

    def last_evidence(self, code: str) -> tuple[str, tuple[Row, ...]] | None:
        """The latest date any succession row mentions `code`, with those rows."""
        steps = self.steps.get(code, []) + self.arrivals.get(code, [])
        if not steps:
            return None
        last = max(s.date for s in steps)
        return last, tuple(r for s in steps if s.date == last for r in s.rows)
