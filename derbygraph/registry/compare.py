"""Comparing the registry with the documents: links proposed with their evidence and a confidence.

Two kinds of evidence propose that a registry code and an organisation of the documents are one
body:
- names: the snapshot's name for the code is a document's name (exactly, or apart from the words
  NHS, Trust, Foundation...), in overlapping time. An exact match that no other code or body
  shares is strong (confidence 0.9) and only it is asserted as `dg:sameOrganisationAs`, so the
  lineage joins the two; a looser match is a candidate (0.6).
- listed names: the third listing's name for a code that etr.csv does not name (or names
  otherwise), scored against every document name in overlapping time by `derbygraph.answers.names.score`
  (1 for the same words). The listing is undated and names 1 in 20 codes otherwise than etr.csv, so
  its error rate bounds the confidence: at most 1 - rate. The same rule as for etr.csv decides what
  is asserted: a unique match of the same words (0.9, RW2 = Southern Derbyshire Community and Mental
  Health Services NHS Trust); otherwise a candidate at the score, no higher than a looser name's 0.6
  (RKX's "Community Healthcare service (north derbyshire) NHS Trust", 0.52).
- structure: where the registry says codes P1..Pn were succeeded by a linked code on a date, and
  the documents say bodies B1..Bm of, or giving to, that lineage ended or changed then, each Pi may
  be each Bj (confidence 1/max(n, m): the files cannot tell which is which when the codes are
  unnamed); a code or body linked by a name is no longer a candidate for another. These are never
  asserted.
One pair of a code and a body is one `dg:Reconciliation`: two kinds of evidence for it (a listed name
and structure) combine as independent ones, 1 - (1 - a)(1 - b) (RKX may be Community Health Care
(North Derbyshire) NHS Trust: 0.76). It states its methods, its evidence in words
(`dg:matchEvidence`), `dg:confidence`, whether it is asserted (`dg:linkAsserted`), and the rows and
document statements it rests on (`prov:wasDerivedFrom`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from derbygraph import dates, resources, vocab
from derbygraph.matching import COMPOUNDS, Entry, core, score, words

from .graph import DG, ORG_NS, PROV, RDFS, TYPE, Builder, Registry, lit, node
from .listing import Comparison
from .read import ODS, Listed, Row, Trust

RECONCILIATION_NS = ODS + "reconciliation/"
EXACT = "exact name: the same words, case and punctuation aside"
CORE = "same name apart from the words NHS, Trust, Foundation, The, Of, And"
STRUCTURE = "structure: succeeded by a linked code when the documents record a body ending or changing"
LISTED = "listed name: the third listing's name for the code, scored against the documents' names (derbygraph.answers.names)"
CONFIDENCE = {EXACT: 0.9, CORE: 0.6}
METHODS_JOIN = "; and "  # one dg:matchMethod that names every method a pair rests on
ASSERTED_FROM = 0.9  # only a unique exact-name match joins two lineages
# A listed name fits a document's name when all the distinctive words of one are among the other's:
# names.score gives a match that misses a word at most 0.65, one that finds every word at least 0.7.
LISTED_FIT = 0.7

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
    for row in store.query(resources.sparql(__file__, "document-names"), use_default_graph_as_union=True):
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


@dataclass
class Proposal:
    """What the evidence says of one pair of a registry code and a document's organisation."""

    code: str
    org: str
    label: str
    asserted: bool
    methods: list = field(default_factory=list)
    confidences: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    derived: list = field(default_factory=list)
    matched: list = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """Independent kinds of evidence for one pair combined: each could alone be right."""
        doubt = 1.0
        for confidence in self.confidences:
            doubt *= 1 - confidence
        return 1 - doubt


