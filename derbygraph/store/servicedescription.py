"""The SPARQL 1.1 Service Description of /sparql: what the endpoint speaks and what it holds.

https://www.w3.org/TR/sparql11-service-description/ — the endpoint, the language (SPARQL 1.1
Query only: the endpoint is read-only), every result format, the features it really has (the
default graph is the union of the named graphs; no federated query, nothing dereferenced), and
the default dataset with its named graphs, linked to the VoID description.
"""

from __future__ import annotations

import pyoxigraph as ox

from derbygraph import vocab

from . import formats
from .dataset import Dataset
from .dumps import statistics

SD = vocab.SD
FORMATS = "http://www.w3.org/ns/formats/"
ENTAILMENT = "http://www.w3.org/ns/entailment/"

PREFIXES = {"sd": SD, "void": vocab.VOID, "rdfs": vocab.RDFS, "dct": vocab.DCT, "formats": FORMATS,
            "ent": ENTAILMENT, "xsd": vocab.XSD}


def result_formats() -> list[str]:
    """Every format /sparql answers in, from the format registry: solutions, then graphs.
    pyoxigraph names JSON-LD by another page; clients compare with the W3C registry's IRI."""
    return [FORMATS + "JSON-LD" if fmt is formats.JSON_LD else fmt.oxigraph.iri
            for fmt in (*formats.SOLUTIONS, *formats.GRAPHS)]


def describe(dataset: Dataset, endpoint: str, void: str) -> list[ox.Triple]:
    """The description as triples: `endpoint` is the URL of /sparql, `void` of the VoID document."""
    iri, literal = ox.NamedNode, ox.Literal
    a = iri(vocab.RDF + "type")
    service, data = ox.BlankNode("service"), iri(vocab.DATASET)
    triples = [
        ox.Triple(service, a, iri(SD + "Service")),
        ox.Triple(service, iri(SD + "endpoint"), iri(endpoint)),
        ox.Triple(service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        ox.Triple(service, iri(SD + "feature"), iri(SD + "UnionDefaultGraph")),
        ox.Triple(service, iri(SD + "defaultEntailmentRegime"), iri(ENTAILMENT + "Simple")),
        ox.Triple(service, iri(vocab.RDFS + "label"), literal("derbygraph SPARQL endpoint", language="en")),
        ox.Triple(service, iri(vocab.RDFS + "comment"), literal(
            "Read-only SPARQL 1.1 Query endpoint. The default graph is the union of all named graphs; "
            "FROM, FROM NAMED and the protocol's dataset parameters select graphs held here and never "
            "fetch anything; SERVICE and SPARQL Update are refused.", language="en")),
        *(ox.Triple(service, iri(SD + "resultFormat"), iri(fmt)) for fmt in result_formats()),
        ox.Triple(service, iri(SD + "defaultDataset"), data),
        ox.Triple(data, a, iri(SD + "Dataset")),
        ox.Triple(data, a, iri(vocab.VOID + "Dataset")),
        ox.Triple(data, iri(vocab.RDFS + "seeAlso"), iri(void)),
        ox.Triple(data, iri(vocab.VOID + "sparqlEndpoint"), iri(endpoint)),
    ]
    # Fixed blank node labels: the same description is the same bytes (stable ETags, diffable).
    default = ox.BlankNode("defaultGraph")
    graphs = [(name, size, ox.BlankNode(f"namedGraph{n}"), ox.BlankNode(f"graph{n}"))
              for n, (name, size) in enumerate(statistics(dataset)["graphs"], 1)]
    triples.append(ox.Triple(data, iri(SD + "defaultGraph"), default))
    triples += [ox.Triple(data, iri(SD + "namedGraph"), named) for _, _, named, _ in graphs]
    triples += [
        ox.Triple(default, a, iri(SD + "Graph")),
        ox.Triple(default, iri(vocab.RDFS + "comment"),
                  literal("the union of all the named graphs of this dataset", language="en")),
    ]
    for name, size, named, graph in graphs:
        triples += [
            ox.Triple(named, a, iri(SD + "NamedGraph")),
            ox.Triple(named, iri(SD + "name"), iri(name)),
            ox.Triple(named, iri(SD + "graph"), graph),
            ox.Triple(graph, a, iri(SD + "Graph")),
            ox.Triple(graph, iri(vocab.VOID + "triples"), literal(str(size), datatype=iri(vocab.XSD + "integer"))),
        ]
    return triples


def serialize(dataset: Dataset, endpoint: str, void: str, rdf_format: ox.RdfFormat) -> bytes:
    return ox.serialize(describe(dataset, endpoint, void), format=rdf_format, prefixes=PREFIXES) or b""
