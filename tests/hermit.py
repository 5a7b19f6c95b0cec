"""HermiT (through owlready2) on a store: the OWL DL consistency check the ontology and registry tests share."""

from __future__ import annotations

import needs
import rdflib


def _without_unsupported_datatypes(graph: rdflib.Graph) -> rdflib.Graph:
    """HermiT accepts only the OWL 2 datatype map, which lacks xsd:gYear, gYearMonth and date.
    Our date properties declare no datatype range, so these literals carry no DL meaning: the
    check keeps their text and drops the type."""
    unsupported = {rdflib.XSD.gYear, rdflib.XSD.gYearMonth, rdflib.XSD.date, rdflib.XSD.duration}
    out = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and o.datatype in unsupported:
            o = rdflib.Literal(str(o))
        out.add((s, p, o))
    return out


def run_hermit(store, tmp_path, extra: list | None = None) -> None:
    """HermiT (through owlready2) on the asserted graph of `store` plus `extra` triples; raises
    OwlReadyInconsistentOntologyError when the ontology plus data has no model."""
    needs.program("java", install="apt-get install default-jre-headless")
    owlready2 = needs.module("owlready2")
    from derbygraph.build.reasoning import asserted_graph

    graph = _without_unsupported_datatypes(asserted_graph(store))
    for triple in extra or []:
        graph.add(triple)
    path = tmp_path / "all.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
