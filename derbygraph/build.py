"""Sources to a Dataset: parse every input into its own named graph, infer, (optionally) validate.

Data flows one way: files -> pyoxigraph store (asserted graphs) -> OWL 2 RL closure
(inferred graph) -> Dataset. The build never reads back from a running service.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from . import __version__, formats, resources, storefolder, vocab
from .dataset import Dataset
from .errors import UserError

# The files the build reads, by suffix: from the one format registry.
FORMATS = {f".{extension}": fmt.oxigraph for fmt in formats.READABLE for extension in fmt.extensions}
QUAD_FORMATS = {fmt.oxigraph for fmt in formats.DATASETS}

Progress = Callable[[str], None]


class SourceError(UserError):
    """A source file that cannot be used; str() is a `file:line: message` line for the user."""


class DataProblems(Exception):
    """The data parsed but breaks the shapes or misquotes its sources."""

    def __init__(self, problems: list):
        super().__init__(f"{len(problems)} problem(s) in the data")
        self.problems = problems


@dataclass(frozen=True)
class Source:
    """One input file and the named graph its triples go into."""

    path: Path
    graph: str
    format: ox.RdfFormat

    @property
    def base_iri(self) -> str:
        """Relative IRIs in a file resolve against the file's own address, as RDF parsers do."""
        return self.path.resolve().as_uri()

    @property
    def keeps_own_graphs(self) -> bool:
        return self.format in QUAD_FORMATS


def _slug(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "file"


def _expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in FORMATS and p.is_file())
            if not found:
                raise SourceError(f"{path}: folder holds no RDF files ({', '.join(sorted(FORMATS))})")
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in FORMATS:
                raise SourceError(f"{path}: unknown RDF format (use one of {', '.join(sorted(FORMATS))})")
            files.append(path)
        else:
            raise SourceError(f"{path}: no such file or folder")
    return files


def sources(extra: Iterable[Path] = ()) -> list[Source]:
    """The built-in ontology and data, then the extra files, each with its graph."""
    found = [Source(resources.ontology_file(), vocab.GRAPH_ONTOLOGY, ox.RdfFormat.TURTLE)]
    found += [Source(p, vocab.GRAPH_DATA + _slug(p.stem), ox.RdfFormat.TURTLE) for p in resources.data_files()]
    seen = {s.graph for s in found}
    for path in _expand(extra):
        graph = vocab.GRAPH_EXTRA + _slug(path.stem)
        n = 2
        while graph in seen:  # two extra files with one name keep apart
            graph = f"{vocab.GRAPH_EXTRA}{_slug(path.stem)}-{n}"
            n += 1
        seen.add(graph)
        found.append(Source(path, graph, FORMATS[path.suffix.lower()]))
    return found


def _syntax_error(source: Source, error: Exception) -> SourceError:
    message = str(error)
    line = re.search(r"line (\d+)", message)
    where = f"{source.path}:{line.group(1)}" if line else str(source.path)
    message = re.sub(r"^Parser error at line \d+ (column \d+|between columns \d+ and \d+): ", "", message)
    return SourceError(f"{where}: {message}")


def load_sources(store: ox.Store, found: list[Source], progress: Progress | None = None) -> None:
    """Parse every source into `store`; a file that does not parse raises SourceError."""
    for source in found:
        started = time.perf_counter()
        try:
            with source.path.open("rb") as stream:
                if source.keeps_own_graphs:  # named graphs kept; the file's default graph gets its own name
                    own = ox.NamedNode(source.graph)
                    store.bulk_extend(q if not isinstance(q.graph_name, ox.DefaultGraph) else
                                      ox.Quad(q.subject, q.predicate, q.object, own)
                                      for q in ox.parse(stream, source.format, base_iri=source.base_iri))
                else:
                    store.bulk_load(stream, source.format, base_iri=source.base_iri,
                                    to_graph=ox.NamedNode(source.graph))
        except SyntaxError as error:
            raise _syntax_error(source, error) from None
        except (OSError, ValueError) as error:
            raise SourceError(f"{source.path}: {error}") from None
        if progress:
            progress(f"loaded {source.path.name} ({time.perf_counter() - started:.2f} s)")


