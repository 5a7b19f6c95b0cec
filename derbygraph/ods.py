"""NHS Organisation Data Service (ODS) registry files to RDF, reconciled with the documents.

`import_files(succ, etr, output)` reads the ODS successor file (succ.csv: predecessor code,
successor code, reason, effective date, indicator) and, optionally, the NHS trust file
(etr.csv: code, name, ..., open date, close date, ...). Both have no header row and quote every
field. It writes RDF under the derbygraph ontology:

- every code as a node at `https://w3id.org/derbygraph/id/ods/org/{CODE}` with `skos:notation`:
  5-character codes are trust sites (`dg:Site`, `org:siteOf` the organisation whose code is the
  first three characters, when that code is in the files); every other code is a
  `dg:RegistryOrganisation`, and also a `dg:NHSTrust` or `dg:NHSFoundationTrust` when the trust
  file names it and gives its open date. A name from the trust file becomes a `dg:NamePeriod`
  (dg:start the open date, dg:end the close date); a code the trust file does not name gets the
  label "ODS organisation CODE" and no name: nothing is invented.
- the rows of succ.csv grouped by (effective date, successor): one event per group at
  `.../id/ods/event/{date}-{SUCCESSOR}`, a `dg:Merger` when two or more organisations are
  succeeded by one on one date, else a `dg:Succession`; a `dg:SiteSuccession` when the successor
  is a site, linked with `dg:partOfEvent` to the event of its trust on the same date.
- provenance down to the row: each row is a `dg:RegistryRecord` (`dct:source` its file, `dg:line`,
  `prov:value` the row's text) and every organisation, site, name and event derived from it says
  so with `prov:wasDerivedFrom`.
- reconciliation with the documents: an organisation of the built-in data (those with dated
  names) whose name is the name the trust file gives a code, in overlapping time, is linked to
  that code with `dg:sameOrganisationAs` and a `dg:Reconciliation` node recording the matched
  names, the method and what the match rests on (the registry row and the document's name).

Bad rows (a wrong number of fields, a code that is not an ODS code, a date that is not a real
YYYYMMDD date, an organisation succeeding itself, a trust listed twice) stop the import: the
registry's lineages are only as good as every row, so nothing is written and the error names
the first bad row as `file:line: message`, with the line numbers of the others.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from . import dates, resources, vocab
from .names import core, words

ODS = vocab.ID + "ods/"
ORG_NS, SITE_LENGTH = ODS + "org/", 5
EVENT_NS, NAME_NS, FILE_NS, RECORD_NS, RECONCILIATION_NS = (
    ODS + "event/", ODS + "name/", ODS + "file/", ODS + "record/", ODS + "reconciliation/")
OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
SPDX = "http://spdx.org/rdf/terms#"
SUCC_FIELDS, ETR_FIELDS = 5, 27
ETR_CODE, ETR_NAME, ETR_OPEN, ETR_CLOSE = 0, 1, 10, 11

_CODE = re.compile(r"^[A-Z0-9]{1,12}$")
# Lower-case in a title-cased name, except first: "Guy's and St Thomas'", "Stoke-on-Trent".
_SMALL = frozenset({"and", "of", "the", "for", "in", "on", "at", "upon", "with", "to", "by"})
_UPPER = frozenset({"NHS", "UK", "CIC", "ICB", "CCG", "PCT"})

EXACT = "exact name: the same words, case and punctuation aside"
CORE = "same name apart from the words NHS, Trust, Foundation, The, Of, And"


class OdsError(Exception):
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


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One row of a registry file: where it is and its exact text."""

    kind: str  # "succ" or "etr": the file's role, which names its IRIs
    path: Path
    line: int
    text: str
    fields: tuple[str, ...]

    @property
    def iri(self) -> str:
        return f"{RECORD_NS}{self.kind}/{self.line}"


@dataclass(frozen=True)
class Row:
    """A row of succ.csv: `predecessor` was succeeded by `successor` on `date` (YYYY-MM-DD)."""

    record: Record
    predecessor: str
    successor: str
    date: str
    reason: str


