"""The dataset as documents: descriptions of IRIs, the VoID/DCAT description, whole dumps."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

from . import __version__, vocab
from .dataset import Dataset, iri

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


# --- one resource -------------------------------------------------------------------------


def exists(dataset: Dataset, node: ox.NamedNode) -> bool:
    return any(True for _ in dataset.store.quads_for_pattern(node, None, None, None)) or \
        any(True for _ in dataset.store.quads_for_pattern(None, None, node, None))


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


# --- the dataset description and its dumps ----------------------------------------------------

DUMPS = {"turtle": "derbygraph.ttl", "nq": "derbygraph.nq"}
_dump_lock = threading.Lock()


def dump_file(dataset: Dataset, format_name: str) -> Path:
    """A dump of this dataset version on disk, written once and then served as a file."""
    stamp = "".join(c for c in (dataset.modified or "") if c.isalnum())
    folder = Path(tempfile.gettempdir()) / "derbygraph-dumps" / f"{dataset.version}-{stamp}"
    path = folder / DUMPS[format_name]
    with _dump_lock:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(path.suffix + ".partial")
            with partial.open("wb") as stream:
                dump(dataset, format_name, output=stream)
            partial.replace(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")
    return path


def checksum(dataset: Dataset, format_name: str) -> str:
    path = dump_file(dataset, format_name)
    return path.with_name(path.name + ".sha256").read_text().split()[0]


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
    add(dataset_node, vocab.DCT + "license", n("http://creativecommons.org/licenses/by/4.0/"))
    add(dataset_node, vocab.DCT + "hasVersion", lit(dataset.version))
    if dataset.modified:
        add(dataset_node, vocab.DCT + "modified", lit(dataset.modified, "dateTime"))
    add(dataset_node, vocab.VOID + "sparqlEndpoint", n(base_url + "/sparql"))
    add(dataset_node, vocab.VOID + "uriSpace", lit(vocab.ID))
    add(dataset_node, vocab.VOID + "vocabulary", n(vocab.ONTOLOGY))
    for namespace in (vocab.ORG, vocab.PROV, vocab.TIME, vocab.SKOS, vocab.DCT, vocab.OA):
        add(dataset_node, vocab.VOID + "vocabulary", n(namespace))
    add(dataset_node, vocab.VOID + "exampleResource", n(vocab.ID + "org/derbyshire-healthcare-nhs-foundation-trust"))
    for document in dataset.subjects(vocab.RDF + "type", n(vocab.DG + "SourceDocument")):
        add(dataset_node, vocab.DCT + "source", document)
        add(dataset_node, vocab.PROV + "wasDerivedFrom", document)
    registry_files = dataset.subjects(vocab.RDF + "type", n(vocab.DG + "RegistryFile"))
    for file in registry_files:  # each with its own licence
        add(dataset_node, vocab.DCT + "source", file)
        add(dataset_node, vocab.PROV + "wasDerivedFrom", file)
        for predicate in (vocab.DCT + "title", vocab.DCT + "license", vocab.DCT + "rights", vocab.DCT + "publisher"):
            for value in dataset.objects(file, predicate):
                add(file, predicate, value)
    if registry_files:
        add(dataset_node, vocab.DCT + "rights", ox.Literal(
            "The derbygraph data are CC BY 4.0; the registry data they include keep their publisher's licence, "
            "stated on each source (dct:license).", language="en"))

    counts = dataset.query("""SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
        (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }""")
    row = next(iter(counts))
    add(dataset_node, vocab.VOID + "triples", lit(row["triples"].value, "integer"))
    add(dataset_node, vocab.VOID + "distinctSubjects", lit(row["subjects"].value, "integer"))
    add(dataset_node, vocab.VOID + "properties", lit(row["properties"].value, "integer"))
    add(dataset_node, vocab.VOID + "distinctObjects", lit(row["objects"].value, "integer"))

    partitions = (  # (kind, partition property, what it groups by, what it counts, query)
        ("class", "classPartition", "class", "entities",
         "SELECT ?key (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?key } GROUP BY ?key ORDER BY ?key"),
        ("property", "propertyPartition", "property", "triples",
         "SELECT ?key (COUNT(*) AS ?n) WHERE { ?s ?key ?o } GROUP BY ?key ORDER BY ?key"),
    )
    for kind, partition, key, counted, query in partitions:
        for number, row in enumerate(dataset.query(query)):
            part = n(f"{vocab.DATASET}/{kind}/{number}")
            add(dataset_node, vocab.VOID + partition, part)
            add(part, vocab.VOID + key, row["key"])
            add(part, vocab.VOID + counted, lit(row["n"].value, "integer"))

    for format_name, filename in DUMPS.items():
        url = n(f"{base_url}/dumps/{filename}")
        media_type = DUMP_FORMATS[format_name][1]
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
        add(checksum_node, "http://spdx.org/rdf/terms#checksumValue", lit(checksum(dataset, format_name), "hexBinary"))
    add(dataset_node, vocab.DCT + "creator", ox.Literal(f"derbygraph {__version__}"))
    return triples