def fingerprint(found: list[Source]) -> str:
    """A version tied to the exact bytes of every input and the code that built them."""
    digest = hashlib.sha256(__version__.encode())
    for source in found:
        digest.update(source.graph.encode())
        with source.path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def build_store(extra: Iterable[Path] = (), progress: Progress | None = None) -> tuple[ox.Store, list[Source]]:
    """Parse, infer and record the version, in memory: the store every service reads."""
    from . import derive, reasoning  # rdflib and owlrl load only when a build runs

    found = sources(extra)
    store = ox.Store()
    load_sources(store, found, progress)
    _record_version(store, fingerprint(found))
    started = time.perf_counter()
    added = reasoning.materialise(store)  # the default graph becomes the union of every graph
    added += derive.derive(store)  # lineages, shortcuts, instants, statement provenance
    if progress:
        progress(f"inferred {added} triples (OWL 2 RL, {time.perf_counter() - started:.2f} s)")
    return store, found


def build_dataset(extra: Iterable[Path] = (), progress: Progress | None = None) -> Dataset:
    """The built-in graph plus `extra` files, parsed, inferred and derived in memory."""
    return Dataset(build_store(extra, progress)[0])


def write_store(path: Path, extra: Iterable[Path] = (), progress: Progress | None = None,
                check=None) -> Dataset:
    """Build, check, and write a store folder at `path` (see `storefolder.write`); the Dataset
    opened from it.

    `check(store, sources)` returns problems; any problem, or any failure (a broken file, a full
    disk, a folder that is not ours), leaves `path` untouched and raises. The folder is checked
    before minutes of building, not after.
    """
    path = Path(path)
    storefolder.writable_target(path)
    store, found = build_store(extra, progress=progress)
    problems = check(store, found) if check else []
    if problems:
        raise DataProblems(problems)
    built = [store]
    del store  # from here only `built` holds it, so _fill can let it go
    storefolder.write(path, lambda folder: _fill(built, folder, progress), progress)
    return Dataset.open(path)


def _fill(built: list[ox.Store], folder: Path, progress: Progress | None) -> None:
    """The store folder's files from the store built in memory: the dumps (written from memory,
    several times faster than from disk), the on-disk (RocksDB) store, then the VoID statistics.

    Building in memory and bulk-loading the result is several times faster than building on
    disk. The memory store is written out and dropped before the bulk load, and the statistics
    (whose distinct counts hold every term) are counted after, so the peak is the largest of the
    three, not their sum.
    """
    from . import linkeddata

    started = time.perf_counter()
    memory = Dataset(built.pop())
    (folder / storefolder.DUMPS).mkdir()
    for format_name, filename in linkeddata.DUMPS.items():
        with (folder / storefolder.DUMPS / filename).open("xb") as stream:
            linkeddata.dump(memory, format_name, output=stream)
    quads = folder / "quads.nq"
    memory.store.dump(str(quads), ox.RdfFormat.N_QUADS)
    del memory
    _give_back_freed_memory()
    disk = ox.Store(str(folder / storefolder.ENGINE))
    # parsed here, not by `bulk_load`, which would give every blank node a new label: the store
    # keeps the labels of the dumps and of the statement IRIs derived from them, as fast
    disk.bulk_extend(ox.parse(path=str(quads), format=ox.RdfFormat.N_QUADS))
    quads.unlink()
    disk.flush()
    disk.optimize()
    written = Dataset(disk)
    (folder / storefolder.STATISTICS).write_text(json.dumps(linkeddata.statistics(written)), encoding="utf-8")
    del written, disk  # closed before the folder is checksummed and moved
    if progress:
        progress(f"wrote the store, dumps and statistics ({time.perf_counter() - started:.2f} s)")


def _give_back_freed_memory() -> None:
    """Return the freed memory store's pages to the OS before RocksDB's bulk loader allocates.

    The loader's threads allocate from glibc arenas of their own, so without this the process
    keeps both (at 1M extra triples: a 4.2 GB peak instead of the larger of 2.6 GB and the
    loader's own). Elsewhere than glibc there is nothing to do."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _record_version(store: ox.Store, version: str) -> None:
    """The build's version and time, in the graph of metadata (whatever a source put there goes)."""
    meta = ox.NamedNode(vocab.GRAPH_META)
    dataset = ox.NamedNode(vocab.DATASET)
    if store.contains_named_graph(meta):
        store.remove_graph(meta)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    store.add(ox.Quad(dataset, ox.NamedNode(vocab.DCT + "hasVersion"), ox.Literal(version), meta))
    store.add(ox.Quad(dataset, ox.NamedNode(vocab.DCT + "modified"),
                      ox.Literal(stamp, datatype=ox.NamedNode(vocab.XSD + "dateTime")), meta))