@dataclass(frozen=True)
class Trust:
    """A row of etr.csv; `name` is the registry's own string and may be empty."""

    record: Record
    code: str
    name: str
    opened: str | None
    closed: str | None


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


def _date(text: str) -> str | None:
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
    rows = []
    for record in records:
        predecessor, successor, reason, date, _ = record.fields
        problem = _code_problem(predecessor, "predecessor") or _code_problem(successor, "successor")
        iso = _date(date)
        if problem is None and iso is None:
            problem = f"effective date {date!r} is not a date (expected YYYYMMDD)"
        if problem is None and predecessor == successor:
            problem = f"{predecessor} is its own successor"
        if problem:
            problems.append((record.line, problem))
        else:
            rows.append(Row(record, predecessor, successor, iso, reason))
    _fail(path, problems)
    return rows


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
            if problem is None and value and _date(value) is None:
                problem = f"{label} date {value!r} is not a date (expected YYYYMMDD)"
        if problem is None and code in seen:
            problem = f"{code} is listed twice (first at line {seen[code]})"
        if problem is None and opened and closed and _date(closed) < _date(opened):
            problem = f"{code} closes ({closed}) before it opens ({opened})"
        if problem:
            problems.append((record.line, problem))
            continue
        seen[code] = record.line
        trusts.append(Trust(record, code, name, _date(opened) if opened else None, _date(closed) if closed else None))
    _fail(path, problems)
    return trusts


# --- names --------------------------------------------------------------------------------


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


def _kind(name: str) -> str | None:
    tokens = words(name)
    if "foundation" in tokens and "trust" in tokens:
        return vocab.DG + "NHSFoundationTrust"
    if "trust" in tokens:
        return vocab.DG + "NHSTrust"
    return None


# --- the graph ----------------------------------------------------------------------------

_NODES: dict[str, ox.NamedNode] = {}


def _n(value: str) -> ox.NamedNode:
    node = _NODES.get(value)
    if node is None:
        node = _NODES[value] = ox.NamedNode(value)
    return node


