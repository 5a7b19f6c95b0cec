"""Inference: the fast reasoner gives exactly owlrl's OWL 2 RL entailments, kept in their own graph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.namespace import OWL, RDF, RDFS

from derbygraph import vocab
from derbygraph.build import reasoning


def test_same_entailments_as_owlrl_on_the_built_in_graph(dataset):
    ours = {q.triple for q in dataset.store.quads_for_pattern(None, None, None, ox.NamedNode(vocab.GRAPH_INFERRED))}
    reference = {ox.Triple(*(reasoning.to_ox_term(x) for x in triple))
                 for triple in reasoning.entailments(reasoning.asserted_graph(dataset.store))}
    assert len(ours) > 1000
    assert ours == reference


def test_a_kept_schema_closure_is_what_the_build_reads_and_a_damaged_one_is_computed_again(
        dataset, tmp_path, monkeypatch):
    from derbygraph import resources

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    asserted = [q for q in dataset.store if q.graph_name not in (ox.DefaultGraph(), ox.NamedNode(vocab.GRAPH_INFERRED))]

    def inferred() -> set:
        store = ox.Store()
        store.extend(asserted)
        reasoning.materialise(store)
        return _inferred(store)

    cold = inferred()
    assert cold == {q.triple for q in dataset.store.quads_for_pattern(None, None, None, ox.NamedNode(vocab.GRAPH_INFERRED))}
    [kept] = (tmp_path / "derbygraph").glob("schema-closure-*")
    lines = resources.read_cache_file(kept).splitlines(keepends=True)
    assert inferred() == cold
    resources.write_cache_file(kept, "".join(lines[: len(lines) // 2]))  # sealed, so read: half a closure
    assert len(inferred()) < len(cold), "the kept closure is the one the build reads"
    for damaged in ("".join(lines[: len(lines) // 2]), "".join(lines)[:5000] + "<a> <b> ", ""):
        kept.write_text(damaged)  # cut at a line's end, mid-line, empty: none sealed
        assert inferred() == cold
        assert resources.read_cache_file(kept) == "".join(lines), "computed and kept again"


def test_more_specific_terms_answer_general_queries(dataset):
    rows = dataset.query(vocab.sparql_prologue() + """
        SELECT (COUNT(DISTINCT ?c) AS ?changes) (COUNT(DISTINCT ?e) AS ?events) (COUNT(DISTINCT ?site) AS ?sites) WHERE {
          { ?c a org:ChangeEvent } UNION { ?e a prov:Activity ; time:hasTime [] } UNION { ?org org:hasSite ?site } }""")
    row = next(iter(rows))
    # 7 changes of an organisation; every dated event (changes, contracts, rulings...) a PROV activity
    assert int(row["changes"].value) >= 7 and int(row["events"].value) >= 15 and int(row["sites"].value) >= 5


# Random small schemas and data, reasoned both ways: the bulk rules must give owlrl's closure
# whatever the axioms combine (inverses of subproperties, transitive symmetric properties,
# domains of equivalent properties, disjoint classes sharing a member...), and where the data
# makes nodes equal or gives an inverse property a literal value, the owlrl route must take over
# and still agree.
EX = "http://example.org/"
CLASSES = [rdflib.URIRef(EX + c) for c in ("A", "B", "C", "D")]
PROPERTIES = [rdflib.URIRef(EX + p) for p in ("p", "q", "r", "s")]
NODES = [rdflib.URIRef(EX + n) for n in ("x", "y", "z", "w")] + [rdflib.BNode("b1")]
VALUES = NODES + [rdflib.Literal("v"), rdflib.Literal("1", datatype=rdflib.XSD.integer)]

INERT = [RDF.Statement, RDF.Property]  # RDF's classes no rule reads: typings with them stay out of the schema
class_axioms = st.tuples(st.sampled_from(CLASSES + INERT[:1]),
                         st.sampled_from([RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith]),
                         st.sampled_from(CLASSES))
property_axioms = st.tuples(st.sampled_from(PROPERTIES),
                            st.sampled_from([RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf]),
                            st.sampled_from(PROPERTIES))
typing_axioms = st.tuples(st.sampled_from(PROPERTIES), st.sampled_from([RDFS.domain, RDFS.range]),
                          st.sampled_from(CLASSES + [rdflib.XSD.string]))
characteristics = st.tuples(st.sampled_from(PROPERTIES), st.just(RDF.type),
                            st.sampled_from([OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty,
                                             OWL.InverseFunctionalProperty]))
facts = st.one_of(st.tuples(st.sampled_from(NODES), st.sampled_from(PROPERTIES), st.sampled_from(VALUES)),
                  st.tuples(st.sampled_from(NODES), st.just(RDF.type), st.sampled_from(CLASSES + INERT)))


def _store_of(schema, data) -> ox.Store:
    store = ox.Store()
    for triples, graph in ((schema, vocab.GRAPH_ONTOLOGY), (data, vocab.GRAPH_EXTRA + "random")):
        store.extend(ox.Quad(*(reasoning.to_ox_term(t) for t in triple), ox.NamedNode(graph)) for triple in triples)
    return store


def _inferred(store: ox.Store) -> set:
    return {q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(vocab.GRAPH_INFERRED))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(class_axioms, property_axioms, typing_axioms, characteristics), max_size=8),
       st.lists(facts, min_size=1, max_size=10), st.booleans())
def test_same_closure_as_owlrl_on_random_schemas(schema, data, schema_in_data):
    if schema_in_data:  # schema stated by an extra file, not the ontology, counts the same
        schema, data = [], schema + data
    store = _store_of(schema, data)
    reference = {ox.Triple(*(reasoning.to_ox_term(x) for x in triple))
                 for triple in reasoning.entailments(reasoning.asserted_graph(store))}
    added = reasoning.materialise(store)
    assert _inferred(store) == reference and added == len(reference)
    union = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert union == {q.triple for q in store if not isinstance(q.graph_name, ox.DefaultGraph)}


def test_bulk_rules_cover_the_ontology_and_step_aside_for_equality(dataset):
    """The project's own schema needs no owlrl over the data; two values of a functional
    property (owl:sameAs between them) does, and gets it."""
    schema = reasoning.schema_graph(dataset.store)
    assert reasoning.BulkRules(reasoning.closure(schema)).beyond == []
    p, x, y, z = (rdflib.URIRef(EX + n) for n in "pxyz")
    store = _store_of([(p, RDF.type, OWL.FunctionalProperty), (p, RDFS.range, CLASSES[0])],
                      [(x, p, y), (x, p, z), (y, RDFS.label, rdflib.Literal("y"))])
    reasoning.materialise(store)
    assert ox.Triple(*(reasoning.to_ox_term(t) for t in (z, RDFS.label, rdflib.Literal("y")))) in _inferred(store)


B = rdflib.BNode("schema-node")
P, Q, X, Y, Z = (rdflib.URIRef(EX + n) for n in ("p", "q", "x", "y", "z"))


@pytest.mark.parametrize("schema, data", [
    pytest.param([(P, OWL.inverseOf, B), (B, RDFS.domain, CLASSES[0])], [(X, P, Y)], id="inverse of a blank node"),
    pytest.param([(B, RDFS.domain, CLASSES[0]), (P, RDFS.subPropertyOf, B)], [(X, P, Y)], id="blank node property"),
    pytest.param([(CLASSES[0], RDFS.subClassOf, B), (B, RDFS.subClassOf, CLASSES[1])], [(X, RDF.type, B)],
                 id="blank node class"),
    pytest.param([(RDFS.label, OWL.equivalentProperty, P)], [(X, RDFS.label, rdflib.Literal("x"))],
                 id="label equivalent to a property"),
    pytest.param([(P, RDFS.subPropertyOf, OWL.sameAs)], [(X, P, Y), (Y, RDFS.label, rdflib.Literal("y"))],
                 id="subproperty of sameAs"),
    pytest.param([(CLASSES[0], RDFS.subClassOf, OWL.TransitiveProperty)], [(P, RDF.type, CLASSES[0]), (X, P, Y), (Y, P, Z)],
                 id="subclass of TransitiveProperty"),
    pytest.param([(OWL.sameAs, RDFS.domain, CLASSES[0])], [(X, P, Y)], id="domain of sameAs"),
    pytest.param([(P, OWL.inverseOf, rdflib.Literal("q")), (P, RDFS.domain, CLASSES[0])], [(X, P, Y)],
                 id="inverse of a literal"),
])
def test_schemas_the_tables_cannot_hold_still_get_owlrls_closure(schema, data):
    """Blank nodes where a class or property goes, and schema about RDF and OWL's own terms: the
    bulk rules step aside (or read the whole schema closure) and the answer is owlrl's."""
    store = _store_of(schema, data)
    reference = {ox.Triple(*(reasoning.to_ox_term(x) for x in triple))
                 for triple in reasoning.entailments(reasoning.asserted_graph(store))}
    reasoning.materialise(store)
    assert reference and _inferred(store) == reference