class Proposals:
    """Gathers the evidence for each pair, writes each pair once, and keeps what the summary reports."""

    def __init__(self, out: Builder):
        self.out, self.pairs, self.ambiguous = out, {}, []

    def propose(self, code: str, org: str, method: str, confidence: float, evidence: list[str],
                derived: list[str], label: str, matched: tuple[str, ...] = (), asserted: bool = False) -> None:
        pair = self.pairs.setdefault((code, org), Proposal(code, org, label, asserted))
        pair.asserted = pair.asserted or asserted
        pair.methods.append(method)
        pair.confidences.append(confidence)
        pair.evidence += evidence
        pair.derived += derived
        pair.matched += matched

    @property
    def links(self) -> list:
        return [(p.code, p.org, p.label) for p in self.pairs.values() if p.asserted]

    @property
    def candidates(self) -> list:
        return [(p.code, p.org, p.label) for p in self.pairs.values() if not p.asserted]

    def linked(self) -> dict[str, str]:
        """Code -> organisation of the links asserted so far."""
        return {p.code: p.org for p in self.pairs.values() if p.asserted}

    def write(self) -> None:
        out = self.out
        for (code, org), pair in sorted(self.pairs.items()):
            slug = org.rstrip("/").rsplit("/", 1)[-1]
            reconciliation, registry = f"{RECONCILIATION_NS}{code}/{slug}", ORG_NS + code
            if pair.asserted:
                out.add(registry, DG + "sameOrganisationAs", org)
            out.add(reconciliation, TYPE, DG + "Reconciliation")
            verb = "is" if pair.asserted else "may be"
            out.add(reconciliation, RDFS + "label", lit(f"ODS {code} {verb} {pair.label} of the documents", language="en"))
            out.add(reconciliation, DG + "registryOrganisation", registry)
            out.add(reconciliation, DG + "documentOrganisation", org)
            out.add(reconciliation, DG + "matchMethod", lit(METHODS_JOIN.join(dict.fromkeys(pair.methods))))
            out.add(reconciliation, DG + "confidence", lit(f"{pair.confidence:.2f}", vocab.XSD + "decimal"))
            out.add(reconciliation, DG + "linkAsserted", lit("true" if pair.asserted else "false", vocab.XSD + "boolean"))
            for name in dict.fromkeys(pair.matched):
                out.add(reconciliation, DG + "matchedName", lit(name))
            for text in dict.fromkeys(pair.evidence):
                out.add(reconciliation, DG + "matchEvidence", lit(text, language="en"))
            if len(pair.confidences) > 1:
                out.add(reconciliation, DG + "matchEvidence", lit(
                    "combined: " + " and ".join(f"{c:.2f}" for c in pair.confidences) + " from independent evidence "
                    "give 1 - " + "".join(f"(1 - {c:.2f})" for c in pair.confidences) + f" = {pair.confidence:.2f}",
                    language="en"))
            for origin in dict.fromkeys(pair.derived):
                out.add(reconciliation, PROV + "wasDerivedFrom", origin)


def reconcile(out: Builder, registry: Registry, rows: list[Row], documents: Iterable[Path] | None,
              listed: dict[str, Listed] | None = None, listing: Comparison | None = None) -> Proposals:
    """Propose links between registry codes and the documents' organisations (the built-in data
    when `documents` is None); `listed` the third listing's new names, `listing` its comparison with etr.csv."""
    store = _documents(resources.data_files() if documents is None else documents)
    proposals = Proposals(out)
    names = document_names(store)
    _by_name(proposals, registry, names)
    if listed:
        _by_listed_name(proposals, registry, rows, names, listed, listing)
    _by_structure(proposals, registry, rows, proposals.linked(), store, names)
    proposals.write()
    return proposals


def _by_name(proposals: Proposals, registry: Registry, names: list) -> None:
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
                              registry.titles.get(code, name), (trust.name, name), asserted=confidence >= ASSERTED_FROM)


