"""Does a store folder hold the same quads as the store built in memory? Compared one by one.

    python benchmarks/samequads.py --size 100k      # benchmarks/out/bench-100k.nt, generated if absent

`derbygraph build` keeps the statement provenance out of memory (it goes straight into the
on-disk store) and writes the rest after the check; the store built in memory
(`build_store`, what `build` wrote before) holds everything in one place. Both are built here
from the same file, and every quad of the folder's store, of its N-Quads dump (the named
graphs) and of its Turtle dump (the default graph, the union) is compared with the memory
store's, line by line in N-Quads, sorted.

Parsing names blank nodes afresh each time, and the statement IRIs of statements about blank
nodes hash those names: so the comparison loads every source with blank nodes named in the order
the parser meets them, which both builds then share. Only the build's time stamp
(`dct:modified`) may differ.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

from derbygraph import vocab  # noqa: E402
from derbygraph.build import pipeline  # noqa: E402
from derbygraph.store import storefolder  # noqa: E402
from derbygraph.store.dataset import Dataset  # noqa: E402

STAMP = f"<{vocab.DCT}modified>"


def _in_parse_order(store: ox.Store, found, progress=None) -> None:
    """`load_sources`, with each blank node named by the order its parse meets it."""
    names: dict[tuple, ox.BlankNode] = {}
    for index, source in enumerate(found):
        def named(term):
            if isinstance(term, ox.BlankNode):
                return names.setdefault((index, term.value), ox.BlankNode(f"b{len(names)}"))
            return term

        graph = ox.NamedNode(source.graph)
        with source.path.open("rb") as stream:
            store.bulk_extend(ox.Quad(named(q.subject), q.predicate, named(q.object),
                                      graph if isinstance(q.graph_name, ox.DefaultGraph) else named(q.graph_name))
                              for q in ox.parse(stream, source.format, base_iri=source.base_iri))


def _lines(data: bytes | str) -> list[str]:
    text = data.decode() if isinstance(data, bytes) else data
    return sorted(line for line in text.splitlines() if line and not line.startswith("#") and STAMP not in line)


def _nquads(store: ox.Store, graph=None) -> list[str]:
    out = io.BytesIO()
    if graph is None:
        store.dump(out, ox.RdfFormat.N_QUADS)
    else:
        store.dump(out, ox.RdfFormat.N_TRIPLES, from_graph=graph)
    return _lines(out.getvalue())


def _parsed(path: Path, fmt: ox.RdfFormat) -> list[str]:
    return _nquads_of(ox.parse(path=str(path), format=fmt))


def _nquads_of(quads) -> list[str]:
    return _lines(ox.serialize(quads, None, ox.RdfFormat.N_QUADS))


def compare(data: Path) -> dict:
    """Build `data` both ways; for each view, the number of lines and the lines only one side has."""
    with mock.patch.object(pipeline, "load_sources", _in_parse_order):
        started = time.perf_counter()
        memory = pipeline.build_store([data])[0]
        memory_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            folder = pipeline.write_store(Path(scratch) / "store", [data]).path
            folder_s = time.perf_counter() - started
            written = Dataset(storefolder.open_engine(folder))
            views = {
                "store, every quad": (_nquads(memory), _nquads(written.store)),
                "N-Quads dump (named graphs)": (
                    _nquads_of(q for q in memory if not isinstance(q.graph_name, ox.DefaultGraph)),
                    _parsed(folder / storefolder.DUMPS / "derbygraph.nq", ox.RdfFormat.N_QUADS)),
                "Turtle dump (the default graph)": (
                    _nquads(memory, ox.DefaultGraph()), _parsed(folder / storefolder.DUMPS / "derbygraph.ttl",
                                                                 ox.RdfFormat.TURTLE)),
            }
            del written
    result = {"memory_build_s": round(memory_s, 1), "folder_build_s": round(folder_s, 1), "views": {}}
    for name, (before, after) in views.items():
        b, a = set(before), set(after)
        result["views"][name] = {"memory": len(before), "folder": len(after), "only_memory": sorted(b - a)[:5],
                                 "only_folder": sorted(a - b)[:5], "same": before == after}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--data", type=Path)
    args = parser.parse_args(argv)
    data = args.data or HERE / "out" / f"bench-{args.size}.nt"
    if not data.exists():
        generate.generate(generate.parse_size(args.size), data)
    result = compare(data)
    print(f"{data}: built in memory {result['memory_build_s']} s, into a store folder {result['folder_build_s']} s")
    for name, view in result["views"].items():
        verdict = "the same, line by line" if view["same"] else "DIFFERENT"
        print(f"  {name}: {view['memory']:,} quads in memory, {view['folder']:,} in the folder: {verdict}")
        for line in view["only_memory"]:
            print(f"    only in memory: {line}")
        for line in view["only_folder"]:
            print(f"    only in the folder: {line}")
    return 0 if all(view["same"] for view in result["views"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
