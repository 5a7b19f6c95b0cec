"""Reconciliation candidates: one per body, weighed by its name, the row's date and its code.

A row of a spreadsheet names one body at one time. Every name of every organisation is scored
against the cell (`names.NameIndex.scored`, the one matcher); each name belongs to a body
(`bodies.Bodies`: a registry code asserted the same organisation as a documents' body is that
body). Then the date: the name may have been in force on it, near it, or at another time of the
body's life; the body may not have been in force at all, and then the body of its lineage that was
in force stands in, named as it was then.

The score (0-100) is `100 × similarity × fit`:
- similarity (0-1): 1 the name as written, 0.95 give or take case, punctuation, "NHS", "Trust",
  "Foundation" and common short forms, 0.9 its initials, below 0.9 a partial or misspelt name;
- fit (1 without a date): `FIT` below, by what the date says of the name and the body.
A code given as a property that the body held is a similarity of 1; a body holding other codes
but not it, or at another postcode than the one given, is weighed down (`MISMATCH`).

`match` is true when the best candidate is the name itself (similarity >= 0.95, or its code), fits
the date (fit >= 0.9) and leads the next body by at least `MATCH_LEAD` points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import pyoxigraph as ox

from derbygraph import dates, deadline, vocab
from derbygraph.answers.names import NameIndex
from derbygraph.answers.search import FieldIndex, compact
from derbygraph.matching import EXACT_AT, RESOLVE_AT, Entry
from derbygraph.store.dataset import iri

from .bodies import Bodies, Body
from .celldates import When

NEAR_YEARS = 2
# How well a candidate fits the row's date, by what is known of its name and its life.
FIT = {
    "in force": 1.0,         # the name matched was the body's name then
    "near": 0.9,             # the body was in force then; the name matched was its name within NEAR_YEARS
    "dates unknown": 0.9,    # the body was in force then (or its life is undated); the name's dates are not known
    "stands in": 0.8,        # the body of the name's lineage in force then, under its name of then
    "other name": 0.8,       # the body was in force then, under another name of its own
    "outside": 0.5,          # the body was not in force then
}
MATCH_FIT = 0.9
MATCH_LEAD = 10
MISMATCH = 0.7
CODE_SIMILARITY = 1.0
POSTCODE_SIMILARITY = 0.9
SCANNED = 400  # names weighed per cell, best first


class Held(NamedTuple):
    """When a matched name (or code) was in force: its dates as the source gives them, and its window."""

    start: str | None
    end: str | None
    window: dates.Window


@dataclass(frozen=True)
class Query:
    text: str
    when: When
    code: str = ""
    postcode: str = ""


@dataclass
class Candidate:
    body: Body
    name: str
    similarity: float
    fit: str | None  # a key of FIT; None without a date
    matched: Entry | None
    held: Held | None = None  # when the matched name was in force, if known
    code: bool | None = None
    postcode: bool | None = None
    named: float | None = None  # how well the cell's text named it, before a code given raised it
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        weight = 1.0 if self.fit is None else FIT[self.fit]
        mismatch = MISMATCH if (self.code is False or self.postcode is False) else 1.0
        return round(100 * self.similarity * weight * mismatch, 1)

    @property
    def certain(self) -> bool:
        """The name itself (or its code), fitting the date: one condition of `match`."""
        named = self.similarity if self.named is None else self.named
        return (named >= EXACT_AT or (bool(self.code) and named >= RESOLVE_AT)) and self.code is not False \
            and (self.fit is None or FIT[self.fit] >= MATCH_FIT)

    def features(self) -> list[dict]:
        found = [{"id": "name_similarity", "value": self.similarity}]
        if self.fit is not None:
            found.append({"id": "date_fit", "value": FIT[self.fit]})
            found.append({"id": "name_in_force_on_date", "value": self.fit == "in force"})
            found.append({"id": "lineage_body_in_force_on_date", "value": self.fit == "stands in"})
        if self.code is not None:
            found.append({"id": "code", "value": self.code})
        if self.postcode is not None:
            found.append({"id": "postcode", "value": self.postcode})
        return found


def matched_first(found: list[Candidate]) -> bool:
    """`match` for the first of candidates sorted best first: it is certain and clearly ahead."""
    if not found or not found[0].certain:
        return False
    return len(found) == 1 or found[0].score - found[1].score >= MATCH_LEAD


class Matcher:
    """Candidates for one cell, over the organisations' (or sites') names and the bodies."""

    def __init__(self, dataset, bodies: Bodies, sites: NameIndex):
        self.dataset, self.bodies, self.sites = dataset, bodies, sites

    def body(self, org: str) -> Body:
        return self.bodies.of(org) or Body(org, org, [org])

    def candidates(self, query: Query, indexes: list[NameIndex], wanted, limit: int) -> list[Candidate]:
        """The best candidate of each body `wanted(body)` accepts, best first."""
        best: dict[str, Candidate] = {}
        for index, entry, similarity in deadline.checked(self._names(query, indexes)):
            body = self.body(entry.org)
            if not wanted(body):
                continue
            for candidate in self._weigh(index, body, entry, similarity, query.when):
                self._check_properties(candidate, query)
                held = best.get(candidate.body.iri)
                if held is None or (candidate.score, candidate.similarity) > (held.score, held.similarity):
                    best[candidate.body.iri] = candidate
        ranked = sorted(best.values(), key=lambda c: (-c.score, -c.similarity, c.name, c.body.iri))
        return ranked[:limit]

    def _names(self, query: Query, indexes: list[NameIndex]):
        for index in indexes:
            if query.text.strip():
                for entry, similarity in index.scored(query.text)[:SCANNED]:
                    yield index, entry, similarity
            for org in self._holding(query.code):  # weighed as named not at all; the code raises it
                yield index, Entry(org, query.code, "code", (query.code.lower(),), ()), 0.0
            if not query.text.strip():
                for org in self._at_postcode(query.postcode):
                    yield index, Entry(org, self.dataset.label(iri(org)), "label", (), ()), POSTCODE_SIMILARITY

    def _holding(self, code: str) -> list[str]:
        if not code:
            return []
        return [s.value for s in self.dataset.subjects(vocab.SKOS + "notation", ox.Literal(code))
                if isinstance(s, ox.NamedNode)]

    def _at_postcode(self, postcode: str) -> list[str]:
        return [h.iri for h in FieldIndex.of(self.dataset).search(postcode) if h.field == "postcode"] if postcode else []

    def _check_properties(self, candidate: Candidate, query: Query) -> None:
        """The code and postcode given, against the body's: a code it went by on the date (undated,
        its own code) confirms it; a code of its lineage at another time says nothing; any other
        code it had weighs it down."""
        if query.code:
            body, at = candidate.body, query.when.at
            held = {c.code for c in (self.bodies.codes_at(body, at) if at else body.codes)}
            lineage = {c.code for b in self.bodies.lineage_of(body) for c in b.codes}
            candidate.code = True if query.code in held else None if query.code in lineage or not lineage else False
            if candidate.code:
                candidate.named = candidate.similarity if query.text.strip() else CODE_SIMILARITY
                candidate.similarity = max(candidate.similarity, CODE_SIMILARITY)
        if query.postcode:
            mine = {compact(v.value) for m in candidate.body.members
                    for v in self.dataset.objects(iri(m), vocab.DG + "postcode")}
            candidate.postcode = compact(query.postcode) in mine if mine else None

    # --- the date ----------------------------------------------------------------------------

    def _weigh(self, index: NameIndex, body: Body, entry: Entry, similarity: float, when: When) -> list[Candidate]:
        """The body as a candidate for the date (and, when it was not in force, the body of its
        lineage that was)."""
        held = self._dates_of(index, body, entry)
        if not when.dated:
            name = entry.name if entry.kind in ("name", "label") and not entry.name.isupper() else self._label(body)
            return [Candidate(body, name, similarity, None, entry, held)]
        alive = any(body.alive_at(at) for at in when.each) if body.dated else None
        if alive is False:
            found = [Candidate(body, self._label(body), similarity, "outside", entry, held)]
            for other in self._in_force(body, when):
                found.append(Candidate(other, self._name_then(index, other, when), similarity, "stands in", entry, held))
            return found
        if held is None:
            fit = "dates unknown"
        elif when.holds(held.window):
            fit = "in force"
        elif when.near(held.window, NEAR_YEARS):
            fit = "near"
        else:
            fit = "other name"
        # named as it was then: the name matched where it was in force (two names may be, in a year of change)
        name = entry.name if fit == "in force" and entry.kind in ("name", "label") and not entry.name.isupper() \
            else self._name_then(index, body, when)
        return [Candidate(body, name, similarity, fit, entry, held)]

    def _in_force(self, body: Body, when: When) -> list[Body]:
        for at in (when.at, *when.years):
            found = [b for b in self.bodies.in_force(body, at) if b is not body]
            if found:
                return found[:1]
        return []

    def _dates_of(self, index: NameIndex, body: Body, entry: Entry) -> Held | None:
        """When the matched name was in force: its own period's; for a label or spelling, that of
        the body's dated name that it spells; for a code, the code's open dates. None if unknown."""
        if entry.start is not None:
            return Held(entry.start, entry.end, entry.window)
        if entry.kind == "code":
            for code in body.codes:
                if code.code.lower() == entry.name.lower() and code.opened:
                    return Held(code.opened, code.closed, dates.Window.of(code.opened, code.closed))
            return None
        for member in body.members:
            for period in index.periods_of(member):
                if period.start is not None and period.core == entry.core:
                    return Held(period.start, period.end, period.window)
        return None

    def _name_then(self, index: NameIndex, body: Body, when: When) -> str:
        for at in (when.at, *when.years):
            name = index.name_in(body.members, at)
            if name:
                return name
        return self._label(body)

    def _label(self, body: Body) -> str:
        return self.dataset.label(iri(body.iri))

    # --- saying why --------------------------------------------------------------------------

    def explain(self, candidate: Candidate, when: When) -> str:
        """What matched and how it fits the date, in words (the candidate's description ends so)."""
        said = []
        entry = candidate.matched
        if entry is not None and entry.name:
            codes = {c.code for b in self.bodies.lineage_of(candidate.body) for c in b.codes}
            how = "name" if entry.kind != "code" else "code" if entry.name.upper() in codes else "initials"
            span = _span(candidate.held) if candidate.held else "dates not known"
            shown = entry.name if how != "name" or not entry.name.isupper() else self.dataset.label(iri(entry.org))
            said.append(f"matched {how} “{shown}” ({span})")
        if candidate.fit == "stands in":
            said.append(f"the body of that lineage in force in {when.at}")
        elif candidate.fit == "outside":
            said.append(f"not in force in {when.at}")
        elif candidate.fit in ("other name", "near"):
            said.append(f"in {when.at} named “{candidate.name}”")
        if when.note:
            said.append(when.note)
        return "; ".join(said)


def _span(held: Held) -> str:
    return f"{held.start or '?'}–{held.end or 'now'}"
