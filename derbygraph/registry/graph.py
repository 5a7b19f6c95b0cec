"""The registry's rows as RDF: codes, their kinds, names as observed, successions, row provenance.

- every code a node at `.../id/ods/org/{CODE}` with `skos:notation` and `dg:registryKind` (the
  rule in `kinds.py`); a site is a `dg:Site` (`org:siteOf` its organisation when the files hold
  it), every other code a `dg:RegistryOrganisation` and, where the files show its kind, of the
  documents' class for it (`kinds.classes`).
- etr.csv is a snapshot: a name it gives is a `dg:NamePeriod` with no start (the registry does not
  say when a name began) and `dg:observed` the snapshot's date; it ends (`dg:end`) no later than the
  day after the code's close date (a close date is the code's last day) or the first succession
  recorded after the snapshot. The code's own open and
  close dates are `dg:opened`/`dg:closed` of the organisation; its other columns (national grouping,
  high-level health geography, parent code, region, address, postcode) are data of the organisation.
- one event per (date, successor) at `.../id/ods/event/{date}-{SUCCESSOR}`: a `dg:Merger` when two
  or more organisations become one organisation on one date, a `dg:SiteSuccession` when the
  successor is a site (part of the event in which its old organisation is succeeded that day), else
  a `dg:Succession`. Labels name a code's name only where it is known to be in force on the date.
- a statement that rests on one row alone (a code's dates and columns in etr.csv) is reified, the
  `rdf:Statement` `prov:wasDerivedFrom` that row, so each value cites its own row.
- each row a `dg:RegistryRecord` (`dct:source` its file, `dg:line`, `prov:value` its text, and for
  succ.csv the fifth column as `dg:successionIndicator`); everything derived from rows says so
  with `prov:wasDerivedFrom`.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from derbygraph import dates, vocab

from . import kinds as kinds_
from .read import (
    ETR_GEOGRAPHY,
    ETR_GROUPING,
    ETR_PARENT,
    ETR_POSTCODE,
    ETR_REGION,
    ODS,
    Record,
    Row,
    Trust,
)

ORG_NS = ODS + "org/"
EVENT_NS, NAME_NS, FILE_NS = ODS + "event/", ODS + "name/", ODS + "file/"
OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
SPDX = "http://spdx.org/rdf/terms#"
DG, ORG, PROV, RDF, RDFS, SKOS, DCT = vocab.DG, vocab.ORG, vocab.PROV, vocab.RDF, vocab.RDFS, vocab.SKOS, vocab.DCT
TYPE = RDF + "type"
ATTRIBUTION = ("Contains public sector information from the NHS Organisation Data Service, licensed under the "
               "Open Government Licence v3.0.")

# Lower-case in a title-cased name, except first: "Guy's and St Thomas'", "Stoke-on-Trent".
_SMALL = frozenset({"and", "of", "the", "for", "in", "on", "at", "upon", "with", "to", "by"})
_UPPER = frozenset({"NHS", "UK", "CIC", "ICB", "CCG", "PCT"})
# etr.csv columns kept as data of the organisation: (column, property).
COLUMNS = ((ETR_GROUPING, DG + "nationalGrouping"), (ETR_GEOGRAPHY, DG + "healthGeography"),
           (ETR_PARENT, DG + "parentCode"), (ETR_REGION, DG + "region"), (ETR_POSTCODE, DG + "postcode"))


def title_name(raw: str) -> str:
    """The registry's capitals as a name is usually written: "DERBYSHIRE HEALTHCARE NHS FOUNDATION
    TRUST" -> "Derbyshire Healthcare NHS Foundation Trust", "GUY'S AND ST THOMAS'" -> "Guy's and St Thomas'"."""
    def word(token: str, first: bool) -> str:
        if token.upper() in _UPPER:
            return token.upper()
        if not first and token.lower() in _SMALL:
            return token.lower()
        head = re.match(r"^(\W*)(\w)(.*)$", token, re.S)
        return f"{head.group(1)}{head.group(2).upper()}{head.group(3).lower()}" if head else token

    out = []
    for number, token in enumerate(raw.split()):
        parts = token.split("-")
        out.append("-".join(word(p, number == 0 and i == 0) if p else p for i, p in enumerate(parts)))
    return " ".join(out)


