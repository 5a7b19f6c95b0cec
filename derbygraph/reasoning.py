"""OWL 2 RL materialisation, once at build time, into a graph of its own.

Queries for org:Organization, org:ChangeEvent or org:hasSite then find what the data states
with more specific terms, and `GRAPH <.../graph/inferred>` still tells inferred from asserted.

The schema (every subclass, subproperty, domain, range, inverse, equivalence and property
characteristic, from whichever graph states it) is small whatever the data: owlrl closes it.
The instance rules that schema calls for (prp-spo1, prp-eqp, prp-inv, prp-symp, prp-trp,
prp-dom, prp-rng, cax-sco, cax-eqc) are then applied in bulk inside the store, as SPARQL
updates over the union of the graphs, each round reading only what the last one added, to a
fixpoint: memory stays that of the store itself. Schemas that need more of OWL 2 RL (class
expressions, property chains, keys, owl:sameAs), and data that does (a functional property with
two values, which makes nodes equal; a literal value of an inverse property, which owlrl turns
into a triple with a literal subject that no store holds), are closed by owlrl over the whole
graph instead: slower, the same.
Either way the entailments are those owlrl gives on the whole graph (a test checks this).
"""

from __future__ import annotations

import itertools

import owlrl
from owlrl.Namespaces import ERRNS
import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from . import vocab

_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_NOISE_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}


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
    inferred = ox.NamedNode(vocab.GRAPH_INFERRED)
    return to_rdflib(q for q in store if q.graph_name != inferred and not isinstance(q.graph_name, ox.DefaultGraph))


def _worth_keeping(s, p, o) -> bool:
    """Drop the closure's bookkeeping: facts about RDF/OWL themselves, x sameAs x, x a owl:Thing."""
    if isinstance(s, rdflib.Literal) or str(s).startswith(_BUILTIN):
        return False
    if p in _REFLEXIVE and s == o:
        return False
    if p == RDF.type and o in _NOISE_OBJECTS:
        return False
    return not (p == RDF.type and isinstance(o, rdflib.URIRef) and str(o).startswith(str(RDFS)))


def entailments(asserted: rdflib.Graph) -> rdflib.Graph:
    """The OWL 2 RL consequences of `asserted` that it does not already state.

    owlrl also writes what it finds inconsistent (two classes declared disjoint sharing a member)
    into the graph, as err:ErrorMessage nodes: reports, not consequences, left out (the shapes
    are where the data is judged)."""
    closure = rdflib.Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    reports = set(closure.subjects(RDF.type, ERRNS.ErrorMessage))
    inferred = rdflib.Graph()
    for triple in closure:
        if triple not in asserted and triple[0] not in reports and _worth_keeping(*triple):
            inferred.add(triple)
    return inferred


_SCHEMA_TERMS = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf,
                 OWL.equivalentClass, OWL.equivalentProperty)
# What the bulk rules do not cover: any of it in the schema sends the closure to owlrl.
_BEYOND_BULK = (OWL.sameAs, OWL.differentFrom, OWL.propertyChainAxiom, OWL.hasKey, OWL.intersectionOf,
                OWL.unionOf, OWL.complementOf, OWL.oneOf, OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue,
                OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.cardinality, OWL.onProperty,
                OWL.members, OWL.distinctMembers, OWL.sourceIndividual)
_INFERRED = f"<{vocab.GRAPH_INFERRED}>"
_DELTA, _NEXT = "<urn:derbygraph:reasoning:delta>", "<urn:derbygraph:reasoning:next>"


def _iri(term) -> str:
    return f"<{term}>"


def schema_graph(store: ox.Store) -> rdflib.Graph:
    """The ontology graph, and every schema statement any other graph makes."""
    graph = to_rdflib(store.quads_for_pattern(None, None, None, ox.NamedNode(vocab.GRAPH_ONTOLOGY)))
    for term in _SCHEMA_TERMS + _BEYOND_BULK:
        graph += to_rdflib(store.quads_for_pattern(None, ox.NamedNode(str(term)), None, None))
    for quad in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), None, None):
        if isinstance(quad.object, ox.NamedNode) and quad.object.value.startswith(_BUILTIN):
            graph += to_rdflib([quad])
    return graph