def _lit(value, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(str(value), language=language)
    return ox.Literal(str(value), datatype=_n(datatype or vocab.XSD + "string"))


def _day(value: str) -> ox.Literal:
    return _lit(value, vocab.XSD + "date")


DG, ORG, PROV, RDF, RDFS, SKOS, DCT = vocab.DG, vocab.ORG, vocab.PROV, vocab.RDF, vocab.RDFS, vocab.SKOS, vocab.DCT
TYPE = RDF + "type"


@dataclass
class Result:
    """What an import made: the triples, and counts for the summary."""

    triples: list
    rows: int = 0
    trusts: int = 0
    organisations: int = 0
    sites: int = 0
    events: dict | None = None
    links: list | None = None  # (code, document organisation IRI, label)
    ambiguous: list | None = None


class _Builder:
    def __init__(self):
        self.triples: list[ox.Triple] = []

    def add(self, subject: str, predicate: str, obj) -> None:
        self.triples.append(ox.Triple(_n(subject), _n(predicate), obj if not isinstance(obj, str) else _n(obj)))

    def file(self, kind: str, path: Path, title: str, description: str) -> str:
        node = FILE_NS + kind
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.add(node, TYPE, DG + "RegistryFile")
        self.add(node, RDFS + "label", _lit(title, language="en"))
        self.add(node, DCT + "title", _lit(title))
        self.add(node, DCT + "identifier", _lit(path.name))
        self.add(node, DCT + "description", _lit(description, language="en"))
        self.add(node, DCT + "type", _lit("registry file"))
        self.add(node, DCT + "format", _lit("text/csv"))
        self.add(node, DCT + "license", OGL)
        checksum = ox.BlankNode(f"checksum-{kind}")
        self.triples.append(ox.Triple(_n(node), _n(SPDX + "checksum"), checksum))
        self.triples.append(ox.Triple(checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")))
        self.triples.append(ox.Triple(checksum, _n(SPDX + "checksumValue"), _lit(digest, vocab.XSD + "hexBinary")))
        return node

    def record(self, record: Record, file: str) -> None:
        self.add(record.iri, TYPE, DG + "RegistryRecord")
        self.add(record.iri, RDFS + "label", _lit(f"{record.path.name} line {record.line}", language="en"))
        self.add(record.iri, DCT + "source", file)
        self.add(record.iri, DG + "line", _lit(record.line, vocab.XSD + "integer"))
        self.add(record.iri, PROV + "value", _lit(record.text))


def _is_site(code: str, named: set[str]) -> bool:
    return len(code) == SITE_LENGTH and code not in named


def _list(items: list[str], noun: str) -> str:
    if len(items) > 4:
        return f"{len(items)} {noun}"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def convert(rows: list[Row], trusts: list[Trust], succ: Path, etr: Path | None,
            documents: Iterable[Path] | None = None) -> Result:
    """The RDF for parsed registry rows, reconciled with the document data in `documents`
    (the built-in data when None)."""
    out = _Builder()
    succ_file = out.file("succ", succ, f"NHS ODS {succ.name}",
                         "The NHS Organisation Data Service successor file: which code succeeded which, "
                         "on what legal date. Open Government Licence v3.0.")
    etr_file = out.file("etr", etr, f"NHS ODS {etr.name}",
                        "The NHS Organisation Data Service file of NHS trusts: code, name, address, open and "
                        "close dates. Open Government Licence v3.0.") if etr is not None else None

    by_code = {t.code: t for t in trusts}
    named = set(by_code)
    titles = {t.code: title_name(t.name) for t in trusts if t.name}
    derived: dict[str, list[Record]] = defaultdict(list)
    for trust in trusts:
        out.record(trust.record, etr_file)
        derived[trust.code].append(trust.record)
    for row in rows:
        out.record(row.record, succ_file)
        for code in (row.predecessor, row.successor):
            if not derived[code] or derived[code][-1] is not row.record:
                derived[code].append(row.record)

    organisations = {c for c in derived if not _is_site(c, named)}
    sites = set(derived) - organisations

    # --- organisations and their names
    for code in sorted(organisations):
        node, trust = ORG_NS + code, by_code.get(code)
        out.add(node, TYPE, DG + "RegistryOrganisation")
        out.add(node, SKOS + "notation", _lit(code))
        title = titles.get(code)
        out.add(node, RDFS + "label", _lit(title or f"ODS organisation {code}", language="en"))
        if trust is not None and trust.name:
            kind = _kind(trust.name)
            if kind and (trust.opened or trust.closed):  # a traced NHS trust bears a dated name
                out.add(node, TYPE, kind)
            out.add(node, SKOS + "altLabel", _lit(trust.name))
            period = NAME_NS + code
            out.add(node, DG + "hasNamePeriod", period)
            out.add(period, TYPE, DG + "NamePeriod")
            span = (f"from {trust.opened}" if trust.opened else "") + (f" to {trust.closed}" if trust.closed else "")
            out.add(period, RDFS + "label", _lit(f"{title} (ODS {code}{', ' + span.strip() if span else ''})",
                                                 language="en"))
            out.add(period, RDFS + "comment", _lit(
                "The name the NHS ODS trust file gives this code, in the registry's capitals as skos:altLabel. "
                "The registry does not date names: dg:start is the day the code opened and dg:end the day it "
                "closed, which may be earlier or later than this name.", language="en"))
            out.add(period, DG + "name", _lit(title))
            out.add(period, SKOS + "altLabel", _lit(trust.name))
            if trust.opened:
                out.add(period, DG + "start", _day(trust.opened))
            if trust.closed:
                out.add(period, DG + "end", _day(trust.closed))
            out.add(period, PROV + "wasDerivedFrom", trust.record.iri)
        for record in derived[code]:
            out.add(node, PROV + "wasDerivedFrom", record.iri)

    for code in sorted(sites):
        node, parent = ORG_NS + code, code[:3]
        out.add(node, TYPE, DG + "Site")
        out.add(node, SKOS + "notation", _lit(code))
        of = f" ({titles[parent]})" if parent in titles else ""
        out.add(node, RDFS + "label", _lit(f"ODS site {code}{of}", language="en"))
        if parent in organisations:
            out.add(node, ORG + "siteOf", ORG_NS + parent)
        for record in derived[code]:
            out.add(node, PROV + "wasDerivedFrom", record.iri)

    # --- events: one per (date, successor)
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.date, row.successor)].append(row)
    events: dict[tuple[str, str], str] = {}
    by_predecessor: dict[tuple[str, str], list[str]] = defaultdict(list)
    counts = {"Succession": 0, "Merger": 0, "SiteSuccession": 0}

    def who(code: str) -> str:
        return f"{code} ({titles[code]})" if code in titles else code

    for (date, successor), group in sorted(groups.items()):
        node = f"{EVENT_NS}{date}-{successor}"
        predecessors = list(dict.fromkeys(r.predecessor for r in group))
        original = [p for p in predecessors if p in organisations]
        if successor in sites:
            kind = "SiteSuccession"
            noun = "sites" if not original else "codes"
            label = f"{_list(predecessors, noun)} succeeded by site {successor}"
        elif len(original) >= 2:
            kind = "Merger"
            label = f"{_list(predecessors, 'organisations')} merge into {who(successor)}"
        else:
            kind = "Succession"
            label = f"{_list([who(p) for p in predecessors], 'codes')} succeeded by {who(successor)}"
        counts[kind] += 1
        events[(date, successor)] = node
        out.add(node, TYPE, DG + kind)
        out.add(node, RDFS + "label", _lit(label, language="en"))
        out.add(node, DG + "date", _day(date))
        for predecessor in predecessors:
            role = DG + "originalSite" if predecessor in sites else ORG + "originalOrganization"
            out.add(node, role, ORG_NS + predecessor)
            if predecessor in organisations and successor in organisations:
                by_predecessor[(date, predecessor)].append(node)
        out.add(node, DG + "resultingSite" if successor in sites else ORG + "resultingOrganization",
                ORG_NS + successor)
        for row in group:
            out.add(node, PROV + "wasDerivedFrom", row.record.iri)

    # A site's succession is part of its trust's succession on the same day: the successor
    # site's trust, else the succession of a predecessor site's trust.
    for (date, successor), group in groups.items():
        if successor not in sites:
            continue
        parents = []
        if successor[:3] in organisations and (date, successor[:3]) in events:
            parents = [events[(date, successor[:3])]]
        else:
            for row in group:
                parents += [e for e in by_predecessor.get((date, row.predecessor[:3]), []) if e not in parents]
        for parent in parents:
            out.add(events[(date, successor)], DG + "partOfEvent", parent)

    result = Result(out.triples, rows=len(rows), trusts=len(trusts), organisations=len(organisations),
                    sites=len(sites), events=counts)
    _reconcile(out, trusts, titles, organisations, documents, result)
    return result


# --- reconciliation with the documents ------------------------------------------------------

_DOCUMENT_NAMES = """
SELECT ?org ?period ?name ?start ?end WHERE {
  ?org dg:hasNamePeriod ?period .
  ?period dg:name|skos:altLabel ?name .
  OPTIONAL { ?period dg:start ?start } OPTIONAL { ?period dg:end ?end }
}"""


def document_names(files: Iterable[Path]) -> list[tuple[str, str, str, str | None, str | None]]:
    """(organisation, name period, name, start, end) for every dated name in the document data."""
    store = ox.Store()
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=_n(vocab.GRAPH_DATA + Path(path).stem))
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


