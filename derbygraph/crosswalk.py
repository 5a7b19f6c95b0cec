"""Crosswalks: each registry code mapped to the code(s) in force on a date that it became.

Analysts re-map a time series across mergers with such a table (old practice or trust codes onto
the structure of one date). A code maps to the codes reached by following its successions, in
date order, up to the date: a succession on or before the date is followed, and from a code
reached on day D only its successions on or after D are (the registry's history runs forward).
A code with no succession by then maps to itself. A code that ends in two or more codes is a
split. Each row carries the path (every succession followed), the registry rows it rests on, and
notes where the answer leaves what the files know (a date past the files' last succession, a
code not yet in the files on the date, a target that closed with no successor).

The successions and codes come from the Dataset in two whole queries, once per service; the
walk is in memory (all 21,084 codes of the real files to one date: see benchmarks/crosswalk.py).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from . import dates, vocab
from .dataset import Dataset
from .errors import BadInput, NotFound

_EDGES = """
SELECT ?from ?to ?date ?record ?line ?text ?file ?title WHERE {
  ?event dg:date ?date ; prov:wasDerivedFrom ?record .
  ?event org:originalOrganization|dg:originalSite ?a .
  ?event org:resultingOrganization|dg:resultingSite ?b .
  ?a prov:wasDerivedFrom ?record ; skos:notation ?from .
  ?b skos:notation ?to .
  ?record a dg:RegistryRecord ; dg:line ?line ; prov:value ?text ; dct:source ?file .
  ?file dct:title ?title .
}"""
_CODES = """
SELECT ?code ?label ?kind ?closed WHERE {
  ?org dg:registryKind ?k ; skos:notation ?code .
  ?k skos:notation ?kind .
  OPTIONAL { ?org rdfs:label ?label } OPTIONAL { ?org dg:closed ?closed }
}"""
CSV_COLUMNS = ("code", "name", "kind", "target", "target_name", "split", "path", "evidence", "notes")


class UnknownCode(NotFound):
    """A code the registry data does not hold."""


class BadKind(BadInput):
    """A kind that is not one of the registry's kinds."""


class NoRegistry(NotFound):
    """The dataset holds no registry data to map."""


@dataclass(frozen=True)
class Step:
    """One succession followed: `source` succeeded by `target` on `date`, as these rows say."""

    source: str
    target: str
    date: str
    evidence: tuple = field(compare=False)  # of SOURCE dicts: iri, title, quote, line


@dataclass
class CrosswalkService:
    """Crosswalks over one Dataset; its registry successions are read once."""

    dataset: Dataset
    _walks: dict = field(default_factory=dict, repr=False)

    @cached_property
    def _registry(self) -> tuple[dict, dict, str | None]:
        """(code -> (name, kind, closed), code -> its steps by date, the files' last succession date)."""
        prologue = vocab.sparql_prologue()
        codes = {}
        for row in self.dataset.query(prologue + _CODES):
            code = row["code"].value
            if code not in codes:
                codes[code] = (row["label"].value if row["label"] else code, row["kind"].value,
                               row["closed"].value if row["closed"] else None)
        evidence: dict[tuple, list] = defaultdict(list)
        for row in self.dataset.query(prologue + _EDGES):
            key = (row["from"].value, row["to"].value, row["date"].value)
            source = {"iri": row["file"].value, "title": row["title"].value, "quote": row["text"].value,
                      "record": row["record"].value, "line": int(row["line"].value)}
            if source not in evidence[key]:
                evidence[key].append(source)
        steps: dict[str, list[Step]] = defaultdict(list)
        for (source, target, date), found in evidence.items():
            steps[source].append(Step(source, target, date, tuple(sorted(found, key=lambda s: s["line"]))))
        for found in steps.values():
            found.sort(key=lambda s: (s.date, s.target))
        last = max((s.date for found in steps.values() for s in found), default=None)
        return codes, dict(steps), last

    def kinds(self) -> list[str]:
        return sorted({kind for _, kind, _ in self._registry[0].values()})

    def _walk(self, code: str, since: str | None, to: str, visiting: frozenset) -> tuple[frozenset, tuple]:
        """(targets, steps) from `code`, reached on `since`, following successions up to `to`."""
        key = (code, since, to)
        if len(self._walks) > 500_000:  # many dates asked: start again rather than grow without end
            self._walks.clear()
        if key in self._walks:
            return self._walks[key]
        onward = [s for s in self._registry[1].get(code, ()) if not dates.after(s.date, to)
                  and (since is None or not dates.after(since, s.date)) and s.target not in visiting]
        if not onward:
            found = (frozenset([code]), ())
        else:
            targets, steps = set(), []
            for step in onward:
                more_targets, more_steps = self._walk(step.target, step.date, to, visiting | {code})
                targets |= more_targets
                steps += [step, *more_steps]
            found = (frozenset(targets), tuple(dict.fromkeys(steps)))
        self._walks[key] = found
        return found

    def crosswalk(self, to: str, code: str | None = None, kind: str | None = None) -> dict:
        """The contract's crosswalk JSON: every code (or one, or one kind) mapped to the codes in force on `to`."""
        to = dates.parse(to)
        codes, steps, last = self._registry
        if not codes:
            raise NoRegistry("the dataset holds no registry data: import it with `derbygraph import-ods` "
                             "and add it with --data FILE")
        if kind is not None and kind not in self.kinds():
            raise BadKind(f"unknown kind {kind!r}: use one of {', '.join(self.kinds())}")
        if code is not None:
            code = code.strip().upper()
            if code not in codes:
                raise UnknownCode(f"no registry code {code!r}")
        first_seen = self._first_seen()
        rows = []
        for source in [code] if code is not None else sorted(codes):
            name, source_kind, _ = codes[source]
            if kind is not None and source_kind != kind:
                continue
            targets, path = self._walk(source, None, to, frozenset())
            notes = []
            if last and dates.after(to, last):
                notes.append(f"the files record successions up to {last}; later changes are not known")
            if source in first_seen and dates.after(first_seen[source], to):
                notes.append(f"{source} first appears in the files on {first_seen[source]}, after {to}")
            for target in sorted(targets):
                closed = codes.get(target, (None, None, None))[2]
                if closed and not dates.after(closed, to):
                    notes.append(f"{target} closed on {closed} with no successor in the files")
            rows.append({
                "code": source, "name": name, "kind": source_kind,
                "targets": [{"code": t, "name": codes.get(t, (t,))[0]} for t in sorted(targets)],
                "path": [{"from": s.source, "to": s.target, "date": s.date} for s in path],
                "split": len(targets) > 1,
                "evidence": [e for s in path for e in s.evidence],
                "notes": notes,
            })
        return {"to": to, "rows": rows}

    def _first_seen(self) -> dict[str, str]:
        """The first date each code appears as a successor: before it, the files do not know it."""
        seen: dict[str, str] = {}
        for found in self._registry[1].values():
            for step in found:
                if step.target not in seen or step.date < seen[step.target]:
                    seen[step.target] = step.date
        return seen


def to_csv(answer: dict) -> str:
    """One row per (code, target), with the path, the rows it rests on and the notes in a cell each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in answer["rows"]:
        path = "; ".join(f"{p['from']}>{p['to']} {p['date']}" for p in row["path"])
        evidence = "; ".join(f"{e['title']} line {e['line']}" for e in row["evidence"])
        for target in row["targets"]:
            writer.writerow((row["code"], row["name"], row["kind"], target["code"], target["name"],
                             "true" if row["split"] else "false", path, evidence, "; ".join(row["notes"])))
    return out.getvalue()
