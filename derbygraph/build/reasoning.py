"""OWL 2 RL materialisation, once at build time, into a graph of its own.

Queries for org:Organization, org:ChangeEvent or org:hasSite then find what the data states
with more specific terms, and `GRAPH <.../graph/inferred>` still tells inferred from asserted.

The schema (every subclass, subproperty, domain, range, inverse, equivalence and property
characteristic, from whichever graph states it) is small whatever the data: owlrl closes it.
The instance rules that schema calls for (prp-spo1, prp-eqp, prp-inv, prp-symp, prp-trp,
prp-dom, prp-rng, cax-sco, cax-eqc) then each have one premise, so the consequences of a
triple are read off tables of the closed schema and streamed into the store a property at a
time; only a transitive property joins triples, closed over its own edges. Memory is the
store's, a batch of additions and the edges of one transitive property. Schemas that need more
of OWL 2 RL (class expressions, property chains, keys, owl:sameAs, blank nodes as classes or
properties, subclasses of OWL's own classes), and data that does (a functional property with
two values, which makes nodes equal; a literal value of an inverse property, which owlrl turns
into a triple with a literal subject that no store holds), are closed by owlrl over the whole
graph instead: slower, the same.
Either way the entailments are those owlrl gives on the whole graph (a test checks this).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from pathlib import Path

import owlrl
import pyoxigraph as ox
import rdflib
import rdflib.exceptions
from owlrl.Namespaces import ERRNS
from rdflib.namespace import OWL, RDF, RDFS, XSD

from derbygraph import resources, vocab

_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_NOISE_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
_INFERRED_GRAPH, _DEFAULT_GRAPH = ox.NamedNode(vocab.GRAPH_INFERRED), ox.DefaultGraph()
# RDF's classes no OWL 2 RL rule reads: a subclass of them is data, not schema.
_INERT_CLASSES = {RDF.Statement, RDF.List, RDF.Property, RDF.Bag, RDF.Seq, RDF.Alt}


def _to_rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def to_ox_term(term):
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def to_rdflib(quads) -> rdflib.Graph:
    """The triples of `quads` as an rdflib graph, graph names dropped and blank nodes kept."""
    graph = rdflib.Graph()
    for quad in quads:
        graph.add((_to_rdflib_term(quad.subject), _to_rdflib_term(quad.predicate), _to_rdflib_term(quad.object)))
    return graph


def asserted_graph(store: ox.Store) -> rdflib.Graph:
    return to_rdflib(quad for quad in store if quad.graph_name not in (_INFERRED_GRAPH, _DEFAULT_GRAPH))


def _trivial(s, p, o) -> bool:
    """x sameAs x, x a owl:Thing, a literal subject: true of everything, or storable by nothing."""
    return (isinstance(s, rdflib.Literal) or (p in _REFLEXIVE and s == o)
            or (p == RDF.type and (o in _NOISE_OBJECTS or (isinstance(o, rdflib.URIRef) and str(o).startswith(str(RDFS))))))


def _worth_keeping(s, p, o) -> bool:
    """Drop the closure's bookkeeping: the trivial, and facts about RDF/OWL themselves."""
    return not (_trivial(s, p, o) or str(s).startswith(_BUILTIN))


def closure(asserted: rdflib.Graph) -> rdflib.Graph:
    """`asserted` and its OWL 2 RL consequences, the trivial ones left out.

    owlrl also writes what it finds inconsistent (two classes declared disjoint sharing a member)
    into the graph, as err:ErrorMessage nodes: reports, not consequences, left out (the shapes
    are where the data is judged)."""
    closed = rdflib.Graph()
    for triple in asserted:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    reports = set(closed.subjects(RDF.type, ERRNS.ErrorMessage))
    for triple in list(closed):
        if triple[0] in reports or _trivial(*triple):
            closed.remove(triple)
    return closed