class BulkRules:
    """The instance rules a closed schema calls for, as tables of terms."""

    def __init__(self, closed: rdflib.Graph):
        def pairs(predicate):
            return {(a, b) for a, b in closed.subject_objects(predicate)
                    if a != b and isinstance(a, rdflib.URIRef) and isinstance(b, rdflib.URIRef)}

        def typed(kind):
            return {p for p in closed.subjects(RDF.type, kind) if isinstance(p, rdflib.URIRef)}

        self.subproperties = pairs(RDFS.subPropertyOf)
        inverses = {(a, b) for a, b in closed.subject_objects(OWL.inverseOf) if isinstance(a, rdflib.URIRef)}
        self.inverses = inverses | {(b, a) for a, b in inverses} | {(p, p) for p in typed(OWL.SymmetricProperty)}
        self.transitive = typed(OWL.TransitiveProperty)
        self.functional = typed(OWL.FunctionalProperty)
        self.inverse_functional = typed(OWL.InverseFunctionalProperty)
        self.domains = {(p, c) for p, c in closed.subject_objects(RDFS.domain) if _kept_type(c)}
        self.ranges = {(p, c) for p, c in closed.subject_objects(RDFS.range) if _kept_type(c)}
        self.subclasses = {(c, d) for c, d in pairs(RDFS.subClassOf) if _kept_type(d)}
        self.beyond = sorted({str(p) for p in _BEYOND_BULK if (None, p, None) in closed} | self._odd(closed))

    def _odd(self, closed: rdflib.Graph) -> set[str]:
        """Schemas whose consequences for the data would be schema again (rdf:type as a
        subproperty, a domain of owl:Class...), which the bulk rules do not feed back."""
        vocabulary = {str(t) for t in _SCHEMA_TERMS} | {str(RDF.type)}
        properties = {str(t) for pair in self.subproperties | self.inverses for t in pair} | {str(t) for t in self.transitive}
        odd = {f"{p} used as an instance property" for p in properties & vocabulary}
        for _, c in itertools.chain(closed.subject_objects(RDFS.domain), closed.subject_objects(RDFS.range)):
            if str(c).startswith((str(RDF), str(OWL))) and _kept_type(c):
                odd.add(f"domain or range {c}")
        return odd

    def property_round(self, source: str) -> str:
        """SPARQL Update: what one round of the property rules concludes from `source`'s triples,
        added to the union, the inferred graph and the next round's source, unless already known."""
        read = (lambda pattern: f"{pattern} .") if source == "DEFAULT" else (lambda pattern: f"GRAPH {source} {{ {pattern} }}")
        branches = []
        if self.subproperties:
            branches.append(f"{{ VALUES (?p ?q) {{ {_rows(self.subproperties)} }} {read('?s ?p ?o')} }}")
        if self.inverses:
            branches.append(f"{{ VALUES (?p ?q) {{ {_rows(self.inverses)} }} {read('?o ?p ?s')} }}")
        if self.transitive:
            values = f"VALUES ?q {{ {_terms(self.transitive)} }}"
            branches.append(f"{{ {values} {read('?s ?q ?m')} ?m ?q ?o }}")
            if source != "DEFAULT":
                branches.append(f"{{ {values} ?s ?q ?m {read('?m ?q ?o')} }}")
        if not branches:
            return ""
        return (f"INSERT {{ ?s ?q ?o . GRAPH {_INFERRED} {{ ?s ?q ?o }} GRAPH {_NEXT} {{ ?s ?q ?o }} }}\n"
                f"WHERE {{ {' UNION '.join(branches)} FILTER (!isLiteral(?s) && NOT EXISTS {{ ?s ?q ?o }}) }}")

    def types(self) -> list[str]:
        """SPARQL Updates: the classes of subjects and objects (domain, range), then their superclasses."""
        updates = []
        typed = []
        if self.domains:
            typed.append(f"{{ VALUES (?p ?c) {{ {_rows(self.domains)} }} ?x ?p ?o }}")
        if self.ranges:
            typed.append(f"{{ VALUES (?p ?c) {{ {_rows(self.ranges)} }} ?s ?p ?x FILTER (!isLiteral(?x)) }}")
        if typed:
            updates.append(_insert_types(" UNION ".join(typed)))
        if self.subclasses:
            updates.append(_insert_types(f"VALUES (?t ?c) {{ {_rows(self.subclasses)} }} ?x a ?t"))
        return updates

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


