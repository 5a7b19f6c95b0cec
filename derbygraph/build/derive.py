"""What more than one answer needs, computed once at build time and stored as data.

Runs after reasoning, over the whole store, and writes into a graph of its own
(`.../graph/derived`: not what a source states, but what follows from it), so `GRAPH ?g` still
tells asserted from derived:

- **Statement provenance.** Each statement of a fact node in the data, with the quotations that
  support it, as a standard RDF reification (`rdf:Statement` with `rdf:subject`, `rdf:predicate`,
  `rdf:object`) that `dg:restsOn` each quotation. Any SPARQL 1.1 client finds the quotes behind a triple
  with one basic graph pattern, and the nodes survive every dump format. A quotation supports a
  statement of its node only when its words hold it, read by `derbygraph.build.reading` (`derbygraph.build.support`):
  no default for a node's only quotation, and a `dg:supports` marker is a claim the check
  verifies. A statement no quotation's words hold but a stated rule gives (data/rules.ttl:
  `dg:byRule`, or `dg:forClass` its node's class) `dg:restsOnRule` that rule instead.
- **Shortcuts.** `dg:provides` and `org:hasSite`/`org:siteOf` from the `dg:ServiceProvision` nodes
  that carry the quotes; `org:heldBy`/`org:holds` and the membership's `org:role` from the
  `dg:PostHolding` nodes; each shortcut's statement node is `prov:wasDerivedFrom` the statements
  of the provision it follows from.
- **Identity.** Which bodies form one lineage: every organisation gets `dg:inLineage` a
  `dg:Lineage`, joined through continuing changes (renamings and changes of status: the original
  and resulting organisations) and `dg:sameOrganisationAs`. The lineage service, the canned
  queries and the shapes read it instead of following the links themselves.
- **The name in force on a date.** Each name period gets its `dates.Window` as data, in days
  (`xsd:date`): `dg:possiblyInForceFrom`/`dg:possiblyInForceUntil` and
  `dg:certainlyInForceFrom`/`dg:certainlyInForceUntil` (the untils exclusive), from its
  `dg:start`, `dg:end`, `dg:observed` (a snapshot's day) or `dg:notBefore` (a bound on an unknown
  start). The name index, the lineage and the canned queries read these instead of comparing dates
  of mixed precision themselves (code that holds only a period's dates uses the same rule,
  `dates.in_force`).
- **Event times.** Each dated event (`dg:Event`, a `prov:Activity`) gets `time:hasTime` an instant
  with `time:inXSDgYear`, `time:inXSDgYearMonth` or `time:inXSDDate` at the date's precision, and
  `time:inDateTime` a `time:DateTimeDescription` (`time:unitType` year, month or day; `time:year`,
  `time:month`, `time:day`): one pattern finds every event of 2011 whatever its precision. PROV-O's
  times are `xsd:dateTime`s, instants no source gives: an event dated to the day gets
  `prov:startedAtTime` the start of that day (the day a change took effect, from its first moment);
  one dated to a year or month gets none, rather than a moment the words do not give.
- **OWL-Time.** Each name period gets `time:hasBeginning`/`time:hasEnd` instants dated with
  `time:inXSDgYear`, `time:inXSDgYearMonth` or `time:inXSDDate` at the precision of its dates.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from derbygraph import dates, resources, vocab

from . import support

DG, RDF = vocab.DG, vocab.RDF
DERIVED = ox.NamedNode(vocab.GRAPH_DERIVED)
STATEMENT = vocab.ID + "statement/"
# The terms every derived statement is made of, parsed once (a NamedNode checks its IRI on
# creation: made afresh for each of a million statements, that was a third of the build's
# provenance step).
_TYPE, _STATEMENT_CLASS = ox.NamedNode(RDF + "type"), ox.NamedNode(RDF + "Statement")
_SUBJECT, _PREDICATE, _OBJECT = (ox.NamedNode(RDF + part) for part in ("subject", "predicate", "object"))
_RESTS_ON, _DERIVED_FROM = ox.NamedNode(DG + "restsOn"), ox.NamedNode(vocab.PROV + "wasDerivedFrom")
_RESTS_ON_RULE = ox.NamedNode(DG + "restsOnRule")
_IN_LINEAGE, _LINEAGE_CLASS = ox.NamedNode(DG + "inLineage"), ox.NamedNode(DG + "Lineage")
_INSTANT_CLASS = ox.NamedNode(vocab.TIME + "Instant")
LINEAGE = vocab.ID + "lineage/"
INSTANT = vocab.ID + "instant/"

# Statements that are the graph's own bookkeeping, not something a source says: display labels,
# editors' notes, the quotation links themselves, membership of the project's SKOS schemes.
EDITORIAL = (vocab.RDFS + "label", vocab.RDFS + "comment", vocab.RDFS + "seeAlso", DG + "evidence", DG + "byRule",
             vocab.SKOS + "inScheme", vocab.SKOS + "topConceptOf")
# Nodes that are the graph's vocabulary or its sources, described without quotations.
UNQUOTED_KINDS = (DG + "SourceDocument", DG + "Quotation", vocab.OA + "TextQuoteSelector",
                  DG + "Quantity", DG + "Qualifier", DG + "Unit", vocab.ORG + "Role", vocab.SKOS + "ConceptScheme",
                  DG + "StatedRule")
# The statements of fact nodes in the documents' graphs (the built-in data and extra files): the
# statements of any node in them (STATED), less the nodes of the unquoted kinds (FACT_NODES).
# MINUS, not FILTER NOT EXISTS, leaves out the unquoted kinds: the same answer (they share ?s),
# found once for all rows instead of once a row, ten times faster at 100k triples.
STATED = f"""
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER (STRSTARTS(STR(?g), "{vocab.GRAPH_DATA}") || STRSTARTS(STR(?g), "{vocab.GRAPH_EXTRA}"))
  FILTER (isIRI(?s) && ?p NOT IN ({", ".join(f"<{p}>" for p in EDITORIAL)}))