def _closed_schema(schema: rdflib.Graph) -> rdflib.Graph:
    """`closure(schema)`, kept in the user's cache under the digest of the schema, of owlrl and
    rdflib's versions and of this module (whose filters shape the closure): owlrl takes 1.5 s over
    the built-in schema's 900 triples (2.5 s with the registry's), the same on every build of the
    same sources. A schema with blank nodes is closed each time: a parse gives them new labels,
    so no two builds would share a digest."""
    if any(isinstance(term, rdflib.BNode) for triple in schema for term in triple):
        return closure(schema)
    lines = "".join(sorted(_n_triples(schema).splitlines(keepends=True)))
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    kept = resources.cache_file("schema-closure", f"{lines}owlrl {owlrl.__version__} rdflib {rdflib.__version__} {code}")
    text = resources.read_cache_file(kept) if kept else None
    if text is not None:
        with contextlib.suppress(ValueError, rdflib.exceptions.ParserError):
            return rdflib.Graph().parse(data=text, format="nt")
    closed = closure(schema)
    if kept:
        resources.write_cache_file(kept, _n_triples(closed))
    return closed


def _n_triples(graph: rdflib.Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


def _new(closed: rdflib.Graph, asserted: rdflib.Graph) -> rdflib.Graph:
    """What `closed` adds to `asserted` that is worth keeping."""
    added = rdflib.Graph()
    for triple in closed:
        if triple not in asserted and _worth_keeping(*triple):
            added.add(triple)
    return added


def entailments(asserted: rdflib.Graph) -> rdflib.Graph:
    """The OWL 2 RL consequences of `asserted` that it does not already state."""
    return _new(closure(asserted), asserted)


_SCHEMA_TERMS = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf,
                 OWL.equivalentClass, OWL.equivalentProperty)
# What the bulk rules do not cover: any of it in the schema sends the closure to owlrl.
_BEYOND_BULK = (OWL.sameAs, OWL.differentFrom, OWL.propertyChainAxiom, OWL.hasKey, OWL.intersectionOf,
                OWL.unionOf, OWL.complementOf, OWL.oneOf, OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue,
                OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.cardinality, OWL.onProperty,
                OWL.members, OWL.distinctMembers, OWL.sourceIndividual)
_TYPE = ox.NamedNode(str(RDF.type))
_BATCH = 100_000  # entailed triples added at once


def _iri(term) -> str:
    return f"<{term}>"


def schema_graph(store: ox.Store) -> rdflib.Graph:
    """The ontology graph, and every schema statement any other graph makes. A typing with one of
    RDF's inert classes is data (the registry's 1,532 reified records, each `rdf:Statement`): in
    the schema it would only slow its closure and, being on blank nodes, keep it from the cache."""
    graph = to_rdflib(store.quads_for_pattern(None, None, None, ox.NamedNode(vocab.GRAPH_ONTOLOGY)))
    for term in _SCHEMA_TERMS + _BEYOND_BULK:
        graph += to_rdflib(store.quads_for_pattern(None, ox.NamedNode(str(term)), None, None))
    inert = {str(c) for c in _INERT_CLASSES}
    for quad in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), None, None):
        if isinstance(quad.object, ox.NamedNode) and quad.object.value.startswith(_BUILTIN) \
                and quad.object.value not in inert:
            graph += to_rdflib([quad])
    return graph


