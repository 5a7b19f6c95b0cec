"""The IRIs derbygraph mints and the vocabularies it speaks, in one place."""

from __future__ import annotations

BASE = "https://w3id.org/derbygraph/"
ONTOLOGY = BASE + "ontology"
DG = ONTOLOGY + "#"
ID = BASE + "id/"
DATASET = ID + "dataset"

# Named graphs: asserted facts, the ontology and inferred triples stay apart, so a query
# can ask for what the sources say (GRAPH <.../graph/data/...>) or what follows from it.
GRAPH = BASE + "graph/"
GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_DATA = GRAPH + "data/"
GRAPH_EXTRA = GRAPH + "extra/"
GRAPH_INFERRED = GRAPH + "inferred"
GRAPH_DERIVED = GRAPH + "derived"  # lineages, shortcuts, statement provenance (derbygraph.build.derive)
GRAPH_META = GRAPH + "meta"

ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
OA = "http://www.w3.org/ns/oa#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"

# The days a name period may and must be in force, as the build derives them from its dates
# (`derbygraph.build.derive`) and the name index reads them (`derbygraph.answers.names`).
NAME_WINDOW = {"possibly_from": DG + "possiblyInForceFrom", "possibly_until": DG + "possiblyInForceUntil",
               "certainly_from": DG + "certainlyInForceFrom", "certainly_until": DG + "certainlyInForceUntil"}

# Prefixes offered to every query and used when serialising.
PREFIXES = {
    "dg": DG,
    "org": ORG,
    "prov": PROV,
    "time": TIME,
    "skos": SKOS,
    "dct": DCT,
    "foaf": FOAF,
    "oa": OA,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "void": VOID,
    "dcat": DCAT,
}


def shorten(iri: str) -> str:
    """An IRI as a person reads it: under one of PREFIXES, its prefixed name ("dg:name"); else whole."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def sparql_prologue() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
