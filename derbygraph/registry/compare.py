"""Comparing the registry with the documents: links proposed with their evidence and a confidence.

Two kinds of evidence propose that a registry code and an organisation of the documents are one
body:
- names: the snapshot's name for the code is a document's name (exactly, or apart from the words
  NHS, Trust, Foundation...), in overlapping time. An exact match that no other code or body
  shares is strong (confidence 0.9) and only it is asserted as `dg:sameOrganisationAs`, so the
  lineage joins the two; a looser match is a candidate (0.6).
- structure: where the registry says codes P1..Pn were succeeded by a linked code on a date, and
  the documents say bodies B1..Bm of, or giving to, that lineage ended or changed then, each Pi may
  be each Bj (confidence 1/max(n, m): the files cannot tell which is which when the codes are
  unnamed). These are never asserted.
Every proposal is a `dg:Reconciliation` stating its method, its evidence in words
(`dg:matchEvidence`), `dg:confidence`, whether it is asserted (`dg:linkAsserted`), and the rows and
document statements it rests on (`prov:wasDerivedFrom`).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .. import dates, resources, vocab
from ..names import core, words
from .graph import DG, ORG_NS, PROV, RDFS, TYPE, Builder, Registry, lit, node
from .read import ODS, Row, Trust

RECONCILIATION_NS = ODS + "reconciliation/"
EXACT = "exact name: the same words, case and punctuation aside"
CORE = "same name apart from the words NHS, Trust, Foundation, The, Of, And"
STRUCTURE = "structure: succeeded by a linked code when the documents record a body ending or changing"
CONFIDENCE = {EXACT: 0.9, CORE: 0.6}
ASSERTED_FROM = 0.9  # only a unique exact-name match joins two lineages

_DOCUMENT_NAMES = """
SELECT ?org ?period ?name ?start ?end WHERE {
  ?org dg:hasNamePeriod ?period .
  ?period dg:name|skos:altLabel ?name .
  OPTIONAL { ?period dg:start ?start } OPTIONAL { ?period dg:end ?end }
}"""
_DOCUMENT_EVENTS = """
SELECT ?event ?type ?date ?role ?org WHERE {
  VALUES ?role { org:originalOrganization org:resultingOrganization dg:transferredFrom dg:transferredTo dg:subject }
  ?event dg:date ?date ; a ?type ; ?role ?org .
}"""
CONTINUING = {DG + "Renaming", DG + "StatusChange", DG + "FoundationTrustAuthorisation"}
GIVING = {vocab.ORG + "originalOrganization", DG + "transferredFrom", DG + "subject"}


def _documents(files: Iterable[Path]) -> ox.Store:
    store = ox.Store()
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=node(vocab.GRAPH_DATA + Path(path).stem))
    return store


def document_names(store: ox.Store) -> list[tuple[str, str, str, str | None, str | None]]:
    """(organisation, name period, name, start, end) for every name in the document data."""
    found = []
    for row in store.query(vocab.sparql_prologue() + _DOCUMENT_NAMES, use_default_graph_as_union=True):
        if not isinstance(row["org"], ox.NamedNode) or row["org"].value.startswith(ODS):
            continue
        found.append((row["org"].value, row["period"].value, row["name"].value,
                      row["start"].value if row["start"] else None, row["end"].value if row["end"] else None))
    return sorted(set(found))


def _overlap(start: str | None, end: str | None, opened: str | None, closed: str | None) -> bool:
    """A document's name period and a registry code's open period may share a day."""
    if end and opened and dates.after(opened, end):
        return False
    return not (start and closed and dates.after(start, closed))


class Proposals:
    """Writes each proposal once, and keeps what the import summary reports."""

    def __init__(self, out: Builder):
        self.out, self.links, self.candidates, self.ambiguous = out, [], [], []

    def propose(self, code: str, org: str, method: str, confidence: float, evidence: list[str],
                derived: list[str], label: str, matched: tuple[str, ...] = ()) -> None:
        asserted = confidence >= ASSERTED_FROM
        slug = org.rstrip("/").rsplit("/", 1)[-1]
        reconciliation = f"{RECONCILIATION_NS}{code}/{slug}"
        out, registry = self.out, ORG_NS + code
        if asserted:
            out.add(registry, DG + "sameOrganisationAs", org)
        out.add(reconciliation, TYPE, DG + "Reconciliation")
        verb = "is" if asserted else "may be"
        out.add(reconciliation, RDFS + "label", lit(f"ODS {code} {verb} {label} of the documents", language="en"))
        out.add(reconciliation, DG + "registryOrganisation", registry)
        out.add(reconciliation, DG + "documentOrganisation", org)
        out.add(reconciliation, DG + "matchMethod", lit(method))
        out.add(reconciliation, DG + "confidence", lit(f"{confidence:.2f}", vocab.XSD + "decimal"))
        out.add(reconciliation, DG + "linkAsserted", lit("true" if asserted else "false", vocab.XSD + "boolean"))
        for name in dict.fromkeys(matched):
            out.add(reconciliation, DG + "matchedName", lit(name))
        for text in evidence:
            out.add(reconciliation, DG + "matchEvidence", lit(text, language="en"))
        for origin in dict.fromkeys(derived):
            out.add(reconciliation, PROV + "wasDerivedFrom", origin)
        (self.links if asserted else self.candidates).append((code, org, label))


def reconcile(out: Builder, registry: Registry, rows: list[Row], documents: Iterable[Path] | None) -> Proposals:
    """Propose links between registry codes and the documents' organisations (the built-in data
    when `documents` is None)."""
    store = _documents(resources.data_files() if documents is None else documents)
    proposals = Proposals(out)
    names = document_names(store)
    linked = _by_name(proposals, registry, names)
    _by_structure(proposals, registry, rows, linked, store, names)
    return proposals


def _by_name(proposals: Proposals, registry: Registry, names: list) -> dict[str, str]:
    exact, by_core = defaultdict(set), defaultdict(set)
    trusts: dict[str, Trust] = {t.code: t for t in registry.trusts if t.name and not registry.kinds[t.code].site}
    for code, trust in trusts.items():
        tokens = words(trust.name)
        exact[tuple(tokens)].add(code)
        if core(tokens):
            by_core[tuple(core(tokens))].add(code)
    found: dict[str, dict[str, tuple]] = defaultdict(dict)  # document organisation -> code -> match
    for org, period, name, start, end in names:
        tokens = words(name)
        codes, method = exact.get(tuple(tokens)), EXACT
        if not codes:
            codes, method = by_core.get(tuple(core(tokens))) if core(tokens) else None, CORE
        for code in sorted(codes or ()):
            trust = trusts[code]
            if not _overlap(start, end, trust.opened, trust.closed):
                continue
            match = (method != EXACT, name, period, method, start, end)
            if code not in found[org] or match < found[org][code]:
                found[org][code] = match
    claimed: dict[str, list[str]] = defaultdict(list)
    for org, codes in found.items():
        for code in codes:
            claimed[code].append(org)
    linked = {}
    for org, codes in sorted(found.items()):
        unique = len(codes) == 1 and len(claimed[next(iter(codes))]) == 1
        if not unique:
            proposals.ambiguous.append((org, sorted(codes)))
        for code, (_, name, period, method, start, end) in sorted(codes.items()):
            trust = trusts[code]
            confidence = CONFIDENCE[method] if unique else min(CONFIDENCE[method], 0.5)
            span = f"{start or '?'} to {end or 'now'}"
            evidence = [f"name: the registry's {trust.name!r} for {code} and the documents' {name!r} ({method})",
                        f"time: the documents' name is borne {span}; the registry's {code} is open from "
                        f"{trust.opened or '?'}{' to ' + trust.closed if trust.closed else ''}"]
            if not unique:
                evidence.append("not unique: another code or body matches as well")
            proposals.propose(code, org, method, confidence, evidence, [trust.record.iri, period],
                              registry.titles.get(code, name), (trust.name, name))
            if confidence >= ASSERTED_FROM:
                linked[code] = org
    return linked


def _name_then(names: list, org: str, date: str) -> str:
    """The earliest-begun of a document body's names that may be in force on `date` (else its first)."""
    borne = sorted((start or "", name, end) for o, _, name, start, end in names if o == org)
    then = [name for start, name, end in borne if dates.in_force(date, start or None, end)]
    return (then or [name for _, name, _ in borne] or [org.rsplit("/", 1)[-1]])[0]


