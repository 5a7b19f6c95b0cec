"""Sources to a Dataset: parse every input into its own named graph, infer, derive, check, write.

Data flows one way: files -> pyoxigraph store (asserted graphs) -> OWL 2 RL closure
(inferred graph) -> derived graph -> checks -> store folder. The build never reads back from a
running service, and no store folder is written from data that fails its checks.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import json
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pyoxigraph as ox

from derbygraph import vocab
from derbygraph.errors import BadInput
from derbygraph.store import dumps, storefolder
from derbygraph.store.storefolder import StoreError
from derbygraph.store.dataset import Dataset

from . import derive, reasoning
from .checks import check, summary
from .sources import Progress, Source, SourceError, fingerprint, load_sources, sources


class DataProblems(BadInput):
    """The data parsed but breaks the shapes or misquotes its sources; `details` are the report."""

    def __init__(self, problems: list, path: Path):
        super().__init__(f"{len(problems)} problem(s) in the data; {path} was left as it was")
        self.problems = problems
        self.details = summary(problems)


def build_store(extra: Iterable[Path] = (), progress: Progress | None = None,
                apart: ox.Store | None = None) -> tuple[ox.Store, list[Source]]:
    """Parse, infer and record the version, in memory: the store every service reads.
    `apart`: the store that takes what no check reads (`derive.derive`) instead."""
    found = sources(extra)
    store = ox.Store()
    load_sources(store, found, progress)
    _record_version(store, fingerprint(found))
    started = time.perf_counter()
    added = reasoning.materialise(store)  # the default graph becomes the union of every graph
    if progress:
        progress(f"inferred {added} triples (OWL 2 RL, {time.perf_counter() - started:.2f} s)")
    started = time.perf_counter()
    added = derive.derive(store, apart)  # lineages, shortcuts, instants, statement provenance
    if progress:
        progress(f"derived {added} triples ({time.perf_counter() - started:.2f} s)")
    return store, found


def build_dataset(extra: Iterable[Path] = (), progress: Progress | None = None) -> Dataset:
    """The built-in graph plus `extra` files, parsed, inferred and derived in memory."""
    return Dataset(build_store(extra, progress)[0])


def write_store(path: Path, extra: Iterable[Path] = (), progress: Progress | None = None,
                keep: Iterable[str] = (), indexes: Mapping[str, Callable[[Dataset], object]] | None = None) -> Dataset:
    """Build, check, and write a store folder at `path` (see `storefolder.write`); the Dataset
    opened from it. The answers of the queries `keep` are kept in the folder, for every reader
    that asks them (`Dataset.query`), and so are `indexes`: for the text naming what each is made
    from, what makes it from a Dataset, as JSON (read back by `Dataset.kept_index`).

    Any problem the checks find (`DataProblems`), or any failure (a broken file: `SourceError`; a
    full disk or a folder that is not ours: `StoreError`), leaves `path` untouched and says so.
    The folder is checked before minutes of building, not after.
    """
    path = Path(path)
    try:
        storefolder.write(path, lambda folder: _build_into(folder, path, extra, progress, list(keep), indexes or {}),
                          progress)
    except SourceError as error:
        raise SourceError(f"{error}; {path} was left as it was") from None
    except OSError as error:
        raise StoreError(f"{path}: cannot write the store: {error.strerror or error}; "
                         "the previous store was left as it was") from None
    return Dataset.open(path)


def _build_into(folder: Path, path: Path, extra: Iterable[Path], progress: Progress | None,
                keep: list[str], indexes: Mapping[str, Callable[[Dataset], object]]) -> None:
    """Build and check into the new version folder: the store in memory, except what is derived
    for the answers alone (name windows, instants, event times) and the statement provenance
    (which the checks read by index lookups): these go straight into the on-disk store as they
    are derived (at 1M extra triples nearly half the quads: held in memory, they made the peak).

    The checks read the provenance there; on a problem the folder is dropped (`storefolder.write`)."""
    disk = ox.Store(str(folder / storefolder.ENGINE))
    store, found = build_store(extra, progress, apart=disk)
    started = time.perf_counter()
    problems = check(store, found, provenance=disk)
    if progress:
        progress(f"checked shapes, quotes and support ({time.perf_counter() - started:.2f} s)")
    if problems:
        del store, disk  # closed before the folder is removed
        raise DataProblems(problems, path)
    built = [disk, store]
    del store, disk  # from here only `built` holds them, so _fill can let each go
    _fill(built, folder, progress, keep, indexes)


# Quads handed to RocksDB's bulk loader at once: it holds about 0.9 kB a quad of what it is given
# (1M triples at once: 844 MB peak; 250,000 at a time: 240 MB, as fast).
_LOAD_AT_ONCE = 250_000


def _fill(built: list[ox.Store], folder: Path, progress: Progress | None, keep: list[str],
          indexes: Mapping[str, Callable[[Dataset], object]]) -> None:
    """The store folder's files from `built`, the on-disk store holding what was derived apart
    and the store built in memory holding the rest: the dumps (written from memory, several
    times faster than from disk), the rest of the on-disk (RocksDB) store, then the VoID
    statistics.

    Building in memory and bulk-loading the result is several times faster than building on
    disk. The memory store is written out and dropped before the bulk load, and the statistics
    (whose distinct counts hold every term) are counted after, so the peak is the largest of the
    three, not their sum.
    """
    started = time.perf_counter()
    memory, disk = Dataset(built.pop()), built.pop()
    (folder / storefolder.DUMPS).mkdir()
    for format_name, filename in dumps.DUMPS.items():
        with (folder / storefolder.DUMPS / filename).open("xb") as stream:
            dumps.dump(memory, format_name, output=stream, apart=disk)
    quads = folder / "quads.nq"
    memory.store.dump(str(quads), ox.RdfFormat.N_QUADS)
    if progress:
        progress(f"wrote the dumps ({time.perf_counter() - started:.2f} s)")
    del memory
    _give_back_freed_memory()
    # parsed here, not by `bulk_load`, which would give every blank node a new label: the store
    # keeps the labels of the dumps and of the statement IRIs derived from them, as fast
    parsed = ox.parse(path=str(quads), format=ox.RdfFormat.N_QUADS)
    while (first := next(parsed, None)) is not None:
        disk.bulk_extend(itertools.chain((first,), itertools.islice(parsed, _LOAD_AT_ONCE - 1)))
    quads.unlink()
    disk.flush()
    disk.optimize()
    if progress:
        progress(f"loaded the on-disk store ({time.perf_counter() - started:.2f} s)")
    written = Dataset(disk)
    (folder / storefolder.STATISTICS).write_text(json.dumps(dumps.count_statistics(written)), encoding="utf-8")
    if keep or indexes:
        (folder / storefolder.KEPT).mkdir()
    for query in keep:  # asked of the store as written, so a reader gets what the store would answer
        disk.query(query).serialize(str(folder / storefolder.kept_answer(query)), ox.QueryResultsFormat.JSON)
    for made_from, make in indexes.items():  # made as a reader of the store would make them
        with (folder / storefolder.kept_index(made_from)).open("x", encoding="utf-8") as stream:
            # json.dumps, not json.dump: only the one-shot encoder is C (json.dump streams
            # through the pure-Python one: 0.25 s against 0.06 s for the registry's name index)
            stream.write(json.dumps(make(written), separators=(",", ":")))
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
