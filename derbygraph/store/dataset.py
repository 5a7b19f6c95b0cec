"""The Dataset every answer reads: a pyoxigraph store (or a remote one), its version, and what
answers derive from it once (`memo`)."""

from __future__ import annotations

import gc
import json
import shutil
import tempfile
import threading
import weakref
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pyoxigraph as ox

from derbygraph import deadline, vocab

from . import rows, storefolder
from .storefolder import StoreError

Term = ox.NamedNode | ox.BlankNode | ox.Literal
__all__ = ["Dataset", "StoreError", "iri"]
T = TypeVar("T")


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


DEFAULT = ox.DefaultGraph()


class Dataset:
    """Read-only view of a built store.

    Every triple lives in the named graph of its source (or the inferred graph), and once more
    in the default graph, which the build makes the union of them all: what queries see.
    """

    def __init__(self, store: ox.Store, path: Path | None = None, manifest: dict | None = None):
        self.store = store
        self.path = path          # the store folder, when the dataset was opened from one
        self.manifest = manifest  # its manifest, checked against its files at opening
        self._memos: dict = {}
        self._memo_lock = threading.RLock()  # a made index may read another (bodies read the names)

    # --- opening (building is `build.build_dataset` and `build.write_store`) ------------

    @classmethod
    def open(cls, path: Path) -> "Dataset":
        """A store written by `derbygraph build --store`, checked against its manifest and
        opened read-only (StoreError, one line, when it is not ours or is damaged)."""
        path, manifest = storefolder.checked(Path(path))  # a build's link: the version it points at now
        dataset = cls(storefolder.open_engine(path), path, manifest)
        if dataset.version == "unknown":
            raise StoreError(f"{path}: store holds no derbygraph dataset (build it with `derbygraph build`)")
        return dataset

    @staticmethod
    def open_store(path: Path) -> ox.Store:
        """The engine of a store folder the caller has already checked (a query worker's)."""
        return storefolder.open_engine(path)

    # --- reading ------------------------------------------------------------------------

    def query(self, sparql: str, **options):
        """The answer read whole (`rows.read`): SELECT rows, an ASK's bool, or CONSTRUCT triples.
        A query whose answer the build kept in the store folder (`storefolder.kept_answer`) is
        read from there: the same rows, without reading the store for them again."""
        if self._kept and not options:
            kept = storefolder.kept_answer(sparql)
            if kept in self._kept:
                return rows.from_json(storefolder.served_file(self.path, self.manifest, kept).read_bytes())
        return rows.read(self.store.query(sparql, **options))

    def kept_index(self, made_from: str):
        """The index the build kept whole for `made_from` (`storefolder.kept_index`), as the JSON it
        wrote; None when the folder keeps none (a store built in memory, a remote one, an older
        build, or code that makes the index otherwise since)."""
        kept = storefolder.kept_index(made_from)
        if kept not in self._kept:
            return None
        return json.loads(storefolder.served_file(self.path, self.manifest, kept).read_bytes())

    @cached_property
    def _kept(self) -> frozenset[str]:
        """The kept answers' files of the folder (none: no query text is hashed)."""
        files = self.manifest["files"] if self.manifest is not None else {}
        return frozenset(name for name in files if name.startswith(storefolder.KEPT + "/"))

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

    def text(self, subject: Term, predicate: str) -> str | None:
        """One value of the property as text (a literal's lexical form, an IRI's string), or None."""
        found = self.value(subject, predicate)
        return found.value if found is not None else None

    def has_type(self, subject: Term, cls: str) -> bool:
        return any(True for _ in self.store.quads_for_pattern(subject, iri(vocab.RDF + "type"), iri(cls), DEFAULT))

    def asserted(self, subject: Term | None = None, predicate: Term | None = None, obj: Term | None = None):
        """Quads as their sources state them, each in its source's graph (nothing inferred or
        derived by the build, no union)."""
        worked_out = {iri(vocab.GRAPH_INFERRED), iri(vocab.GRAPH_DERIVED)}
        return (q for q in self.store.quads_for_pattern(subject, predicate, obj, None)
                if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name not in worked_out)

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
        """Every quad in its named graph (the default graph only repeats them, so it is not read)."""
        return (q for graph in self.store.named_graphs() for q in self.store.quads_for_pattern(None, None, None, graph))

    def __len__(self) -> int:
        return self._size

    @cached_property
    def _size(self) -> int:
        """Quads in named graphs: counted by the build for a store folder (a count of millions of
        quads took 5 s of every start-up at 1M), else now."""
        if self.folder_statistics and "quads" in self.folder_statistics:
            return self.folder_statistics["quads"]
        return int(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"].value)

    @cached_property
    def version(self) -> str:
        found = self.value(iri(vocab.DATASET), vocab.DCT + "hasVersion")
        return found.value if found else "unknown"

    @cached_property
    def modified(self) -> str | None:
        found = self.value(iri(vocab.DATASET), vocab.DCT + "modified")
        return found.value if found else None

    @cached_property
    def folder_statistics(self) -> dict | None:
        """The counts the build wrote into the store folder (`dumps.statistics` for any dataset)."""
        if self.manifest is None:
            return None
        file = storefolder.served_file(self.path, self.manifest, storefolder.STATISTICS)
        return json.loads(file.read_text(encoding="utf-8"))

    @cached_property
    def private_folder(self) -> Path:
        """A folder only this process can use (mode 0700), removed with the dataset."""
        folder = Path(tempfile.mkdtemp(prefix="derbygraph-cache-"))
        weakref.finalize(self, shutil.rmtree, folder, True)
        return folder

    @cached_property
    def private_checksums(self) -> dict:
        return {}

    def memo(self, make: Callable[["Dataset"], T]) -> T:
        """What an answer derives from the whole dataset (a name index, say): `make(dataset)`,
        made once per dataset and kept with it, so the store floor knows no answer.

        Once made, it is moved out of the garbage collector's sight (`gc.freeze`): such indexes
        are most of a server's objects, and each full collection walked them all, a pause of
        about 0.3 s at 1M triples in one request of every hundred or so."""
        if make in self._memos:  # the common case, asked thousands of times by some answers
            return self._memos[make]
        with deadline.paused(), self._memo_lock:  # made for every later request, not this one's
            if make not in self._memos:
                collecting = gc.isenabled()
                gc.disable()  # it is many new containers and no garbage: each collection would walk them again
                try:
                    self._memos[make] = make(self)
                finally:
                    if collecting:
                        gc.enable()
                gc.freeze()
            return self._memos[make]
