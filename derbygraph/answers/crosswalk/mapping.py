"""Each registry code mapped to the code(s) in force on a date that it became.

Analysts re-map a time series across mergers with such a table (old practice or trust codes onto
the structure of one date). A code maps to the codes reached by following its successions, in
date order, up to the date: a succession on or before the date is followed, and from a code
reached on day D only its successions on or after D are (the registry's history runs forward).
A code with no succession by then maps to itself. A code that ends in two or more codes is a
split, counted as the declared policy says (`shares.py`). Each row carries the path, the rows it
rests on, the names in force on the date (from the app's one rule, `names.in_force`, over the
code's lineage) and notes from all the evidence (`notes.py`).

The facts come from the Dataset in a few whole queries, once per service (`facts.py`); the walk
is in memory (all 21,084 codes of the real files to one date: see benchmarks/crosswalk.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from derbygraph import dates, deadline
from derbygraph.answers.names import NameIndex
from derbygraph.errors import BadInput, NotFound
from derbygraph.store.dataset import Dataset

from . import notes as notes_
from .facts import RegistryFacts, Step, cite
from .shares import SplitPolicy

LICENCE = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


class UnknownCode(NotFound):
    """A code the registry data does not hold."""


class BadKind(BadInput):
    """A kind that is not one of the registry's kinds."""


class NoRegistry(NotFound):
    """The dataset holds no registry data to map."""


def one_value(name: str, value: str) -> str:
    """A parameter that takes one value: a list ("RKX,RW2") is refused, not half read."""
    value = value.strip()
    if "," in value or ";" in value:
        raise BadInput(f"give one {name} at a time (got {value!r}); to map many codes, send a CSV "
                       f"(the command line's --input, or POST /api/crosswalk)")
    return value


