"""The build's inputs: the built-in ontology and data, then the user's files, each parsed into a
named graph of its own; a file that cannot be used is a `SourceError` naming `file:line`."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from derbygraph import __version__, resources, vocab
from derbygraph.errors import UserError
from derbygraph.store import formats

Progress = Callable[[str], None]

# The files the build reads, by suffix: from the one format registry.
FORMATS = {f".{extension}": fmt.oxigraph for fmt in formats.READABLE for extension in fmt.extensions}
QUAD_FORMATS = {fmt.oxigraph for fmt in formats.DATASETS}

class SourceError(UserError):
    """A source file that cannot be used; str() is a `file:line: message` line for the user."""


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