@pytest.mark.parametrize("schema", [
    [(RDF.List, RDF.type, OWL.Class)],
    [(CLASSES[0], RDFS.subClassOf, RDF.Statement), (CLASSES[1], OWL.equivalentClass, CLASSES[0])],
    [(P, RDFS.subPropertyOf, RDFS.label), (Q, OWL.equivalentProperty, RDFS.label), (P, RDFS.range, RDFS.Literal)],
], ids=["a list declared a class", "a subclass of rdf:Statement", "labels"])
def test_ordinary_schemas_keep_the_bulk_rules(schema):
    """Schemas like these are in every ontology: owlrl over the whole graph for them would be a
    slow build for nothing."""
    graph = rdflib.Graph()
    for triple in schema:
        graph.add(triple)
    assert reasoning.BulkRules(reasoning.closure(graph)).beyond == []


def test_typings_with_rdfs_inert_classes_are_data_not_schema():
    """Reified records (each `rdf:Statement`, on blank nodes) stay out of the schema, whose closure
    is then kept in the cache; a superclass given to rdf:Statement still types them."""
    schema = [(RDF.Statement, RDFS.subClassOf, CLASSES[0])]
    data = [(rdflib.BNode(f"r{n}"), RDF.type, RDF.Statement) for n in range(3)]
    store = _store_of(schema, data)
    assert not [t for t in reasoning.schema_graph(store) if isinstance(t[0], rdflib.BNode)]
    reasoning.materialise(store)
    assert {ox.Triple(ox.BlankNode(f"r{n}"), ox.NamedNode(str(RDF.type)), ox.NamedNode(EX + "A"))
            for n in range(3)} <= _inferred(store)