def _rows(pairs) -> str:
    return " ".join(f"({_iri(a)} {_iri(b)})" for a, b in sorted(pairs))


def _insert_types(where: str) -> str:
    return (f"INSERT {{ ?x a ?c . GRAPH {_INFERRED} {{ ?x a ?c }} }}\n"
            f"WHERE {{ {where} FILTER NOT EXISTS {{ ?x a ?c }} }}")


def _kept_type(cls) -> bool:
    return isinstance(cls, rdflib.URIRef) and _worth_keeping(rdflib.URIRef("urn:x"), RDF.type, cls)


def _drop_bookkeeping(store: ox.Store) -> None:
    """Remove from the inferred graph (and so from the union) what `_worth_keeping` drops:
    the rules needed it as a premise, the graph has no use for it."""
    builtin = " || ".join(f'STRSTARTS(STR(?s), "{ns}")' for ns in _BUILTIN)
    reflexive = " ".join(_iri(p) for p in sorted(_REFLEXIVE))
    noise = " ".join(_iri(o) for o in sorted(_NOISE_OBJECTS))
    store.update(f"""DELETE {{ ?s ?p ?o . GRAPH {_INFERRED} {{ ?s ?p ?o }} }}
        WHERE {{ GRAPH {_INFERRED} {{ ?s ?p ?o }}
                 FILTER ({builtin} || (?p IN ({reflexive.replace(' ', ', ')}) && sameTerm(?s, ?o))
                         || (sameTerm(?p, rdf:type) && (?o IN ({noise.replace(' ', ', ')})
                             || (isIRI(?o) && STRSTARTS(STR(?o), "{RDFS}"))))) }}""",
                 prefixes={"rdf": str(RDF)})


def _in_bulk(store: ox.Store, rules: BulkRules, schema_entailments: rdflib.Graph) -> bool:
    """Apply `rules` inside the store; False (and the store as it was) if the data needs owlrl."""
    graph = ox.NamedNode(vocab.GRAPH_INFERRED)
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")  # the union, which the rules read
    for triple in schema_entailments:
        quad = ox.Quad(*(to_ox_term(t) for t in triple), ox.DefaultGraph())
        if quad not in store:
            store.add(quad)
            store.add(ox.Quad(quad.subject, quad.predicate, quad.object, graph))
    source = "DEFAULT"
    while update := rules.property_round(source):
        store.update(update)
        if source != "DEFAULT":
            store.remove_graph(ox.NamedNode(source[1:-1]))
        if not store.contains_named_graph(ox.NamedNode(_NEXT[1:-1])):
            break
        store.update(f"MOVE {_NEXT} TO {_DELTA}")
        source = _DELTA
    for update in rules.types():
        store.update(update)
    ask = rules.beyond_data()
    if ask and store.query(ask):
        store.clear_graph(ox.DefaultGraph())
        store.remove_graph(graph)
        return False
    _drop_bookkeeping(store)
    return True


def materialise(store: ox.Store) -> int:
    """Replace the store's inferred graph with the entailments of everything else in it.

    The default graph is left holding the union of all graphs (asserted and inferred).
    """
    graph = ox.NamedNode(vocab.GRAPH_INFERRED)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    store.clear_graph(ox.DefaultGraph())
    schema = schema_graph(store)
    schema_entailments = entailments(schema)
    rules = BulkRules(schema + schema_entailments)
    if rules.beyond or not _in_bulk(store, rules, schema_entailments):
        store.bulk_extend(ox.Quad(*(to_ox_term(t) for t in triple), graph)
                          for triple in entailments(asserted_graph(store)))
        store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
