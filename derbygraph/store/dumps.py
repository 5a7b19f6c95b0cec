"""The dataset as files: whole dumps in every export format, with their licence notice, and the
counts VoID publishes. The build writes them into a store folder; a dataset without one writes them
once into its private folder."""

from __future__ import annotations

import hashlib
import io
import itertools
import threading
from pathlib import Path

import pyoxigraph as ox

from derbygraph import resources, vocab
from derbygraph.store import formats, storefolder
from derbygraph.store.dataset import Dataset, iri

# The licence of derbygraph's own statements; what it takes from its sources keeps their terms.
DATA_LICENCE = "http://creativecommons.org/licenses/by/4.0/"
TERMS = ("derbygraph's own statements are licensed CC BY 4.0; what they rest on keeps its source's terms: "
         "the registry data the Open Government Licence v3.0 (with its attribution), the documents' words "
         "their publishers' own terms. Each source states its licence (dct:license) or terms (dct:rights).")
# Formats whose syntax has line comments, so a dump opens with its licence in words.
COMMENTED = (formats.TURTLE, formats.N_TRIPLES, formats.N_QUADS, formats.TRIG)


def source_terms(dataset: Dataset) -> list[tuple[ox.NamedNode, dict[str, list]]]:
    """Every source of the dataset (documents and registry files) with its title, publisher, licence
    and terms as it states them: what VoID and a dump's header say, from one place."""
    found = []
    for kind in (vocab.DG + "SourceDocument", vocab.DG + "RegistryFile"):
        for source in dataset.subjects(vocab.RDF + "type", iri(kind)):
            found.append((source, {p: dataset.objects(source, vocab.DCT + p)
                                   for p in ("title", "publisher", "license", "rights")}))
    return found


def notice(dataset: Dataset) -> list[str]:
    """The licence and attribution of a dump, in lines of text: the dataset's, then each source's."""
    lines = [f"derbygraph dataset, version {dataset.version}: {TERMS}", f"Licence: {DATA_LICENCE}", "Sources:"]
    for source, said in source_terms(dataset):
        title = said["title"][0].value if said["title"] else source.value
        terms = [t.value for t in said["license"]] + [t.value for t in said["rights"]]
        lines.append(f"- {title} <{source.value}>: " + (" ".join(terms) or "terms not recorded"))
    return [" ".join(line.split()) for line in lines]


def dump(dataset: Dataset, format_name: str = "turtle", asserted: bool = False, output=None,
         apart: ox.Store | None = None):
    """The whole dataset in one format. Quad formats keep the named graphs (provenance);
    triple formats merge them. `asserted` leaves out what the build inferred and derived. Formats
    with comments open with the licence and attribution of every source (`notice`). `apart`: a
    store holding the rest of the dataset's quads (a build keeps the statement provenance out of
    memory), in its named graphs and its default graph as the dataset's store holds them: written
    after them."""
    fmt = formats.by_name(formats.EXPORTS, format_name)
    rdf_format = fmt.oxigraph
    worked_out = {ox.NamedNode(vocab.GRAPH_INFERRED), ox.NamedNode(vocab.GRAPH_DERIVED)}
    engines = [dataset.store] + ([] if apart is None else [apart])
    quads = (q for q in itertools.chain(dataset.quads(), Dataset(apart).quads() if apart is not None else ())
             if not (asserted and q.graph_name in worked_out))
    header = "".join(f"# {line}\n" for line in notice(dataset)).encode() if fmt in COMMENTED else b""
    if fmt not in formats.DATASETS and not asserted and isinstance(dataset.store, ox.Store):
        # the default graph is the merge of them all (see Dataset), each triple once: written by
        # the engine, several times faster than passing every triple through Python (what was
        # derived apart is written after: a triple both stores hold, which only a source stating a
        # derived term itself makes, is written twice, the same graph)
        def write(out):
            target = io.BytesIO() if out is None else out
            for engine in engines:
                engine.dump(target, rdf_format, from_graph=ox.DefaultGraph(), prefixes=vocab.PREFIXES)
            return target.getvalue() if out is None else None
    elif fmt is formats.N_QUADS and isinstance(dataset.store, ox.Store):
        def write(out):  # each named graph written by the engine as N-Triples, its name added to each line
            target = io.BytesIO() if out is None else out
            for engine in engines:
                for graph in engine.named_graphs():
                    if not (asserted and graph in worked_out):
                        engine.dump(_NamingLines(target, graph), ox.RdfFormat.N_TRIPLES, from_graph=graph)
            return target.getvalue() if out is None else None
    else:
        statements = quads if fmt in formats.DATASETS else dict.fromkeys(q.triple for q in quads)  # a triple once

        def write(out):
            return ox.serialize(statements, out, rdf_format, prefixes=vocab.PREFIXES)
    if output is None:
        return header + write(None)
    output.write(header)
    return write(output)