def _lineages(events: list[dict]) -> dict[str, str]:
    """Each document organisation's lineage (a representative), joined by renamings and changes of status."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    by_event = defaultdict(set)
    for e in events:
        find(e["org"])
        if e["type"] in CONTINUING:
            by_event[e["event"]].add(e["org"])
    for members in by_event.values():
        first, *rest = sorted(members)
        for other in rest:
            parent[find(other)] = find(first)
    return {x: find(x) for x in parent}


def _by_structure(proposals: Proposals, registry: Registry, rows: list[Row], linked: dict[str, str],
                  store: ox.Store, names: list) -> None:
    events = []
    for row in store.query(vocab.sparql_prologue() + _DOCUMENT_EVENTS, use_default_graph_as_union=True):
        events.append({k: row[k].value for k in ("event", "type", "date", "role", "org")})
    lineage = _lineages(events)
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if row.successor in linked and not registry.kinds[row.predecessor].site and row.predecessor not in linked:
            groups[(row.date, row.successor)].append(row)
    for (date, successor), group in sorted(groups.items()):
        home = lineage.get(linked[successor], linked[successor])
        # the documents' bodies that, then, ended, gave services to the lineage, or changed within it
        touched = {e["event"] for e in events if dates.same_time(e["date"], date) and lineage.get(e["org"]) == home}
        bodies = sorted({e["org"] for e in events if e["event"] in touched and e["role"] in GIVING})
        if not bodies:
            continue
        codes = sorted({r.predecessor for r in group})
        confidence = 1 / max(len(codes), len(bodies))
        said = sorted({(e["event"], e["date"]) for e in events if e["event"] in touched})
        for code in codes:
            records = [r.record.iri for r in group if r.predecessor == code]
            for body in bodies:
                evidence = [
                    f"registry: {', '.join(codes)} succeeded by {successor} on {date} ({len(group)} rows of succ.csv); "
                    f"{successor} is linked to the documents' {linked[successor]} by its name",
                    f"documents: {len(said)} change(s) of that lineage at the same time ({said[0][1]}), in which "
                    f"{', '.join(bodies)} ended, gave services or changed",
                    f"{'no name in the files tells ' + ' from '.join(codes) + ' apart' if len(codes) > 1 else 'one code'}"
                    f" against {len(bodies)} document bod{'ies' if len(bodies) > 1 else 'y'}: confidence "
                    f"1/{max(len(codes), len(bodies))}"]
                label = _name_then(names, body, date)
                proposals.propose(code, body, STRUCTURE, confidence, evidence,
                                  records + [e for e, _ in said], label)
