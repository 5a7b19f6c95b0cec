"""Bodies as a reconciliation candidate is one: a documents' body with the registry codes asserted
the same organisation, or a registry code no document names, each with its life and its codes.

A spreadsheet row means one body at one time, not one record: the registry's RXM and the documents'
Derbyshire Healthcare NHS Foundation Trust are one organisation (`dg:sameOrganisationAs`, which the
build also folds into `dg:inLineage`), so they are one candidate. Identity is read, never worked out
here: the lineage is the build's `dg:inLineage`, the merging only follows `dg:sameOrganisationAs`.

A body's life comes from what the graph dates: its name periods (a registry snapshot's name, with
no start, bounds only the end), the code's `dg:opened`/`dg:closed`, and the continuing changes it
came out of or went into (the DCHS of 2011-2014 has no name of its own, only those two events).
Everything is read with two whole queries the first time it is needed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import astuple, dataclass, field

from derbygraph import dates, matching, resources, vocab
from derbygraph.answers import indexes, names
from derbygraph.answers.names import NameIndex


@dataclass(frozen=True)
class Code:
    """A registry code of a body, with its own open and close dates (the registry's)."""

    code: str
    kind: str | None
    opened: str | None
    closed: str | None
    succeeded: str | None = None  # the first succession it went into, where no close date is given

    def open_at(self, at: str) -> bool:
        return dates.in_force(at, self.opened, self.closed or self.succeeded)

    def described(self) -> str:
        when = f"opened {self.opened}" if self.opened else ""
        when += f"{', ' if when else ''}closed {self.closed}" if self.closed else ""
        detail = ", ".join(p for p in (self.kind, when) if p)
        return f"ODS {self.code}" + (f" ({detail})" if detail else "")


@dataclass
class Body:
    iri: str  # the candidate: the documents' body, else the registry code
    lineage: str
    members: list[str] = field(default_factory=list)  # itself and the codes asserted the same
    codes: list[Code] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    dated: bool = False  # the graph dates its life at all

    def alive_at(self, at: str) -> bool | None:
        """In force at `at` (None: the graph does not say when it lived)."""
        return dates.in_force(at, self.start, self.end) if self.dated else None


class Bodies:
    """Every organisation's body, lineage, life and codes, read once."""

    def __init__(self, bodies: dict[str, Body], of: dict[str, str]):
        self.bodies = bodies  # a body's key (`Body.iri`) -> the body
        self._of = of         # an organisation -> the key of its body
        self._lineages: dict[str, list[str]] = defaultdict(list)
        for key, body in bodies.items():
            self._lineages[body.lineage].append(key)

    @classmethod
    def of_dataset(cls, dataset) -> "Bodies":
        """The dataset's bodies, made once and kept with it."""
        return dataset.memo(_bodies)

    @classmethod
    def from_dataset(cls, dataset) -> "Bodies":
        """The bodies, read with two whole queries (and the name index)."""
        rows = list(dataset.query(resources.sparql(__file__, "organisations")))
        same: dict[str, str] = {}
        registry = vocab.ID + "ods/"
        for row in rows:  # a registry code asserted the same as a documents' body is that body
            org = row["org"].value
            if row["same"] is not None and org.startswith(registry) and not row["same"].value.startswith(registry):
                same[org] = row["same"].value
        opened: dict[str, tuple] = {}
        bodies: dict[str, Body] = {}
        of: dict[str, str] = {}
        for row in rows:
            org = row["org"].value
            key = same.get(org, org)
            of[org] = key
            body = bodies.get(key)
            if body is None:
                lineage = row["lineage"].value if row["lineage"] is not None else key
                body = bodies[key] = Body(key, lineage)
            if org not in body.members:
                body.members.append(org)
            if row["code"] is not None:
                code = Code(row["code"].value, row["kind"].value if row["kind"] is not None else None,
                            row["opened"].value if row["opened"] is not None else None,
                            row["closed"].value if row["closed"] is not None else None,
                            row["succeeded"].value if row["succeeded"] is not None else None)
                if code not in body.codes:
                    body.codes.append(code)
                if org == key:
                    opened[key] = (code.opened, code.closed)
        _date(dataset, bodies, of, opened)
        for key, body in bodies.items():
            body.members.sort(key=lambda m: (m != key, m))
        return cls(bodies, of)

    def state(self) -> dict:
        """The bodies as JSON (`from_state` reads them back)."""
        return {"bodies": [[b.iri, b.lineage, b.members, [astuple(c) for c in b.codes], b.start, b.end, b.dated]
                           for b in self.bodies.values()], "of": self._of}

    @classmethod
    def from_state(cls, state: dict) -> "Bodies":
        bodies = {key: Body(key, lineage, members, [Code(*code) for code in codes], start, end, dated)
                  for key, lineage, members, codes, start, end, dated in state["bodies"]}
        return cls(bodies, state["of"])

    def of(self, org: str) -> Body | None:
        """The body an organisation (a documents' body or a registry code) belongs to."""
        key = self._of.get(org)
        return self.bodies.get(key) if key is not None else None

    def lineage_of(self, body: Body) -> list[Body]:
        """The bodies of its lineage, oldest first (by the start of their lives; undated last)."""
        found = [self.bodies[k] for k in self._lineages.get(body.lineage, ())]
        return sorted(found, key=lambda b: (b.start is None, b.start or "", b.iri))

    def in_force(self, body: Body, at: str) -> list[Body]:
        """The bodies of its lineage in force at `at`, latest first (two at a change's year)."""
        return sorted((b for b in self.lineage_of(body) if b.alive_at(at)), key=lambda b: b.start or "", reverse=True)

    def codes_at(self, body: Body, at: str | None) -> list[Code]:
        """The codes the body went by at `at` (the lineage's codes open then, while it was in force);
        undated, its own codes and the lineage's that were open in its life."""
        if at is not None:
            if body.alive_at(at) is False:
                return []
            return [c for b in self.lineage_of(body) for c in b.codes if c.open_at(at)]
        found = list(body.codes)
        for other in self.lineage_of(body):
            if other is not body:
                found += [c for c in other.codes if c not in found and body.dated and _overlap(body, c)]
        return found


def _overlap(body: Body, code: Code) -> bool:
    if body.end and code.opened and not dates.after(body.end, code.opened):
        return False
    return not (body.start and code.closed and not dates.after(code.closed, body.start))


def _date(dataset, bodies: dict[str, Body], of: dict[str, str], opened: dict[str, tuple]) -> None:
    """Each body's life from its name periods, its own code's dates and its changes."""
    starts, ends, open_ended = defaultdict(list), defaultdict(list), set()
    for key, (start, end) in opened.items():  # a code open with no close may have been succeeded
        starts[key] += [start] if start else []
        ends[key] += [end] if end else []
    for key in bodies:
        for period in NameIndex.of(dataset).periods_of(key):
            if period.start:
                starts[key].append(period.start)
                if not period.end:
                    open_ended.add(key)
            if period.end:
                ends[key].append(period.end)
    for row in dataset.query(resources.sparql(__file__, "changes")):
        key = of.get(row["org"].value)
        if key is not None and key == row["org"].value:
            (starts if row["role"].value.endswith("resultingOrganization") else ends)[key].append(row["date"].value)
    for key, body in bodies.items():
        body.dated = bool(starts[key] or ends[key])
        body.start = min(starts[key], default=None)
        body.end = None if key in open_ended or not ends[key] else max(ends[key])


def _made_from() -> str:
    """What the bodies are made from (`indexes.made_from`): their queries, and the name index's."""
    return indexes.made_from("reconciliation bodies", tuple(resources.sparql(__file__, name) for name in ("organisations", "changes")),
                             (__name__, names.__name__, matching.__name__, dates.__name__))


def _bodies(dataset) -> Bodies:
    return indexes.kept_or_made(dataset, _made_from(), Bodies.from_state, Bodies.from_dataset)


def kept_indexes() -> dict:
    """The bodies a store folder keeps whole (`indexes`): what they are made from, and their state."""
    return {_made_from(): lambda dataset: Bodies.of_dataset(dataset).state()}
