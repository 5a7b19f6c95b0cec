"""Why the graph holds one statement: its basis, and the quotes (and registry rows) it rests on.

Every statement has one basis (the contract's `basis`):
- `words`: asserted, resting on quotations of the documents (`sources`);
- `registry`: asserted, resting on rows of the registry's files (`sources`, with `line`);
- `derived`: inferred by OWL 2 RL or derived by the build, with `derivedFrom` the statements it
  follows from, each explained the same way, down to words or rows however many levels it takes;
- `dataset`: written by this dataset itself (its vocabulary, display labels, rules), with
  `definedIn` the file that writes it.

The build stores the answer as data (`derbygraph.build.derive`): each quoted statement of the
documents is a reified `rdf:Statement` that `dg:restsOn` its quotations, and each shortcut it
derives is `prov:wasDerivedFrom` the statements it follows from. This room only asks for them, in a
handful of whole queries; for what OWL 2 RL inferred, it finds the asserted statements the
entailment follows from (sub-property, inverse, symmetric property, sub-class, domain, range), and
for what the build derived without recording premises (windows, instants, lineages, statement
nodes), the statements the rule in `derive.py` reads.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from derbygraph import deadline, resources, vocab
from derbygraph.errors import BadInput, NotFound


class UnknownStatement(NotFound):
    """The dataset does not hold the statement asked about."""


class BadStatement(BadInput):
    """The subject, predicate or object given is not an IRI or literal; str() is for the user."""


_HOLDS = "ASK { $s $p $o }"
_ASSERTED = f"""ASK {{ GRAPH ?g {{ $s $p $o }}
  FILTER (?g NOT IN (<{vocab.GRAPH_INFERRED}>, <{vocab.GRAPH_DERIVED}>, <{vocab.GRAPH_META}>)) }}"""
# Quotations behind the statement (the provenance pattern the README documents), and the
# registry rows it rests on: its own row where the import says which (a reified statement
# prov:wasDerivedFrom the row), else every row its subject rests on.
_REGISTRY_ROW = "?record a dg:RegistryRecord ; dct:source ?iri ; prov:value ?quote ."
_SOURCES = """
SELECT DISTINCT ?iri ?title ?quote ?line ?record WHERE {
  { ?st rdf:subject $s ; rdf:predicate $p ; rdf:object $o ; dg:restsOn ?q .
    ?q oa:hasSource ?iri ; oa:hasSelector/oa:exact ?quote .
    OPTIONAL { ?iri dct:title ?title } }
  UNION
  { ?st rdf:subject $s ; rdf:predicate $p ; rdf:object $o ; prov:wasDerivedFrom ?record . %(row)s
    OPTIONAL { ?record dg:line ?line } OPTIONAL { ?iri dct:title ?title } }
  UNION
  { $s prov:wasDerivedFrom ?record . %(row)s
    FILTER NOT EXISTS { ?own rdf:subject $s ; rdf:predicate $p ; rdf:object $o ; prov:wasDerivedFrom/a dg:RegistryRecord }
    OPTIONAL { ?record dg:line ?line } OPTIONAL { ?iri dct:title ?title } }
}""" % {"row": _REGISTRY_ROW}
_QUOTES_ABOUT = """
SELECT DISTINCT ?p ?o ?iri ?title ?quote ?line WHERE {
  { ?st rdf:subject $s ; rdf:predicate ?p ; rdf:object ?o ; dg:restsOn ?q .
    ?q oa:hasSource ?iri ; oa:hasSelector/oa:exact ?quote . }
  UNION
  { ?st rdf:subject $s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?record . %(row)s
    OPTIONAL { ?record dg:line ?line } }
  OPTIONAL { ?iri dct:title ?title }
} ORDER BY ?p ?quote""" % {"row": _REGISTRY_ROW}
# What an entailment follows from: a shortcut the build derived, else one step of OWL 2 RL.
_DERIVED_FROM = """
SELECT DISTINCT ?s1 ?p1 ?o1 WHERE {
  ?st rdf:subject $s ; rdf:predicate $p ; rdf:object $o ; prov:wasDerivedFrom ?premise .
  ?premise rdf:subject ?s1 ; rdf:predicate ?p1 ; rdf:object ?o1
}"""
_ENTAILED_FROM = """
SELECT DISTINCT ?s1 ?p1 ?o1 WHERE {
  { ?p1 rdfs:subPropertyOf+ $p . $s ?p1 $o . BIND ($s AS ?s1) BIND ($o AS ?o1) }
  UNION { { ?p1 owl:inverseOf $p } UNION { $p owl:inverseOf ?p1 } . $o ?p1 $s . BIND ($o AS ?s1) BIND ($s AS ?o1) }
  UNION { $p a owl:SymmetricProperty . $o $p $s . BIND ($o AS ?s1) BIND ($p AS ?p1) BIND ($s AS ?o1) }
  UNION { FILTER (sameTerm($p, rdf:type)) ?o1 rdfs:subClassOf+ $o . $s rdf:type ?o1 .
          BIND ($s AS ?s1) BIND (rdf:type AS ?p1) }
  UNION { FILTER ($p IN (rdfs:subClassOf, rdfs:subPropertyOf) && !sameTerm($s, $o))
          $s $p ?o1 . ?o1 $p $o . FILTER (!sameTerm(?o1, $s) && !sameTerm(?o1, $o)) BIND ($s AS ?s1) BIND ($p AS ?p1) }
  UNION { FILTER (sameTerm($p, rdf:type)) ?p1 rdfs:domain $o . $s ?p1 ?o1 . BIND ($s AS ?s1) }
  UNION { FILTER (sameTerm($p, rdf:type)) ?p1 rdfs:range $o . ?s1 ?p1 $s . BIND ($s AS ?o1) }
}"""


# What a rule of the build (`derbygraph.build.derive`) read to derive a statement it records no premises for.
_RULE_READ = """
SELECT DISTINCT ?s1 ?p1 ?o1 WHERE {
  { # a name period's window: from its dates
    FILTER ($p IN (dg:possiblyInForceFrom, dg:possiblyInForceUntil, dg:certainlyInForceFrom, dg:certainlyInForceUntil))
    BIND ($s AS ?s1) $s ?p1 ?o1 FILTER (?p1 IN (dg:start, dg:end, dg:observed, dg:notBefore)) }
  UNION { # an instant, its description, or the link to it: from the date of what it dates
    { ?owner time:hasTime|time:hasBeginning|time:hasEnd $s BIND ($s AS ?instant) }
    UNION { ?instant time:inDateTime $s . ?owner time:hasTime ?instant }
    UNION { FILTER ($p IN (time:hasTime, time:hasBeginning, time:hasEnd)) BIND ($o AS ?instant) BIND ($s AS ?owner) }
    UNION { FILTER (sameTerm($p, prov:startedAtTime)) $s time:hasTime ?instant BIND ($s AS ?owner) }
    ?instant time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate ?o1 .
    ?owner ?p1 ?o1 FILTER (?p1 IN (dg:date, dg:start, dg:end)) BIND (?owner AS ?s1) }
  UNION { # a lineage: the continuing changes and links that join its bodies, or the body itself
    FILTER (sameTerm($p, dg:inLineage))
    { $s dg:sameOrganisationAs ?o1 BIND ($s AS ?s1) BIND (dg:sameOrganisationAs AS ?p1) }
    UNION { ?s1 ?p1 $s FILTER (?p1 IN (org:originalOrganization, org:resultingOrganization))
            { ?s1 a dg:Renaming } UNION { ?s1 a dg:StatusChange } BIND ($s AS ?o1) }
    UNION { FILTER NOT EXISTS { $s dg:sameOrganisationAs [] }
            FILTER NOT EXISTS { ?e org:originalOrganization|org:resultingOrganization $s . { ?e a dg:Renaming } UNION { ?e a dg:StatusChange } }
            GRAPH ?g { $s rdf:type ?o1 } FILTER (?g NOT IN (<%(inferred)s>, <%(derived)s>))
            BIND ($s AS ?s1) BIND (rdf:type AS ?p1) } }
  UNION { # a lineage node: from a body in it
    FILTER (sameTerm($p, rdf:type) && sameTerm($o, dg:Lineage))
    { SELECT ?s1 WHERE { ?s1 dg:inLineage $s } LIMIT 1 } BIND (dg:inLineage AS ?p1) BIND ($s AS ?o1) }
  UNION { # a statement node of the build: from the statement it stands for
    $s a rdf:Statement ; rdf:subject ?s1 ; rdf:predicate ?p1 ; rdf:object ?o1 .
    FILTER (STRSTARTS(STR($s), "%(statement)s")) ?s1 ?p1 ?o1 }
}""" % {"inferred": vocab.GRAPH_INFERRED, "derived": vocab.GRAPH_DERIVED, "statement": vocab.ID + "statement/"}
_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { $s $p $o } }"
_RULE = "SELECT ?rule WHERE { ?st rdf:subject $s ; rdf:predicate $p ; rdf:object $o ; dg:restsOnRule ?rule }"
# Premises are followed down to words or rows; a chain longer than this is cut (none is near it).
_DEPTH = 12


def defined_in(graph: str) -> str:
    """The file of this dataset a named graph holds (`data/lineage.ttl`), or the graph itself for
    a file given with --data."""
    if graph == vocab.GRAPH_ONTOLOGY:
        return "ontology/" + resources.ontology_file().name
    if graph.startswith(vocab.GRAPH_DATA):
        return "data/" + graph[len(vocab.GRAPH_DATA):] + ".ttl"
    if graph == vocab.GRAPH_DERIVED:
        return "derbygraph/derive.py"
    if graph == vocab.GRAPH_META:  # the dataset's version and date, written by the build
        return "derbygraph/build.py"
    if graph == vocab.GRAPH_INFERRED:
        return "ontology/" + resources.ontology_file().name
    return graph


def parse_term(text: str, role: str) -> ox.NamedNode | ox.Literal:
    """An IRI (bare, in <>, or with a common prefix such as dg:) or, for the object, a literal in
    N-Triples syntax."""
    text = text.strip()
    try:
        if role == "o" and text.startswith('"'):
            triple = next(iter(ox.parse(input=f"<x:s> <x:p> {text} .", format=ox.RdfFormat.N_TRIPLES)))
            return triple.object
        value = text[1:-1] if text.startswith("<") and text.endswith(">") else text
        prefix, _, local = value.partition(":")
        if prefix in vocab.PREFIXES and not local.startswith("//"):  # dg:provides, rdf:type...
            value = vocab.PREFIXES[prefix] + local
        if ":" not in value or any(c in value for c in ' <>"{}|\\^`'):
            raise ValueError
        return ox.NamedNode(value)
    except (SyntaxError, ValueError, StopIteration):
        kind = "an IRI or a literal in N-Triples syntax" if role == "o" else "an IRI"
        raise BadStatement(f"{role} must be {kind}, not {text!r}") from None


class WhyService:
    """Answers "which words is this statement based on?" from one Dataset."""

    def __init__(self, dataset):
        self.dataset = dataset

    def _ask(self, query: str, s, p, o) -> bool:
        return bool(self.dataset.query(_bind(query, s, p, o)))

    def sources(self, s, p, o) -> list[dict]:
        found = []
        for row in self.dataset.query(_bind(_SOURCES, s, p, o)):
            source = {"iri": row["iri"].value, "title": _value(row["title"]) or row["iri"].value,
                      "quote": row["quote"].value}
            if row["record"] is not None:
                line = _value(row["line"])
                source.update(record=row["record"].value, line=int(line) if line else None)
            found.append(source)
        return sorted(found, key=lambda x: (x["iri"], x.get("line") or 0, x["quote"]))

    def _premises(self, query: str, terms) -> set:
        return {(r["s1"], r["p1"], r["o1"]) for r in self.dataset.query(_bind(query, *terms))}

    def _statement(self, s, p, o) -> dict:
        return {"statement": {"s": s.value, "p": p.value, "o": _show(o)},
                "asserted": self._ask(_ASSERTED, s, p, o), "sources": self.sources(s, p, o)}

    def explain(self, terms: tuple, seen: frozenset = frozenset()) -> dict:
        """The statement with its basis: its sources, or what it was derived from (each explained
        in turn), or the file of this dataset that writes it."""
        deadline.check()  # a few queries per statement; a long derivation stops at the deadline
        answer = self._statement(*terms)
        if answer["asserted"]:
            if any("record" not in source for source in answer["sources"]):
                return answer | {"basis": "words"}
            if answer["sources"]:
                return answer | {"basis": "registry"}
            rule = self._rule(terms)
            if rule is not None:  # given by a rule this dataset states, from the words it reads
                return answer | {"basis": "dataset", "rule": rule, "definedIn": "data/rules.ttl"}
            return answer | {"basis": "dataset", "definedIn": self._defined_in(terms)}
        if self._graphs(terms) == [vocab.GRAPH_META]:  # the dataset's version and date, as the build writes them
            return answer | {"basis": "dataset", "definedIn": defined_in(vocab.GRAPH_META)}
        seen = seen | {terms}
        premises = [] if len(seen) > _DEPTH else sorted(
            (self._premises(_DERIVED_FROM, terms) or self._premises(_RULE_READ, terms)
             or self._premises(_ENTAILED_FROM, terms)) - seen, key=str)
        answer |= {"basis": "derived", "derivedFrom": [self.explain(premise, seen) for premise in premises]}
        if not premises:  # an axiom of the rules themselves (OWL 2 RL's, or the build's)
            answer["definedIn"] = self._defined_in(terms)
            answer["rule"] = ("an axiom of OWL 2 RL over the ontology" if answer["definedIn"].startswith("ontology/")
                              else "a rule of the build")
        return answer

    def _rule(self, terms) -> str | None:
        found = [row["rule"].value for row in self.dataset.query(_bind(_RULE, *terms))]
        return min(found) if found else None

    def _graphs(self, terms) -> list[str]:
        return sorted(row["g"].value for row in self.dataset.query(_bind(_GRAPHS, *terms)))

    def _defined_in(self, terms) -> str:
        graphs = self._graphs(terms)
        stated = [g for g in graphs if g not in (vocab.GRAPH_INFERRED, vocab.GRAPH_DERIVED)]
        return defined_in((stated or graphs or [vocab.GRAPH_INFERRED])[0])

    def quotes_about(self, subject) -> dict[tuple[str, object], list[dict]]:
        """(predicate IRI, object) -> the quotations (or registry rows, with their `line`) each
        statement about `subject` rests on, in one query: what a resource page shows beside each
        of its facts."""
        found: dict[tuple[str, object], list[dict]] = {}
        for row in self.dataset.query(_bind(_QUOTES_ABOUT, subject, None, None)):
            source = {"iri": row["iri"].value, "title": _value(row["title"]) or row["iri"].value,
                      "quote": row["quote"].value}
            if row["line"] is not None:
                source["line"] = int(row["line"].value)
            found.setdefault((row["p"].value, row["o"]), []).append(source)
        return found

    def why(self, s: str, p: str, o: str) -> dict:
        """The contract's answer for one triple given as text; raises UnknownStatement or BadStatement."""
        terms = parse_term(s, "s"), parse_term(p, "p"), parse_term(o, "o")
        if not self._ask(_HOLDS, *terms):
            raise UnknownStatement(f"the dataset does not hold the statement {s} {p} {o}")
        return self.explain(terms)


def _bind(query: str, s, p, o) -> str:
    """The query with $s, $p, $o replaced by the terms in SPARQL syntax, in one pass."""
    terms = {"s": str(s), "p": str(p), "o": str(o)}
    return vocab.sparql_prologue() + re.sub(r"\$([spo])\b", lambda m: terms[m.group(1)], query)


def _value(term) -> str | None:
    return term.value if term is not None else None


def _show(term) -> str:
    """An IRI as itself, a literal in N-Triples syntax (as the request gives it)."""
    return term.value if isinstance(term, ox.NamedNode) else str(term)