class _NamingLines:
    """A writable stream that turns the N-Triples the engine writes into N-Quads of one graph.

    Every line the engine writes ends with " .\n" and holds no other newline (a newline in a
    literal is escaped), so adding the graph's name before each " .\n" makes each triple a quad."""

    def __init__(self, out, graph: ox.NamedNode | ox.BlankNode):
        self._out, self._end, self._rest = out, f" {graph} .\n".encode(), b""

    def write(self, data: bytes) -> int:
        lines, _, self._rest = (self._rest + bytes(data)).rpartition(b"\n")
        if lines:
            self._out.write((lines + b"\n").replace(b" .\n", self._end))
        return len(data)

    def flush(self) -> None:
        self._out.flush()


DUMPS = {"turtle": "derbygraph.ttl", "nq": "derbygraph.nq"}
_dump_lock = threading.Lock()


def dump_file(dataset: Dataset, format_name: str) -> tuple[Path, str]:
    """A dump of the dataset on disk and its SHA-256.

    A store folder holds its dumps, written and checksummed by the build. A dataset without one
    (built in memory, or a remote store) writes them once into its own private folder
    (`Dataset.private_folder`: mkdtemp, mode 0700), never into a shared, guessable place.
    """
    name = f"{storefolder.DUMPS}/{DUMPS[format_name]}"
    if dataset.manifest is not None:
        return storefolder.served_file(dataset.path, dataset.manifest, name), dataset.manifest["files"][name]["sha256"]
    path = dataset.private_folder / DUMPS[format_name]
    with _dump_lock:
        if not path.exists():
            with path.open("xb") as stream:
                dump(dataset, format_name, output=stream)
        if path not in dataset.private_checksums:
            with path.open("rb") as stream:
                dataset.private_checksums[path] = hashlib.file_digest(stream, "sha256").hexdigest()
    return path, dataset.private_checksums[path]


def statistics(dataset: Dataset) -> dict:
    """The counts VoID publishes: the build's, for a store folder; else counted once per dataset."""
    return dataset.folder_statistics or dataset.memo(count_statistics)


def count_statistics(dataset: Dataset) -> dict:
    """The counts VoID publishes, counted by the engine (the build writes them into the folder)."""
    row = next(iter(dataset.query(resources.sparql(__file__, "statistics"))))
    found = {key: int(row[key].value) for key in ("triples", "subjects", "properties", "objects")}
    for key, query in (("classes", "statistics-classes"), ("propertyCounts", "statistics-properties")):
        found[key] = [[r["key"].value, int(r["n"].value)] for r in dataset.query(resources.sparql(__file__, query))
                      if isinstance(r["key"], ox.NamedNode)]

    def size(graph: ox.NamedNode) -> int:
        rows = dataset.query(resources.sparql(__file__, "statistics-graph", graph=str(graph)))
        return int(next(iter(rows))["n"].value)

    found["graphs"] = sorted([graph.value, size(graph)] for graph in dataset.store.named_graphs()
                             if isinstance(graph, ox.NamedNode))
    found["quads"] = sum(n for _, n in found["graphs"]) + sum(  # every quad, as `len(dataset)` counts them
        1 for graph in dataset.store.named_graphs() if isinstance(graph, ox.BlankNode)
        for _ in dataset.store.quads_for_pattern(None, None, None, graph))
    return found