def _reconcile(out: _Builder, trusts: list[Trust], titles: dict, organisations: set, documents, result: Result):
    exact, by_core = defaultdict(set), defaultdict(set)
    for trust in trusts:
        if trust.name and trust.code in organisations:
            tokens = words(trust.name)
            exact[tuple(tokens)].add(trust.code)
            if core(tokens):
                by_core[tuple(core(tokens))].add(trust.code)
    by_code = {t.code: t for t in trusts}
    found: dict[str, dict[str, tuple]] = defaultdict(dict)  # document organisation -> code -> match
    for org, period, name, start, end in document_names(resources.data_files() if documents is None else documents):
        tokens = words(name)
        codes, method = exact.get(tuple(tokens)), EXACT
        if not codes:
            codes, method = by_core.get(tuple(core(tokens))) if core(tokens) else None, CORE
        for code in sorted(codes or ()):
            trust = by_code[code]
            if not _overlap(start, end, trust.opened, trust.closed):
                continue
            match = (method != EXACT, name, period, method)
            if code not in found[org] or match < found[org][code]:
                found[org][code] = match
    claimed: dict[str, list[str]] = defaultdict(list)
    for org, codes in found.items():
        for code in codes:
            claimed[code].append(org)
    result.links, result.ambiguous = [], []
    for org, codes in sorted(found.items()):
        if len(codes) != 1 or len(claimed[next(iter(codes))]) != 1:
            result.ambiguous.append((org, sorted(codes)))
            continue
        code, (_, name, period, method) = next(iter(codes.items()))
        trust, registry = by_code[code], ORG_NS + code
        node = RECONCILIATION_NS + code
        out.add(registry, DG + "sameOrganisationAs", org)
        out.add(node, TYPE, DG + "Reconciliation")
        out.add(node, RDFS + "label", _lit(f"ODS {code} is {name} of the documents", language="en"))
        out.add(node, DG + "registryOrganisation", registry)
        out.add(node, DG + "documentOrganisation", org)
        out.add(node, DG + "matchMethod", _lit(method))
        out.add(node, DG + "matchedName", _lit(trust.name))
        if name != trust.name:
            out.add(node, DG + "matchedName", _lit(name))
        out.add(node, PROV + "wasDerivedFrom", trust.record.iri)
        out.add(node, PROV + "wasDerivedFrom", period)
        result.links.append((code, org, titles.get(code, name)))