class BulkRules:
    """The instance rules a closed schema calls for, as tables of terms.

    `closed` is the whole closure of the schema, facts about RDF and OWL terms included
    (rdfs:label equivalent to ex:name makes ex:name values of labels)."""

    def __init__(self, closed: rdflib.Graph):
        def pairs(predicate):
            return {(a, b) for a, b in closed.subject_objects(predicate)
                    if a != b and isinstance(a, rdflib.URIRef) and isinstance(b, rdflib.URIRef)}

        def typed(kind):
            return {p for p in closed.subjects(RDF.type, kind) if isinstance(p, rdflib.URIRef)}

        self.subproperties = pairs(RDFS.subPropertyOf)
        inverses = set(closed.subject_objects(OWL.inverseOf))
        self.inverses = inverses | {(b, a) for a, b in inverses} | {(p, p) for p in typed(OWL.SymmetricProperty)}
        self.transitive = typed(OWL.TransitiveProperty)
        self.functional = typed(OWL.FunctionalProperty)
        self.inverse_functional = typed(OWL.InverseFunctionalProperty)
        self.domains = {(p, c) for p, c in closed.subject_objects(RDFS.domain) if _kept_type(c)}
        self.ranges = {(p, c) for p, c in closed.subject_objects(RDFS.range) if _kept_type(c)}
        self.subclasses = {(c, d) for c, d in pairs(RDFS.subClassOf) if _kept_type(d)}
        self.beyond = sorted({str(p) for p in _BEYOND_BULK if (None, p, None) in closed} | self._odd(closed))

    def _odd(self, closed: rdflib.Graph) -> set[str]:
        """Schemas the tables cannot hold: a blank node or literal where a class or property goes,
        and consequences for the data that would be schema again (rdf:type or owl:sameAs with a
        subproperty, inverse, domain or range; a domain of owl:Class; a subclass of
        owl:TransitiveProperty...), which the bulk rules do not feed back."""
        vocabulary = {str(t) for t in _SCHEMA_TERMS + _BEYOND_BULK} | {str(RDF.type)}
        properties = {str(t) for pair in self.subproperties | self.inverses for t in pair} | \
            {str(t) for t in self.transitive} | {str(p) for p, _ in self.domains | self.ranges}
        odd = {f"{p} in an instance rule" for p in properties & vocabulary}
        for term in _SCHEMA_TERMS:
            if any(not isinstance(t, rdflib.URIRef) for pair in closed.subject_objects(term) for t in pair):
                odd.add(f"a blank node or literal in {term}")
        classes = itertools.chain(closed.subject_objects(RDFS.domain), closed.subject_objects(RDFS.range),
                                  closed.subject_objects(RDFS.subClassOf))
        for s, c in classes:  # (owlrl's owl:Nothing rdfs:subClassOf C, for every class C, is no such thing)
            if str(c).startswith((str(RDF), str(OWL))) and _kept_type(c) and c not in _INERT_CLASSES \
                    and not str(s).startswith(_BUILTIN):
                odd.add(f"domain, range or superclass {c}")
        return odd

    def property_steps(self, literal_object: bool = False) -> dict[ox.NamedNode, list[tuple[ox.NamedNode, bool]]]:
        """For each property p, every (q, flipped) a triple (s p o) entails through subproperties and
        inverses: (s q o), or (o q s) when flipped. A literal object admits no flip: a triple with
        a literal subject cannot be stored, so a path through one stops here; owlrl would go on,
        but `beyond_data` finds any literal value of an inverse property and hands owlrl the data."""
        up, across = _adjacency(self.subproperties), _adjacency(self.inverses)

        def step(state):
            q, flipped = state
            yield from ((r, flipped) for r in up.get(q, ()))
            if not literal_object:
                yield from ((r, not flipped) for r in across.get(q, ()))

        return {_node(p): [(_node(q), flipped) for q, flipped in _reachable((p, False), step)]
                for p in set(up) | (set() if literal_object else set(across))}

    def superclasses(self) -> dict[ox.NamedNode, list[ox.NamedNode]]:
        """Every class's superclasses, transitively."""
        up = _adjacency(self.subclasses)
        return {_node(c): [_node(d) for d in _reachable(c, lambda c: up.get(c, ()))] for c in up}

    def typing(self, supers: dict) -> dict[ox.NamedNode, tuple[set, set]]:
        """For each property with a domain or range, the classes of its subjects and of its
        objects, superclasses (`supers`, from `superclasses`) included."""

        def closed(classes) -> set:
            return {t for c in map(_node, classes) for t in (c, *supers.get(c, ()))}

        return {_node(p): (closed(c for q, c in self.domains if q == p), closed(c for q, c in self.ranges if q == p))
                for p in {p for p, _ in self.domains | self.ranges}}

    def beyond_data(self) -> str:
        """SPARQL ASK: does the data need owlrl after all? Two values of a functional property (or
        two holders of an inverse functional one) make nodes owl:sameAs; a literal value of an
        inverse or symmetric property makes a triple with a literal subject, which owlrl keeps as
        a premise (a transitive chain through it, a range of the inverse) and a store cannot."""
        tests = []
        if self.functional:
            tests.append(f"{{ VALUES ?p {{ {_terms(self.functional)} }} ?x ?p ?a, ?b FILTER (!sameTerm(?a, ?b)) }}")
        if self.inverse_functional:
            tests.append(f"{{ VALUES ?p {{ {_terms(self.inverse_functional)} }} ?a ?p ?x . ?b ?p ?x "
                         "FILTER (!sameTerm(?a, ?b)) }")
        if self.inverses:
            tests.append(f"{{ VALUES ?p {{ {_terms(p for p, _ in self.inverses)} }} ?x ?p ?v FILTER isLiteral(?v) }}")
        return f"ASK {{ {' UNION '.join(tests)} }}" if tests else ""


