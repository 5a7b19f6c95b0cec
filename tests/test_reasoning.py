"""Inference: the fast reasoner gives exactly owlrl's OWL 2 RL entailments, kept in their own graph."""

from __future__ import annotations

import pyoxigraph as ox

from derbygraph import reasoning, vocab


def test_same_entailments_as_owlrl_on_the_built_in_graph(dataset):
    ours = {q.triple for q in dataset.store.quads_for_pattern(None, None, None, ox.NamedNode(vocab.GRAPH_INFERRED))}
    reference = {ox.Triple(*(reasoning.to_ox_term(x) for x in triple))
                 for triple in reasoning.entailments(reasoning.asserted_graph(dataset.store))}
    assert len(ours) > 1000
    assert ours == reference


def test_more_specific_terms_answer_general_queries(dataset):
    rows = dataset.query(vocab.sparql_prologue() + """
        SELECT (COUNT(DISTINCT ?e) AS ?events) (COUNT(DISTINCT ?site) AS ?sites) WHERE {
          { ?e a org:ChangeEvent } UNION { ?org org:hasSite ?site } }""")
    row = next(iter(rows))
    assert int(row["events"].value) >= 15 and int(row["sites"].value) >= 5
