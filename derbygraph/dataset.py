"""The Dataset every service reads: a pyoxigraph store, its version and its name index."""

from __future__ import annotations

import shutil
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

from . import vocab

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class StoreError(Exception):
    """A store folder that cannot be opened or written; str() is one line for the user."""


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


DEFAULT = ox.DefaultGraph()


class Dataset:
    """Read-only view of a built store.

    Every triple lives in the named graph of its source (or the inferred graph), and once more
    in the default graph, which the build makes the union of them all: what queries see.
    """

    def __init__(self, store: ox.Store, path: Path | None = None):
        self.store = store
        self.path = path

    # --- opening and building -------------------------------------------------------

    @classmethod
    def build(cls, extra: Iterable[Path] = (), progress=None) -> "Dataset":
        """The built-in graph plus `extra` files, parsed and inferred in memory."""
        from .build import build_store

        store, _ = build_store(extra, progress=progress)
        return cls(store)

    @classmethod
    def open(cls, path: Path) -> "Dataset":
        """A store written by `derbygraph build --store`, opened read-only in seconds."""
        path = Path(path)
        if not (path / "CURRENT").is_file():
            raise StoreError(f"{path}: not a derbygraph store (run `derbygraph build --store {path}` first)")
        try:
            dataset = cls(ox.Store.read_only(str(path)), path)
        except (OSError, RuntimeError) as error:  # RocksDB reports corruption as RuntimeError
            raise StoreError(f"{path}: cannot open store: {error}") from None
        if dataset.version == "unknown":
            raise StoreError(f"{path}: store holds no derbygraph dataset (build it with `derbygraph build`)")
        return dataset

    @classmethod
    def write(cls, path: Path, extra: Iterable[Path] = (), progress=None, check=None) -> "Dataset":
        """Build into a fresh folder beside `path`, check it, then put it in place of the old store.

        `check(store, sources)` returns problems; any problem, or any failure (a broken file, a
        full disk), leaves the previous store untouched and raises.
        """
        from .build import DataProblems, build_store, save

        path = Path(path)
        staging = path.with_name(path.name + ".building")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            store, found = build_store(extra, progress=progress)
            problems = check(store, found) if check else []
            if problems:
                raise DataProblems(problems)
            written = save(store, staging, progress)
            del written  # closed before it is moved into place
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        retired = path.with_name(path.name + ".previous")
        shutil.rmtree(retired, ignore_errors=True)
        if path.exists():
            path.rename(retired)
        staging.rename(path)
        shutil.rmtree(retired, ignore_errors=True)
        return cls.open(path)

    # --- reading ------------------------------------------------------------------------

    def query(self, sparql: str, **options):
        return self.store.query(sparql, **options)

    def objects(self, subject: Term, predicate: str) -> list[Term]:
        """Distinct objects (asserted or inferred), in a stable order."""
        found = {q.object for q in self.store.quads_for_pattern(subject, iri(predicate), None, DEFAULT)}
        return sorted(found, key=str)

    def subjects(self, predicate: str, obj: Term) -> list[Term]:
        found = {q.subject for q in self.store.quads_for_pattern(None, iri(predicate), obj, DEFAULT)}
        return sorted(found, key=str)

    def value(self, subject: Term, predicate: str) -> Term | None:
        for quad in self.store.quads_for_pattern(subject, iri(predicate), None, DEFAULT):
            return quad.object
        return None

    def has_type(self, subject: Term, cls: str) -> bool:
        return any(True for _ in self.store.quads_for_pattern(subject, iri(vocab.RDF + "type"), iri(cls), DEFAULT))

    def asserted(self, subject: Term | None = None, predicate: Term | None = None, obj: Term | None = None):
        """Quads as their sources state them, each in its source's graph (no inferences, no union)."""
        inferred = iri(vocab.GRAPH_INFERRED)
        return (q for q in self.store.quads_for_pattern(subject, predicate, obj, None)
                if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name != inferred)

    def types(self, subject: Term) -> list[str]:
        return [t.value for t in self.objects(subject, vocab.RDF + "type") if isinstance(t, ox.NamedNode)]

    def label(self, subject: Term) -> str:
        """The best human label: rdfs:label, skos:prefLabel, foaf:name, dg:name, else the IRI's tail."""
        for predicate in (vocab.RDFS + "label", vocab.SKOS + "prefLabel", vocab.FOAF + "name", vocab.DG + "name"):
            found = self.objects(subject, predicate)
            if found:
                english = [t for t in found if getattr(t, "language", None) in ("en", None)]
                return (english or found)[0].value
        value = getattr(subject, "value", str(subject))
        return value.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad in its named graph (the default graph only repeats them)."""
        return (q for q in self.store if not isinstance(q.graph_name, ox.DefaultGraph))

    def __len__(self) -> int:
        return self._size

    @cached_property
    def _size(self) -> int:
        return int(next(iter(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))["n"].value)

    @cached_property
    def version(self) -> str:
        found = self.value(iri(vocab.DATASET), vocab.DCT + "hasVersion")
        return found.value if found else "unknown"

    @cached_property
    def modified(self) -> str | None:
        found = self.value(iri(vocab.DATASET), vocab.DCT + "modified")
        return found.value if found else None

    @cached_property
    def names(self):
        from .names import NameIndex

        return NameIndex.from_dataset(self)
