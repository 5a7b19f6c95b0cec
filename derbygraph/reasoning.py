"""OWL 2 RL materialisation, once at build time, into a graph of its own.

Queries for org:Organization, org:ChangeEvent or org:hasSite then find what the data states
with more specific terms, and `GRAPH <.../graph/inferred>` still tells inferred from asserted.

The instance data is reasoned over by `reasonable` (an OWL 2 RL reasoner in Rust, tens of
times faster than owlrl); the schema's own closure (subclass and subproperty chains, domains
and ranges) comes from owlrl run on the ontology alone, which stays small whatever the data.
Together they give the entailments owlrl gives on the whole graph (a test checks this).
"""

from __future__ import annotations

import itertools
import tempfile

import owlrl
import pyoxigraph as ox
import rdflib
import reasonable
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
    """The OWL 2 RL consequences of `asserted` that it does not already state."""
    closure = rdflib.Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    inferred = rdflib.Graph()
    for triple in closure:
        if triple not in asserted and _worth_keeping(*triple):
            inferred.add(triple)
    return inferred


def _reasonable_entailments(store: ox.Store, graphs: list[ox.NamedNode | ox.DefaultGraph]) -> list:
    """Run `reasonable` over the asserted graphs (written out as N-Triples, which it reads as Turtle)."""
    with tempfile.NamedTemporaryFile(suffix=".ttl") as scratch:
        triples = (q.triple for g in graphs for q in store.quads_for_pattern(None, None, None, g))
        ox.serialize(triples, scratch.name, ox.RdfFormat.N_TRIPLES)
        reasoner = reasonable.PyReasoner()
        reasoner.load_file(scratch.name)
        return reasoner.reason()


def materialise(store: ox.Store) -> int:
    """Replace the store's inferred graph with the entailments of everything else in it."""
    graph = ox.NamedNode(vocab.GRAPH_INFERRED)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    asserted = [g for g in store.named_graphs() if g != graph]
    schema = to_rdflib(store.quads_for_pattern(None, None, None, ox.NamedNode(vocab.GRAPH_ONTOLOGY)))
    found = itertools.chain(_reasonable_entailments(store, asserted), entailments(schema))
    store.bulk_extend(ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), graph)
                      for s, p, o in found if _worth_keeping(s, p, o))
    # The reasoners also return what was asserted: keep only what is new (one join, not a lookup each).
    store.update(f"""DELETE {{ GRAPH <{vocab.GRAPH_INFERRED}> {{ ?s ?p ?o }} }}
        WHERE {{ GRAPH <{vocab.GRAPH_INFERRED}> {{ ?s ?p ?o }}
                 GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != <{vocab.GRAPH_INFERRED}>) }}""")
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
