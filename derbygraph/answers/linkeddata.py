"""The dataset as documents: descriptions of IRIs, the ontology's terms, the VoID/DCAT description
(its dumps and counts from `derbygraph.store.dumps`)."""

from __future__ import annotations

import pyoxigraph as ox

from derbygraph import __version__, resources, vocab
from derbygraph.errors import NotFound
from derbygraph.store import formats
from derbygraph.store.dataset import Dataset, iri
from derbygraph.store.dumps import (
    DATA_LICENCE,
    DUMPS,
    TERMS,
    dump_file,
    source_terms,
    statistics,
)


def context() -> dict:
    """The JSON-LD context published at /context.jsonld: the prefixes every answer uses, and the
    keys of the JSON API (`iri`, `label`, `start`...), so its answers read as linked data too."""
    return {"@context": {
        **vocab.PREFIXES,
        "iri": "@id", "label": "rdfs:label", "title": "dct:title", "quote": "oa:exact",
        "names": {"@id": "dg:hasNamePeriod", "@container": "@set"}, "events": {"@reverse": "dg:participant"},
        "start": "dg:start", "end": "dg:end", "date": "dg:date",
        "organisation": {"@reverse": "dg:hasNamePeriod", "@type": "@id"},
        "sources": {"@id": "dg:evidence", "@container": "@set"},
    }}


# --- one resource -------------------------------------------------------------------------


class UnknownResource(NotFound):
    """No statement of the dataset has this IRI as its subject or object."""


def described(dataset: Dataset, value: str) -> ox.NamedNode:
    """The node of an IRI the dataset says something about; UnknownResource otherwise (for a
    text that is not even an IRI, a NUL or a space in it, too: nothing of ours is there)."""
    try:
        node = iri(value)
    except ValueError:
        node = None
    if node is None or not (any(True for _ in dataset.store.quads_for_pattern(node, None, None, None)) or
                            any(True for _ in dataset.store.quads_for_pattern(None, None, node, None))):
        raise UnknownResource(f"nothing is known of {value}")
    return node


def describe(dataset: Dataset, node: ox.NamedNode, incoming_limit: int = 500) -> list[ox.Triple]:
    """What the dataset says about `node`: its statements with the blank nodes they lead to
    (quotations and their selectors), and up to `incoming_limit` statements pointing at it."""
    triples: dict[ox.Triple, None] = {}
    todo, seen = [node], {node}
    while todo:
        subject = todo.pop()
        for quad in dataset.store.quads_for_pattern(subject, None, None, None):
            triples[quad.triple] = None
            if isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                seen.add(quad.object)
                todo.append(quad.object)
    for count, quad in enumerate(dataset.store.quads_for_pattern(None, None, node, None)):
        if count >= incoming_limit:
            break
        if not isinstance(quad.subject, ox.BlankNode):
            triples[quad.triple] = None
    return list(triples)


def ontology_triples(dataset: Dataset) -> list[ox.Triple]:
    """The ontology as published: its own graph, as asserted."""
    return [q.triple for q in dataset.store.quads_for_pattern(None, None, None, iri(vocab.GRAPH_ONTOLOGY))]


def ontology_terms(dataset: Dataset) -> list[dict]:
    """The ontology's own terms for its documentation: id, kind, label, comment, and the IRIs of
    their super-terms, domains and ranges."""
    rows = dataset.query(resources.sparql(__file__, "ontology-terms"))
    return [{"id": r["term"].value[len(vocab.DG):], "kind": r["kind"].value[len(vocab.OWL):],
             "label": r["label"].value, "comment": r["comment"].value,
             **{key: (r[key].value if r[key] else "").split() for key in ("supers", "domains", "ranges")}}
            for r in rows]