def _closed(rows: list[Row], registry: Registry) -> dict[str, str]:
    """The day each code was first succeeded as an organisation: by then its name no longer held."""
    found: dict[str, str] = {}
    for row in rows:
        if not registry.kinds[row.successor].site and (row.predecessor not in found or row.date < found[row.predecessor]):
            found[row.predecessor] = row.date
    return found


def _span(start: str | None, end: str | None) -> str:
    return f"{start or '?'} to {end or 'now'}" if start or end else "at dates the documents do not give"


def _spelt(name: str) -> list[str]:
    """A name's words, compounds apart ("Healthcare" as "Health Care"): the listing and the documents
    spell them both ways."""
    return [part for token in words(name) for part in COMPOUNDS.get(token, (token,))]


def _by_listed_name(proposals: Proposals, registry: Registry, rows: list[Row], names: list,
                    listed: dict[str, Listed], listing: Comparison) -> None:
    """The listing's names against the documents' names: the same rule as etr.csv's names, with the
    matcher's score for a looser name, and the listing's error rate as a ceiling."""
    ceiling = listing.ceiling
    taken = proposals.linked()
    closed = _closed(rows, registry)
    trusts = {t.code: t for t in registry.trusts}
    found: dict[str, dict[str, tuple]] = defaultdict(dict)  # code -> document organisation -> best match
    lives: dict[str, tuple] = {}  # code -> (opened, ended), as the files say
    for code, entry in sorted(listed.items()):
        if code in taken or registry.kinds[code].site:
            continue
        tokens = _spelt(entry.name)
        as_entry = Entry(code, entry.name, "name", tuple(tokens), tuple(core(tokens)))
        trust = trusts.get(code)
        opened, ended = lives[code] = (trust.opened if trust else None,
                                       trust.closed if trust and trust.closed else closed.get(code))
        for org, period, name, start, end in names:
            if org in taken.values() or not _overlap(start, end, opened, ended):
                continue
            theirs = _spelt(name)
            similar = max(score(tokens, Entry(org, name, "name", tuple(theirs), tuple(core(theirs)), start, end)),
                          score(theirs, as_entry))
            if similar >= LISTED_FIT and (org not in found[code] or similar > found[code][org][0]):
                found[code][org] = (similar, name, period, start, end)
    exact_for: dict[str, set[str]] = defaultdict(set)
    for code, matches in found.items():
        for org, (similar, *_) in matches.items():
            if similar == 1.0:
                exact_for[org].add(code)
    for code, matches in sorted(found.items()):
        entry, best, (opened, ended) = listed[code], max(m[0] for m in matches.values()), lives[code]
        for org, (similar, name, period, start, end) in sorted(matches.items()):
            if similar < best:  # only the documents' bodies the listed name fits best
                continue
            exact = similar == 1.0
            unique = exact and len(exact_for[org]) == 1 and sum(1 for m in matches.values() if m[0] == 1.0) == 1
            rule = CONFIDENCE[EXACT] if unique else 0.5 if exact else min(similar, CONFIDENCE[CORE])
            confidence = min(rule, ceiling)
            evidence = [
                f"name: {entry.record.path.name} lists {code} as {entry.name!r}; the documents name {name!r}: "
                f"derbygraph.answers.names scores them {similar:.2f}" + (" (the same words)" if exact else ""),
                f"listing: undated, and {listing.rate_in_words()}: confidence at most {ceiling:.2f}",
                f"time: the documents' name is borne {_span(start, end)}; the registry's {code} is "
                f"{'open from ' + opened if opened else 'open'}{' until ' + ended if ended else ''}"]
            if exact and not unique:
                evidence.append("not unique: another code or body matches as well")
            proposals.propose(code, org, LISTED, confidence, evidence, [entry.record.iri, period],
                              name, (entry.name, name), asserted=unique and confidence >= ASSERTED_FROM)


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
    for row in store.query(resources.sparql(__file__, "document-events"), use_default_graph_as_union=True):
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
            for body in (b for b in bodies if b not in linked.values()):  # a body a name links is no other code's
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
