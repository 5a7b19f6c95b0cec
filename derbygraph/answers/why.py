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

import pyoxigraph as ox

from derbygraph import deadline, resources, vocab
from derbygraph.errors import BadInput, NotFound


class UnknownStatement(NotFound):
    """The dataset does not hold the statement asked about."""


class BadStatement(BadInput):
    """The subject, predicate or object given is not an IRI or literal; str() is for the user."""


# Premises are followed down to words or rows; a chain longer than this is cut (none is near it).
_DEPTH = 12
# The graphs of what the dataset infers or derives, or writes of itself: a statement only in them
# is not asserted.
_NOT_ASSERTED = frozenset({vocab.GRAPH_INFERRED, vocab.GRAPH_DERIVED, vocab.GRAPH_META})


def defined_in(graph: str) -> str:
    """The file of this dataset a named graph holds (`data/lineage.ttl`), or the graph itself for
    a file given with --data."""
    if graph == vocab.GRAPH_ONTOLOGY:
        return "ontology/" + resources.ontology_file().name
    if graph.startswith(vocab.GRAPH_DATA):
        return "data/" + graph[len(vocab.GRAPH_DATA):] + ".ttl"
    if graph == vocab.GRAPH_DERIVED:
        return "derbygraph/build/derive.py"
    if graph == vocab.GRAPH_META:  # the dataset's version and date, written by the build
        return "derbygraph/build/pipeline.py"
    if graph == vocab.GRAPH_INFERRED:
        return "ontology/" + resources.ontology_file().name
    return graph


def _defined_in(graphs: list[str]) -> str:
    """The file that writes a statement held in `graphs` (sorted): the first graph that states it,
    else the graph that infers or derives it."""
    stated = [g for g in graphs if g not in (vocab.GRAPH_INFERRED, vocab.GRAPH_DERIVED)]
    return defined_in((stated or graphs or [vocab.GRAPH_INFERRED])[0])


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

    def explain(self, terms: tuple, seen: frozenset = frozenset()) -> dict:
        """The statement with its basis: its sources, or what it was derived from (each explained
        in turn), or the file of this dataset that writes it."""
        return self._explain(terms, seen, {})

    def _explain(self, terms: tuple, seen: frozenset, known: dict) -> dict:
        """`explain`, with `known` what was read of each statement of this answer: a premise
        reached by two paths is read once."""
        deadline.check()  # a few queries per statement; a long derivation stops at the deadline
        if terms not in known:
            known[terms] = self._read(terms)
        answer, graphs, premises = known[terms]
        if premises is None:  # words, rows or this dataset: the basis does not depend on the path
            return answer
        seen = seen | {terms}
        premises = [] if len(seen) > _DEPTH else sorted(premises - seen, key=str)
        answer = answer | {"basis": "derived", "derivedFrom": [self._explain(p, seen, known) for p in premises]}
        if not premises:  # an axiom of the rules themselves (OWL 2 RL's, or the build's)
            answer["definedIn"] = _defined_in(graphs)
            answer["rule"] = ("an axiom of OWL 2 RL over the ontology" if answer["definedIn"].startswith("ontology/")
                              else "a rule of the build")
        return answer

    def _read(self, terms) -> tuple[dict, list[str], set | None]:
        """What the dataset says of one statement, whatever the path to it: its answer (whole where
        the basis is words, rows or this dataset), the named graphs that hold it, and for a derived
        statement the statements it follows from (else None)."""
        graphs, sources = self._statement(terms)
        s, p, o = terms
        asserted = any(g not in _NOT_ASSERTED for g in graphs)
        answer = {"statement": {"s": s.value, "p": p.value, "o": _show(o)}, "asserted": asserted, "sources": sources}
        if asserted:
            if any("record" not in source for source in sources):
                return answer | {"basis": "words"}, graphs, None
            if sources:
                return answer | {"basis": "registry"}, graphs, None
            rule = self._rule(terms)
            if rule is not None:  # given by a rule this dataset states, from the words it reads
                return answer | {"basis": "dataset", "rule": rule, "definedIn": "data/rules.ttl"}, graphs, None
            return answer | {"basis": "dataset", "definedIn": _defined_in(graphs)}, graphs, None
        if graphs == [vocab.GRAPH_META]:  # the dataset's version and date, as the build writes them
            return answer | {"basis": "dataset", "definedIn": defined_in(vocab.GRAPH_META)}, graphs, None
        return answer, graphs, (self._premises("why-derived-from", terms) or self._premises("why-rule-read", terms)
                                or self._premises("why-entailed-from", terms))

    def _statement(self, terms) -> tuple[list[str], list[dict]]:
        """The named graphs that hold the statement, and its sources, in one query."""
        graphs, sources = [], []
        for row in self.dataset.query(_bind("why-statement", *terms)):
            if row["g"] is not None:
                graphs.append(row["g"].value)
                continue
            source = {"iri": row["iri"].value, "title": _value(row["title"]) or row["iri"].value,
                      "quote": row["quote"].value}
            if row["record"] is not None:
                line = _value(row["line"])
                source.update(record=row["record"].value, line=int(line) if line else None)
            sources.append(source)
        return sorted(graphs), sorted(sources, key=lambda x: (x["iri"], x.get("line") or 0, x["quote"]))

    def _premises(self, query: str, terms) -> set:
        return {(r["s1"], r["p1"], r["o1"]) for r in self.dataset.query(_bind(query, *terms))}

    def _rule(self, terms) -> str | None:
        found = [row["rule"].value for row in self.dataset.query(_bind("why-rule", *terms))]
        return min(found) if found else None

    def quotes_about(self, subject) -> dict[tuple[str, object], list[dict]]:
        """(predicate IRI, object) -> the quotations (or registry rows, with their `line`) each
        statement about `subject` rests on, in one query: what a resource page shows beside each
        of its facts."""
        found: dict[tuple[str, object], list[dict]] = {}
        for row in self.dataset.query(_bind("why-quotes-about", subject, None, None)):
            source = {"iri": row["iri"].value, "title": _value(row["title"]) or row["iri"].value,
                      "quote": row["quote"].value}
            if row["line"] is not None:
                source["line"] = int(row["line"].value)
            found.setdefault((row["p"].value, row["o"]), []).append(source)
        return found

    def why(self, s: str, p: str, o: str) -> dict:
        """The contract's answer for one triple given as text; raises UnknownStatement or BadStatement."""
        terms = parse_term(s, "s"), parse_term(p, "p"), parse_term(o, "o")
        if not self.dataset.query(_bind("why-holds", *terms)):
            raise UnknownStatement(f"the dataset does not hold the statement {s} {p} {o}")
        return self.explain(terms)


def _bind(query: str, s, p, o) -> str:
    """The query `query` (why-*.rq) with $s, $p, $o the terms in SPARQL syntax."""
    return resources.sparql(__file__, query, s=str(s), p=str(p), o=str(o))


def _value(term) -> str | None:
    return term.value if term is not None else None


def _show(term) -> str:
    """An IRI as itself, a literal in N-Triples syntax (as the request gives it)."""
    return term.value if isinstance(term, ox.NamedNode) else str(term)