def void_description(dataset: Dataset, base_url: str) -> list[ox.Triple]:
    """VoID and DCAT for the dataset: licence, sources, counts, partitions, dumps with checksums."""
    n = ox.NamedNode
    dataset_node = n(vocab.DATASET)
    triples = []

    def add(s, p, o):
        triples.append(ox.Triple(s, n(p), o))

    def lit(value, datatype=None):
        return ox.Literal(str(value), datatype=n(vocab.XSD + datatype) if datatype else None)

    add(dataset_node, vocab.RDF + "type", n(vocab.VOID + "Dataset"))
    add(dataset_node, vocab.RDF + "type", n(vocab.DCAT + "Dataset"))
    add(dataset_node, vocab.DCT + "title", ox.Literal("derbygraph: NHS organisational history of Derbyshire", language="en"))
    add(dataset_node, vocab.DCT + "description", ox.Literal(
        "Organisations of the NHS in Derbyshire, their names over time, change events, sites, services, posts, "
        "ratings and figures, each fact with the exact words of its source document.", language="en"))
    add(dataset_node, vocab.DCT + "license", n(DATA_LICENCE))
    add(dataset_node, vocab.DCT + "rights", ox.Literal(TERMS, language="en"))
    add(dataset_node, vocab.DCT + "hasVersion", lit(dataset.version))
    if dataset.modified:
        add(dataset_node, vocab.DCT + "modified", lit(dataset.modified, "dateTime"))
    add(dataset_node, vocab.VOID + "sparqlEndpoint", n(base_url + "/sparql"))
    add(dataset_node, vocab.VOID + "uriSpace", lit(vocab.ID))
    add(dataset_node, vocab.VOID + "vocabulary", n(vocab.ONTOLOGY))
    for namespace in (vocab.ORG, vocab.PROV, vocab.TIME, vocab.SKOS, vocab.DCT, vocab.OA):
        add(dataset_node, vocab.VOID + "vocabulary", n(namespace))
    add(dataset_node, vocab.VOID + "exampleResource", n(vocab.ID + "org/derbyshire-healthcare-nhs-foundation-trust"))
    for source, said in source_terms(dataset):  # each with its own licence or terms
        add(dataset_node, vocab.DCT + "source", source)
        add(dataset_node, vocab.PROV + "wasDerivedFrom", source)
        for key, values in said.items():
            for value in values:
                add(source, vocab.DCT + key, value)

    counts = statistics(dataset)
    for key, prop in (("triples", "triples"), ("subjects", "distinctSubjects"), ("properties", "properties"),
                      ("objects", "distinctObjects")):
        add(dataset_node, vocab.VOID + prop, lit(counts[key], "integer"))
    partitions = (("class", "classPartition", "class", "entities", "classes"),
                  ("property", "propertyPartition", "property", "triples", "propertyCounts"))
    for kind, partition, key, counted, field in partitions:
        for number, (value, count) in enumerate(counts[field]):
            part = n(f"{vocab.DATASET}/{kind}/{number}")
            add(dataset_node, vocab.VOID + partition, part)
            add(part, vocab.VOID + key, n(value))
            add(part, vocab.VOID + counted, lit(count, "integer"))

    for format_name, filename in DUMPS.items():
        url = n(f"{base_url}/dumps/{filename}")
        media_type = formats.by_name(formats.EXPORTS, format_name).media_type
        add(dataset_node, vocab.VOID + "dataDump", url)
        distribution = n(f"{vocab.DATASET}/distribution/{format_name}")
        add(dataset_node, vocab.DCAT + "distribution", distribution)
        add(distribution, vocab.RDF + "type", n(vocab.DCAT + "Distribution"))
        add(distribution, vocab.DCAT + "downloadURL", url)
        add(distribution, vocab.DCAT + "mediaType", n("https://www.iana.org/assignments/media-types/" + media_type))
        add(distribution, vocab.DCT + "format", lit(media_type))
        checksum_node = n(f"{vocab.DATASET}/distribution/{format_name}/checksum")
        add(distribution, "http://spdx.org/rdf/terms#checksum", checksum_node)
        add(checksum_node, "http://spdx.org/rdf/terms#algorithm", n("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"))
        add(checksum_node, "http://spdx.org/rdf/terms#checksumValue", lit(dump_file(dataset, format_name)[1], "hexBinary"))
    add(dataset_node, vocab.DCT + "creator", ox.Literal(f"derbygraph {__version__}"))
    return triples