_NODES: dict[str, ox.NamedNode] = {}


def node(value: str) -> ox.NamedNode:
    found = _NODES.get(value)
    if found is None:
        found = _NODES[value] = ox.NamedNode(value)
    return found


def lit(value, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(str(value), language=language)
    return ox.Literal(str(value), datatype=node(datatype or vocab.XSD + "string"))


def day(value: str) -> ox.Literal:
    return lit(value, vocab.XSD + "date")


class Builder:
    """Triples, added as (IRI, IRI, IRI-or-literal)."""

    def __init__(self, triples: list[ox.Triple] | None = None):
        self.triples: list[ox.Triple] = [] if triples is None else triples

    def add(self, subject: str, predicate: str, obj) -> None:
        self.triples.append(ox.Triple(node(subject), node(predicate), obj if not isinstance(obj, str) else node(obj)))

    def file(self, kind: str, path: Path, title: str, description: str, licence: str = OGL,
             publisher: str = "NHS England, Organisation Data Service", rights: str = ATTRIBUTION) -> str:
        file = FILE_NS + kind
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.add(file, TYPE, DG + "RegistryFile")
        self.add(file, RDFS + "label", lit(title, language="en"))
        self.add(file, DCT + "title", lit(title))
        self.add(file, DCT + "identifier", lit(path.name))
        self.add(file, DCT + "description", lit(description, language="en"))
        self.add(file, DCT + "type", lit("registry file"))
        self.add(file, DCT + "format", lit("text/csv"))
        self.add(file, DCT + "license", licence)
        self.add(file, DCT + "publisher", lit(publisher))
        self.add(file, DCT + "rights", lit(rights, language="en"))
        checksum = ox.BlankNode(f"checksum-{kind}")
        self.triples.append(ox.Triple(node(file), node(SPDX + "checksum"), checksum))
        self.triples.append(ox.Triple(checksum, node(SPDX + "algorithm"), node(SPDX + "checksumAlgorithm_sha256")))
        self.triples.append(ox.Triple(checksum, node(SPDX + "checksumValue"), lit(digest, vocab.XSD + "hexBinary")))
        return file

    def row_fact(self, subject: str, predicate: str, obj, record: Record) -> None:
        """A statement that rests on one row alone, reified (a blank `rdf:Statement` node
        `prov:wasDerivedFrom` the row): a page or `why` cites that row beside the value, not every
        row the subject rests on."""
        self.add(subject, predicate, obj)
        statement = ox.BlankNode()
        value = obj if not isinstance(obj, str) else node(obj)
        for term, what in ((node(RDF + "Statement"), TYPE), (node(subject), RDF + "subject"),
                           (node(predicate), RDF + "predicate"), (value, RDF + "object"),
                           (node(record.iri), PROV + "wasDerivedFrom")):
            self.triples.append(ox.Triple(statement, node(what), term))

    def record(self, record: Record, file: str) -> None:
        self.add(record.iri, TYPE, DG + "RegistryRecord")
        self.add(record.iri, RDFS + "label", lit(f"{record.path.name} line {record.line}", language="en"))
        self.add(record.iri, DCT + "source", file)
        self.add(record.iri, DG + "line", lit(record.line, vocab.XSD + "integer"))
        self.add(record.iri, PROV + "value", lit(record.text))


@dataclass
class Registry:
    """What the rows say, ready to write: the triples, and what the summary and the comparison need."""

    triples: list
    kinds: dict = field(default_factory=dict)      # code -> kinds.Kind
    titles: dict = field(default_factory=dict)     # code -> title-cased name from the snapshot
    trusts: list = field(default_factory=list)
    rows: int = 0
    events: dict = field(default_factory=dict)     # event class local name -> count


def _list(items: list[str], noun: str) -> str:
    if len(items) > 4:
        return f"{len(items)} {noun}"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def name_end(trust: Trust, observed: str | None, successions: list[str]) -> str | None:
    """The day a snapshot name certainly no longer held: the day after the code's close date (its
    last day: RW6 closes on 2021-09-30, the day etr.csv observes its name, and its successors take
    over on 2021-10-01), or a succession after the snapshot (one before it did not end the name the
    snapshot still shows)."""
    later = [d for d in successions if observed is None or dates.after(d, observed)]
    return min([d for d in (dates.next_day(trust.closed) if trust.closed else None, *later) if d], default=None)


def in_force(date: str, observed: str | None, end: str | None) -> bool:
    """A snapshot name is known to be in force only on the snapshot's own date."""
    return observed is not None and not dates.after(date, observed) and not dates.after(observed, date) \
        and (end is None or dates.after(end, date))


def convert(rows: list[Row], trusts: list[Trust], succ: Path, etr: Path | None, observed: str | None,
            listed: dict[str, str] | None = None) -> Registry:
    """The RDF for parsed registry rows; `observed` is the date of the etr.csv snapshot; `listed`
    the third listing's name for each code it names (an undated statement: it types a code etr.csv
    does not name, and labels it "listed as", never as its name)."""
    listed = listed or {}
    out = Builder()
    succ_file = out.file("succ", succ, f"NHS ODS {succ.name}",
                         "The NHS Organisation Data Service successor file: which code succeeded which, on what "
                         "legal date. " + ATTRIBUTION)
    etr_file = out.file("etr", etr, f"NHS ODS {etr.name}",
                        "The NHS Organisation Data Service file of NHS trusts, a snapshot: code, name, national "
                        "grouping, health geography, address, open and close dates. " + ATTRIBUTION
                        ) if etr is not None else None
    if etr_file and observed:
        out.add(etr_file, DCT + "temporal", day(observed))
    kinds_.kind_triples(out.add, lit)

    kinds = kinds_.classify(rows, trusts)
    by_code = {t.code: t for t in trusts}
    titles = {t.code: title_name(t.name) for t in trusts if t.name}
    derived: dict[str, list[Record]] = defaultdict(list)
    for trust in trusts:
        out.record(trust.record, etr_file)
        derived[trust.code].append(trust.record)
    successions: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        out.record(row.record, succ_file)
        out.add(row.record.iri, DG + "successionIndicator", lit(row.indicator))
        for code in (row.predecessor, row.successor):
            if not derived[code] or derived[code][-1] is not row.record:
                derived[code].append(row.record)
        if not kinds[row.successor].site:
            successions[row.predecessor].append(row.date)
    ends = {t.code: name_end(t, observed, successions[t.code]) for t in trusts}

    def who(code: str, date: str) -> str:
        """The code, and its name where that is known to be in force on `date`."""
        if code in titles and in_force(date, observed, ends.get(code)):
            return f"{code} ({titles[code]})"
        return code

    for code in sorted(derived):
        subject, kind, trust = ORG_NS + code, kinds[code], by_code.get(code)
        for class_ in kinds_.classes(kind, trust.name if trust is not None and trust.name else listed.get(code)):
            out.add(subject, TYPE, class_)
        out.add(subject, SKOS + "notation", lit(code))
        out.add(subject, DG + "registryKind", kind.iri)
        parent = kinds_.parent_of(code, kinds)
        if kind.site:
            of = f" ({titles[parent]})" if parent in titles else ""
            out.add(subject, RDFS + "label", lit(f"ODS site {code}{of}", language="en"))
            if parent:
                out.add(subject, ORG + "siteOf", ORG_NS + parent)
        else:
            out.add(subject, RDFS + "label", lit(titles.get(code) or (
                f"ODS {code}, listed as {title_name(listed[code])}" if code in listed else f"ODS {kind.label} {code}"),
                language="en"))
        if trust is not None:
            _trust(out, subject, trust, titles.get(code), observed, ends[code])
        for record in derived[code]:
            out.add(subject, PROV + "wasDerivedFrom", record.iri)

    counts = _events(out, rows, kinds, who)
    return Registry(out.triples, kinds=kinds, titles=titles, trusts=trusts, rows=len(rows), events=counts)


def _trust(out: Builder, subject: str, trust: Trust, title: str | None, observed: str | None, end: str | None):
    """A row of the snapshot: the code's dates and columns, and its name as observed, each
    statement citing the row."""
    row = trust.record
    if trust.opened:
        out.row_fact(subject, DG + "opened", day(trust.opened), row)
    if trust.closed:
        out.row_fact(subject, DG + "closed", day(trust.closed), row)
    for column, predicate in COLUMNS:
        if trust.field(column):
            out.row_fact(subject, predicate, lit(trust.field(column)), row)
    if trust.address:
        out.row_fact(subject, DG + "address", lit(", ".join(trust.address)), row)
    if not trust.name:
        return
    out.row_fact(subject, SKOS + "altLabel", lit(trust.name), row)
    period = NAME_NS + trust.code
    out.add(subject, DG + "hasNamePeriod", period)
    out.add(period, TYPE, DG + "NamePeriod")
    seen = f"observed {observed}" if observed else "in the registry's snapshot"
    until = f", ended by {end}" if end else ""
    out.add(period, RDFS + "label", lit(f"{title} (ODS {trust.code}, {seen}{until})", language="en"))
    out.add(period, RDFS + "comment", lit(
        "The name the NHS ODS trust file, a snapshot, gives this code (the registry's capitals as skos:altLabel). "
        "The file does not say when the name began, so it has no dg:start; dg:observed is the snapshot's date, "
        "and dg:end the day after the code's close date (its last day) or the day it was next succeeded, by which "
        "the name no longer held.",
        language="en"))
    out.add(period, DG + "name", lit(title))
    out.add(period, SKOS + "altLabel", lit(trust.name))
    if observed:
        out.add(period, DG + "observed", day(observed))
    if end:
        out.add(period, DG + "end", day(end))
    out.add(period, PROV + "wasDerivedFrom", trust.record.iri)


def _events(out: Builder, rows: list[Row], kinds: dict, who) -> dict:
    """One event per (date, successor), typed by the one rule; site events joined to their trust's."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.date, row.successor)].append(row)
    events: dict[tuple[str, str], str] = {}
    originals: dict[str, set[str]] = {}
    counts = {"Succession": 0, "Merger": 0, "SiteSuccession": 0}
    for (date, successor), group in sorted(groups.items()):
        event = f"{EVENT_NS}{date}-{successor}"
        predecessors = list(dict.fromkeys(r.predecessor for r in group))
        organisations = [p for p in predecessors if not kinds[p].site]
        if kinds[successor].site:
            kind = "SiteSuccession"
            label = f"{_list(predecessors, 'sites' if not organisations else 'codes')} succeeded by site {successor}"
        elif len(organisations) >= 2:
            kind = "Merger"
            label = f"{_list([who(p, date) for p in predecessors], 'organisations')} merge into {who(successor, date)}"
        else:
            kind = "Succession"
            label = f"{_list([who(p, date) for p in predecessors], 'codes')} succeeded by {who(successor, date)}"
        counts[kind] += 1
        events[(date, successor)], originals[event] = event, set(predecessors)
        out.add(event, TYPE, DG + kind)
        out.add(event, RDFS + "label", lit(label, language="en"))
        out.add(event, DG + "date", day(date))
        for predecessor in predecessors:
            out.add(event, DG + "originalSite" if kinds[predecessor].site else ORG + "originalOrganization",
                    ORG_NS + predecessor)
        out.add(event, DG + "resultingSite" if kinds[successor].site else ORG + "resultingOrganization",
                ORG_NS + successor)
        for row in group:
            out.add(event, PROV + "wasDerivedFrom", row.record.iri)

    # A site's succession is part of the succession, that day, in which its old organisation is
    # succeeded: the one into the new site's organisation when there is one, else any.
    by_predecessor: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (date, successor), event in events.items():
        if not kinds[successor].site:
            for predecessor in originals[event]:
                by_predecessor[(date, predecessor)].append(event)
    for (date, successor), group in groups.items():
        if not kinds[successor].site:
            continue
        olds = {kinds_.parent_of(r.predecessor, kinds) or r.predecessor for r in group}
        candidates = sorted({e for old in olds for e in by_predecessor.get((date, old), [])})
        new = kinds_.parent_of(successor, kinds)
        preferred = [e for e in candidates if new and e == events.get((date, new))]
        for parent in preferred or candidates:
            out.add(events[(date, successor)], DG + "partOfEvent", parent)
    return counts
