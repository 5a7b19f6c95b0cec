"""The dataset as documents: whole-dataset dumps (and, as the app grows, descriptions of IRIs)."""

from __future__ import annotations

import pyoxigraph as ox

from . import vocab
from .dataset import Dataset

DUMP_FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle", "ttl"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples", "nt"),
    "nq": (ox.RdfFormat.N_QUADS, "application/n-quads", "nq"),
    "trig": (ox.RdfFormat.TRIG, "application/trig", "trig"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld"),
    "xml": (ox.RdfFormat.RDF_XML, "application/rdf+xml", "rdf"),
}
QUAD_DUMPS = {"nq", "trig"}


def dump(dataset: Dataset, format_name: str = "turtle", asserted: bool = False, output=None):
    """The whole dataset in one format. Quad formats keep the named graphs (provenance);
    triple formats merge them. `asserted` leaves out the inferred graph."""
    rdf_format = DUMP_FORMATS[format_name][0]
    inferred = ox.NamedNode(vocab.GRAPH_INFERRED)
    quads = (q for q in dataset.quads() if not (asserted and q.graph_name == inferred))
    if format_name in QUAD_DUMPS:
        return ox.serialize(quads, output, rdf_format, prefixes=vocab.PREFIXES)
    triples = dict.fromkeys(q.triple for q in quads)  # one copy of a triple stated in two graphs
    return ox.serialize(triples, output, rdf_format, prefixes=vocab.PREFIXES)