"""
FACT_NODES = f"""MINUS {{ ?s a ?kind VALUES ?kind {{ {" ".join(f"<{k}>" for k in UNQUOTED_KINDS)} }} }}"""
STATEMENTS = STATED + FACT_NODES
def statement_iri(s: ox.NamedNode, p: ox.NamedNode, o) -> ox.NamedNode:
    """The one IRI of the statement node of (s p o): the same whoever derives it."""
    key = f"{s} {p} {o}".encode()
    return ox.NamedNode(STATEMENT + hashlib.sha256(key).hexdigest()[:24])


Triple = tuple  # (subject, predicate, object) terms: what each rule derives


def _statement(s, p, o) -> tuple[ox.NamedNode, list[Triple]]:
    node = statement_iri(s, p, o)
    return node, [(node, _TYPE, _STATEMENT_CLASS), (node, _SUBJECT, s), (node, _PREDICATE, p), (node, _OBJECT, o)]


def _select(store: ox.Store, query: str):
    """The rows of the query `query`.rq beside this module. It reads the default graph, which
    reasoning left holding the union of every graph (`_add` keeps it so): pyoxigraph's
    union-default-graph mode merges the graphs at every step, ten times slower here. A rule may add
    while it reads: a query sees the store as it was when it began (pyoxigraph's repeatable read),
    so its rows need not be held in memory first."""
    return store.query(resources.sparql(__file__, query))


_BATCH = 100_000  # derived triples added at once


def _add(store: ox.Store, triples: Iterable[Triple]) -> int:
    """Add derived triples to the derived graph and to the default graph (the union the next rule
    reads), a batch at a time: the millions derived from a large file never sit in memory as
    Python objects at once (holding them took 1.5 GB at 1M source triples). The number added."""
    added, triples = 0, iter(triples)
    while batch := list(itertools.islice(triples, _BATCH)):
        store.bulk_extend(itertools.chain((ox.Quad(s, p, o, DERIVED) for s, p, o in batch),
                                          (ox.Quad(s, p, o) for s, p, o in batch)))
        added += len(batch)
    return added


def _provenance(store: ox.Store) -> Iterator[Triple]:
    """A statement node for each statement of a fact node, resting on each quotation whose words
    hold it (`dg:restsOn`), or on the stated rule that gives it (`dg:restsOnRule`)."""
    for (s, p, o), quotes, rules in support.support(store, STATED, FACT_NODES):  # rules only where no words hold it
        if quotes or rules:
            node, facts = _statement(s, p, o)
            yield from facts
            yield from ((node, _RESTS_ON, q) for q in quotes)
            yield from ((node, _RESTS_ON_RULE, rule) for rule in rules)


# The shortcut rules, in order: a later rule reads what an earlier one added.
_SHORTCUT_RULES = ("shortcut-provides", "shortcut-site-within-site", "shortcut-held-by", "shortcut-holds",
                   "shortcut-role", "shortcut-site-of")


def _shortcuts(store: ox.Store) -> int:
    """The shortcut triples of the n-ary provisions and post holdings (and the sites within their
    sites, and the inverse), each with a statement node derived from the statements it follows from."""
    added = 0
    for rule in _SHORTCUT_RULES:
        triples = []
        for row in _select(store, rule):
            node, facts = _statement(row["s"], row["p"], row["o"])
            triples += facts + [(row["s"], row["p"], row["o"])]
            for n in ("1", "2"):
                if row["s" + n] is not None:
                    triples.append((node, _DERIVED_FROM, statement_iri(row["s" + n], row["p" + n], row["o" + n])))
        added += _add(store, triples)
    return added


def _lineages(store: ox.Store) -> Iterator[Triple]:
    """`dg:inLineage` for every organisation: the connected bodies of continuing changes."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in _select(store, "continuity"):
        a = root(row["a"].value)
        if isinstance(row["b"], ox.NamedNode):
            b = root(row["b"].value)
            if a != b:
                parent[max(a, b)] = min(a, b)
    for member in parent:
        lineage = ox.NamedNode(LINEAGE + hashlib.sha256(root(member).encode()).hexdigest()[:16])
        yield ox.NamedNode(member), _IN_LINEAGE, lineage
        yield lineage, _TYPE, _LINEAGE_CLASS


_TIME_PROPERTY = {vocab.XSD + "gYear": "inXSDgYear", vocab.XSD + "gYearMonth": "inXSDgYearMonth",
                  vocab.XSD + "date": "inXSDDate"}


def _instants(store: ox.Store) -> Iterator[Triple]:
    """OWL-Time instants for the dates of name periods, at the precision of the dates."""
    for row in _select(store, "instants"):
        property_ = _TIME_PROPERTY.get(row["date"].datatype.value)
        if property_ is None or not isinstance(row["period"], ox.NamedNode):
            continue
        instant = ox.NamedNode(f"{INSTANT}{_tail(row['period'].value)}/{row['edge'].value}")
        link = "hasBeginning" if row["edge"].value == "start" else "hasEnd"
        yield row["period"], ox.NamedNode(vocab.TIME + link), instant
        yield instant, _TYPE, _INSTANT_CLASS
        yield instant, ox.NamedNode(vocab.TIME + property_), row["date"]


_WINDOW_TERMS = {side: ox.NamedNode(term) for side, term in vocab.NAME_WINDOW.items()}
_DAY = ox.NamedNode(vocab.XSD + "date")


def _date(term) -> str | None:
    """A date literal's text at its precision; None for none, or a value that is no plain date."""
    if term is None or not isinstance(term, ox.Literal):
        return None
    return term.value if dates.SHAPE.match(term.value) else None


def _windows(store: ox.Store) -> Iterator[Triple]:
    """Each name period's window (`dates.Window`): the one rule for the name in force on a date."""
    for row in _select(store, "name-dates"):
        window = dates.Window.of(*(_date(row[v]) for v in ("start", "end", "observed", "notBefore")))
        for side, term in _WINDOW_TERMS.items():
            day = getattr(window, side)
            if day is not None:
                yield row["period"], term, ox.Literal(day, datatype=_DAY)


_TIME = {name: ox.NamedNode(vocab.TIME + name) for name in (
    "hasTime", "inDateTime", "DateTimeDescription", "unitType", "year", "month", "day", "unitYear", "unitMonth", "unitDay")}
_UNIT = {4: "unitYear", 7: "unitMonth", 10: "unitDay"}
_STARTED = ox.NamedNode(vocab.PROV + "startedAtTime")


def _event_times(store: ox.Store) -> Iterator[Triple]:
    """OWL-Time (and, for a day, PROV-O) terms for each dated event, at the precision of its date."""
    for row in _select(store, "event-dates"):
        event, date = row["event"], _date(row["date"])
        property_ = _TIME_PROPERTY.get(row["date"].datatype.value)
        if date is None or property_ is None or not isinstance(event, ox.NamedNode):
            continue
        instant = ox.NamedNode(f"{INSTANT}{_tail(event.value)}")
        description = ox.NamedNode(f"{INSTANT}{_tail(event.value)}/description")
        yield event, _TIME["hasTime"], instant
        yield instant, _TYPE, _INSTANT_CLASS
        yield instant, ox.NamedNode(vocab.TIME + property_), row["date"]
        yield instant, _TIME["inDateTime"], description
        yield description, _TYPE, _TIME["DateTimeDescription"]
        yield description, _TIME["unitType"], _TIME[_UNIT[len(date)]]
        yield description, _TIME["year"], ox.Literal(date[:4], datatype=ox.NamedNode(vocab.XSD + "gYear"))
        if len(date) >= 7:
            yield description, _TIME["month"], ox.Literal("--" + date[5:7], datatype=ox.NamedNode(vocab.XSD + "gMonth"))
        if len(date) == 10:
            yield description, _TIME["day"], ox.Literal("---" + date[8:10], datatype=ox.NamedNode(vocab.XSD + "gDay"))
            yield event, _STARTED, ox.Literal(date + "T00:00:00", datatype=ox.NamedNode(vocab.XSD + "dateTime"))


def _tail(value: str) -> str:
    """A readable, dereferenceable path for a node's IRI: its path under the dataset's base."""
    return value[len(vocab.ID):] if value.startswith(vocab.ID) else hashlib.sha256(value.encode()).hexdigest()[:16]


def derive(store: ox.Store, apart: ox.Store | None = None) -> int:
    """Add every derived fact to the derived graph (and the default graph, which stays the union
    of all graphs); the number of quads added.

    `apart`, when given, takes what no later rule and no check reads instead of `store`: the name
    windows, OWL-Time instants, event times and the statement provenance (five triples a
    statement), most of what is derived. A build writing a store folder passes its on-disk store,
    so these never sit in memory (`pipeline`)."""
    added = _shortcuts(store) + _add(store, _lineages(store))  # read by the support rule and the shapes
    target = store if apart is None else apart
    return added + sum(_add(target, derived(store)) for derived in (_windows, _instants, _event_times, _provenance))