@dataclass
class CrosswalkService:
    """Crosswalks over one Dataset; its registry facts are read once."""

    dataset: Dataset
    _walks: dict = field(default_factory=dict, repr=False)

    @cached_property
    def facts(self) -> RegistryFacts:
        return RegistryFacts(self.dataset)

    def kinds(self) -> list[str]:
        return self.facts.kinds()

    # --- checking what was asked -------------------------------------------------------------

    def target_date(self, to: str) -> str:
        """The date asked, checked: a real date (before the registry is read), not before the
        files' first succession."""
        to = dates.parse(one_value("date", to))
        if not self.facts.codes:
            raise NoRegistry("the dataset holds no registry data: import it with `derbygraph import-ods` "
                             "and add it with --data FILE")
        first = self.facts.first
        if first and to[:4] < first[:4]:  # the files know nothing of an earlier year
            raise BadInput(f"the registry files begin on {first} (the first succession in succ.csv): "
                           f"ask for a date from {first[:4]} on, not {to}")
        return to

    def code(self, code: str) -> str:
        code = one_value("code", code).upper()
        if code not in self.facts.codes:
            raise UnknownCode(f"no registry code {code!r}")
        return code

    # --- the walk ------------------------------------------------------------------------------

    def _walk(self, code: str, since: str | None, to: str, visiting: frozenset) -> tuple[frozenset, tuple]:
        """(targets, steps) from `code`, reached on `since`, following successions up to `to`."""
        key = (code, since, to)
        if len(self._walks) > 500_000:  # many dates asked: start again rather than grow without end
            self._walks.clear()
        if key not in self._walks:
            onward = [s for s in self.facts.steps.get(code, ()) if not dates.after(s.date, to)
                      and (since is None or not dates.after(since, s.date)) and s.target not in visiting]
            self._walks[key] = self._follow(code, onward, to, visiting)
        return self._walks[key]

    def _follow(self, code: str, onward: list[Step], to: str, visiting: frozenset) -> tuple[frozenset, tuple]:
        if not onward:
            return frozenset([code]), ()
        targets, steps = set(), []
        for step in onward:
            more_targets, more_steps = self._walk(step.target, step.date, to, visiting | {code})
            targets |= more_targets
            steps += [step, *more_steps]
        return frozenset(targets), tuple(dict.fromkeys(steps))

    def walk_from(self, code: str, to: str, used_on: str | None = None) -> tuple[frozenset, tuple, list[Step]]:
        """(targets, path, successions skipped): with `used_on` (the date a row of data used the
        code), only the code's successions after that date are followed; those on or before it
        had already happened and are skipped (and said so)."""
        if used_on is None:
            return (*self._walk(code, None, to, frozenset()), [])
        steps = self.facts.steps.get(code, [])
        skipped = [s for s in steps if not dates.after(s.date, used_on)]
        onward = [s for s in steps if dates.after(s.date, used_on) and not dates.after(s.date, to)]
        return (*self._follow(code, onward, to, frozenset()), skipped)

    # --- names ---------------------------------------------------------------------------------

    def name_on(self, code: str, to: str) -> tuple[str | None, str | None]:
        """(the name `code` bore on `to`, or None with the reason): the app's one rule for the name in
        force (`names.in_force`), over the code's own body and the other bodies of its lineage."""
        bodies = [self.facts.codes[code].iri] if code in self.facts.codes else []
        name = NameIndex.of(self.dataset).name_in(bodies + self.facts.lineage.get(code, []), to)
        if name:
            return name, None
        said = []
        observed = self.facts.observed_names.get(code)
        if observed is not None:
            said.append(f"last observed {observed.value!r} on {observed.observed} ({observed.row})")
        listed = self.facts.listed_names.get(code)
        if listed is not None:
            rate = f", error rate {listed.error_rate}" if listed.error_rate else ""
            said.append(f"{listed.row.file} (undated{rate}) lists it as {listed.value!r} ({listed.row})")
        return None, f"no name known for {code} on {to}" + ("; " + "; ".join(said) if said else
                                                            ": the files give it none")

    # --- the answer ----------------------------------------------------------------------------

    def crosswalk(self, to: str, code: str | None = None, kind: str | None = None,
                  splits: SplitPolicy | None = None, became: str | None = None) -> dict:
        """The contract's crosswalk JSON: every code (or one, or one kind, or those that had become
        `became`) mapped to the codes in force on `to`, counted by the split policy."""
        to, splits = self.target_date(to), splits or SplitPolicy()
        if kind is not None and one_value("kind", kind) not in self.kinds():
            raise BadKind(f"unknown kind {kind!r}: use one of {', '.join(self.kinds())}")
        became = self.code(became) if became is not None else None
        sources = [self.code(code)] if code is not None else sorted(self.facts.codes)
        rows = []
        for source in deadline.checked(sources):
            if kind is not None and self.facts.codes[source].kind != kind:
                continue
            targets, path, _ = self.walk_from(source, to)
            if became is not None and (became not in targets or source == became):
                continue
            rows.append(self.row(source, to, targets, path, splits))
        answer = {"to": to, "splits": str(splits), "split_policy": splits.describe()}
        if became is not None:
            answer["became"] = became
        return {**answer, **self.citation(), "rows": rows}

    def row(self, source: str, to: str, targets: frozenset, path: tuple, splits: SplitPolicy,
            named: bool = True) -> dict:
        """One code's mapping: its targets with names and shares, its path, evidence and notes (with
        why the code itself has no name, where the table has a column for it: `named`)."""
        name, why = self.name_on(source, to)
        ordered = sorted(targets)
        shares, share_note = splits.shares(ordered)
        first, last = self.facts.first, self.facts.last
        notes = [] if last is None or not dates.after(to, last) else [
            f"the files record successions up to {last} ({cite(self.facts.last_rows)}); "
            "later changes are not known"]
        if first is not None and dates.after(first, to):  # early in the files' first year
            rows = self.facts.first_rows
            notes.append(f"{to} is before the files' first successions ({len(rows)} rows of {rows[0].file} dated "
                         f"{first}, none earlier): the codes map to themselves, and what they were then the files "
                         "do not say")
        if why and named and source not in targets:  # (a target's own reason follows it)
            notes.append(why)
        notes += notes_.source_notes(self.facts, source, to)
        described = []
        for target in ordered:
            target_name, target_why = self.name_on(target, to) if target != source else (name, why)
            if target_why:
                notes.append(target_why)
            notes += notes_.target_notes(self.facts, target, to)
            described.append({"code": target, "name": target_name, "kind": self._kind(target), "share": shares[target],
                              "listed_name": self._listed(target)})
        if share_note:
            notes.append(share_note)
        return {"code": source, "name": name, "kind": self._kind(source), "targets": described,
                "path": [{"from": s.source, "to": s.target, "date": s.date} for s in path],
                "split": len(targets) > 1,
                "evidence": [{"iri": row.iri, "title": row.file, "quote": row.text, "line": row.line}
                             for s in path for row in s.rows],
                "notes": list(dict.fromkeys(notes))}

    def _listed(self, code: str) -> dict | None:
        """A listing's undated name for the code, with its row: never the name in force."""
        listed = self.facts.listed_names.get(code)
        return None if listed is None else {"name": listed.value, "source": str(listed.row), "undated": True}

    def _kind(self, code: str) -> str | None:
        found = self.facts.codes.get(code)
        return found.kind if found else None

    def citation(self) -> dict:
        """What a user of the table must say and can check: licence, attribution, the dataset's
        version and each source file with its SHA-256 as the graph records it."""
        files = self.facts.files
        mapped = self.facts.succession_file()
        cited = [f for f in files if f["file"] == mapped] or files
        return {"licence": next((f["licence"] for f in cited if f["licence"]), LICENCE),
                "attribution": next((f["attribution"] for f in cited if f["attribution"]), None),
                "version": self.dataset.version,
                "sources": [{"file": f["file"], "sha256": f["sha256"]} for f in files]}

    # --- the other tables --------------------------------------------------------------------

    def edges(self) -> list[dict]:
        """Every succession once: predecessor, successor, effective date, kind of change, rows."""
        steps = sorted((s for found in self.facts.steps.values() for s in found),
                       key=lambda s: (s.date, s.source, s.target))
        return [{"predecessor": s.source, "successor": s.target, "effective_date": s.date, "change": s.change,
                 "evidence": "; ".join(str(r) for r in s.rows)} for s in steps]