def _terms(terms) -> str:
    return " ".join(map(_iri, sorted(set(terms))))


def _node(iri: rdflib.URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _adjacency(pairs) -> dict:
    found: dict = {}
    for a, b in pairs:
        found.setdefault(a, set()).add(b)
    return found


def _reachable(start, step) -> set:
    """Every state `step` leads to from `start`, in any number of steps (start itself only
    through a cycle)."""
    seen, todo = set(), [start]
    while todo:
        for state in step(todo.pop()):
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return seen


def _kept_type(cls) -> bool:
    return isinstance(cls, rdflib.URIRef) and _worth_keeping(rdflib.URIRef("urn:x"), RDF.type, cls)


def _drop_bookkeeping(store: ox.Store) -> None:
    """Remove from the inferred graph (and so from the union) what `_worth_keeping` drops:
    the rules needed it as a premise, the graph has no use for it."""
    builtin = " || ".join(f'STRSTARTS(STR(?s), "{ns}")' for ns in _BUILTIN)
    reflexive = " ".join(_iri(p) for p in sorted(_REFLEXIVE))
    noise = " ".join(_iri(o) for o in sorted(_NOISE_OBJECTS))
    store.update(f"""DELETE {{ ?s ?p ?o . GRAPH {_INFERRED_GRAPH} {{ ?s ?p ?o }} }}
        WHERE {{ GRAPH {_INFERRED_GRAPH} {{ ?s ?p ?o }}
                 FILTER ({builtin} || (?p IN ({reflexive.replace(' ', ', ')}) && sameTerm(?s, ?o))
                         || (sameTerm(?p, rdf:type) && (?o IN ({noise.replace(' ', ', ')})
                             || (isIRI(?o) && STRSTARTS(STR(?o), "{RDFS}"))))) }}""",
                 prefixes={"rdf": str(RDF)})


class _Additions:
    """Entailed triples the store does not hold yet, added to the union and the inferred graph a
    batch at a time."""

    def __init__(self, store: ox.Store):
        self.store, self.pending, self.count = store, set(), 0

    def add(self, s, p, o) -> None:
        if (s, p, o) not in self.pending and ox.Quad(s, p, o) not in self.store:
            self.pending.add((s, p, o))
            if len(self.pending) >= _BATCH:
                self.flush()

    def flush(self) -> None:
        self.store.bulk_extend(itertools.chain((ox.Quad(s, p, o, _INFERRED_GRAPH) for s, p, o in self.pending),
                                               (ox.Quad(s, p, o) for s, p, o in self.pending)))
        self.count += len(self.pending)
        self.pending = set()


def _in_bulk(store: ox.Store, rules: BulkRules, schema_entailments: rdflib.Graph) -> bool:
    """Apply `rules` to the store's triples, streamed a property at a time; False (and the store
    as it was) if the data needs owlrl.

    Each rule has one premise once the schema is closed, so a triple's consequences are worked out
    from tables at once (`BulkRules.property_steps`, `typing`, `superclasses`), not by rounds of
    joins: only a transitive property joins triples, and it is closed over its own edges. A read
    sees the store as it was when it began (pyoxigraph's repeatable read), so the rules can add
    while they read."""
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")  # the union, which the rules read
    added = _Additions(store)
    entailed = [tuple(to_ox_term(t) for t in triple) for triple in schema_entailments]
    for triple in entailed:
        added.add(*triple)
    added.flush()
    steps, literal_steps = rules.property_steps(), rules.property_steps(literal_object=True)

    def entail(s, p, o) -> None:
        for q, flipped in (literal_steps if isinstance(o, ox.Literal) else steps).get(p, ()):
            added.add(*((o, q, s) if flipped else (s, q, o)))

    for predicate in steps:  # premises: what the sources state and the schema entails
        for quad in store.quads_for_pattern(None, predicate, None, None):
            if quad.graph_name not in (_DEFAULT_GRAPH, _INFERRED_GRAPH):
                entail(quad.subject, predicate, quad.object)
        for s, p, o in entailed:
            if p == predicate:
                entail(s, p, o)
        added.flush()
    _close_transitive(store, [_node(p) for p in sorted(rules.transitive)], added, entail)
    superclasses = rules.superclasses()
    for quad in store.quads_for_pattern(None, _TYPE, None, _DEFAULT_GRAPH):
        for c in superclasses.get(quad.object, ()):
            added.add(quad.subject, _TYPE, c)
    added.flush()
    for predicate, (subject_classes, object_classes) in rules.typing(superclasses).items():
        for quad in store.quads_for_pattern(None, predicate, None, _DEFAULT_GRAPH):
            for c in subject_classes:
                added.add(quad.subject, _TYPE, c)
            if not isinstance(quad.object, ox.Literal):
                for c in object_classes:
                    added.add(quad.object, _TYPE, c)
        added.flush()
    ask = rules.beyond_data()
    if ask and store.query(ask):
        store.clear_graph(_DEFAULT_GRAPH)
        store.remove_graph(_INFERRED_GRAPH)
        return False
    _drop_bookkeeping(store)
    return True


def _close_transitive(store: ox.Store, transitive: list, added: _Additions, entail) -> None:
    """Add every edge a chain of each transitive property's edges implies, and its consequences
    (a subproperty or inverse may be transitive too: rounds until one adds nothing)."""
    while transitive:
        before = added.count
        for p in transitive:
            edges = _adjacency((quad.subject, quad.object)
                               for quad in store.quads_for_pattern(None, p, None, _DEFAULT_GRAPH))
            for a in edges:
                for c in _reachable(a, lambda node: edges.get(node, ())):
                    if ox.Quad(a, p, c) not in store:
                        added.add(a, p, c)
                        entail(a, p, c)
            added.flush()
        if added.count == before:
            return


def materialise(store: ox.Store) -> int:
    """Replace the store's inferred graph with the entailments of everything else in it.

    The default graph is left holding the union of all graphs (asserted and inferred).
    """
    if store.contains_named_graph(_INFERRED_GRAPH):
        store.remove_graph(_INFERRED_GRAPH)
    store.clear_graph(_DEFAULT_GRAPH)
    schema = schema_graph(store)
    closed = _closed_schema(schema)
    rules = BulkRules(closed)
    if rules.beyond or not _in_bulk(store, rules, _new(closed, schema)):
        store.bulk_extend(ox.Quad(*(to_ox_term(t) for t in triple), _INFERRED_GRAPH)
                          for triple in entailments(asserted_graph(store)))
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return sum(1 for _ in store.quads_for_pattern(None, None, None, _INFERRED_GRAPH))