# --- the command ------------------------------------------------------------------------------


def _format(output: Path) -> ox.RdfFormat:
    from .build import FORMATS

    found = FORMATS.get(output.suffix.lower())
    if found is None or found == ox.RdfFormat.N3:
        raise OdsError(output, None, "unknown RDF format for the output: name it .nt, .ttl, .nq, .trig, .jsonld or .rdf")
    return found


def write(triples: list, output: Path) -> None:
    """Write atomically: a failure leaves any earlier output as it was."""
    rdf_format = _format(output)
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    partial = output.with_name(output.name + ".partial")
    try:
        ox.serialize(triples, str(partial), rdf_format, prefixes=vocab.PREFIXES | {"ods": ORG_NS})
        os.replace(partial, output)
    finally:
        if partial.exists():
            partial.unlink()


def import_files(succ: Path, etr: Path | None, output: Path, documents: Iterable[Path] | None = None) -> str:
    """Read the registry files, write their RDF to `output`, and say what was done in one line."""
    started = time.perf_counter()
    succ, output = Path(succ), Path(output)
    _format(output)  # a bad output name fails before any work
    rows = read_succ(succ)
    trusts = read_etr(Path(etr)) if etr is not None else []
    result = convert(rows, trusts, succ, Path(etr) if etr is not None else None, documents)
    write(result.triples, output)
    events = result.events
    summary = (f"imported {result.rows:,} succession rows from {succ.name}"
               + (f" and {result.trusts:,} trusts from {Path(etr).name}" if etr is not None else "")
               + f": {result.organisations:,} organisations, {result.sites:,} sites, "
               f"{sum(events.values()):,} events ({events['Succession']:,} successions, {events['Merger']:,} mergers, "
               f"{events['SiteSuccession']:,} site successions)")
    if result.links:
        summary += "; linked to the documents: " + ", ".join(f"{code} = {label}" for code, _, label in result.links)
    if result.ambiguous:
        summary += f"; {len(result.ambiguous)} ambiguous name match(es) left unlinked"
    return summary + f"; wrote {len(result.triples):,} triples to {output} in {time.perf_counter() - started:.1f} s"
