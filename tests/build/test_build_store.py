"""`derbygraph build` writes the statement provenance straight to the on-disk store and the rest
after the check (issue #29): the store folder holds, quad by quad, what the build in memory holds."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402
import samequads  # noqa: E402


def test_a_store_folder_holds_the_quads_of_the_memory_build_one_by_one(tmp_path):
    graph = tmp_path / "bench.nt"
    generate.generate(5000, graph, seed=142)
    views = samequads.compare(graph)["views"]
    assert set(views) == {"store, every quad", "N-Quads dump (named graphs)", "Turtle dump (the default graph)"}
    for name, view in views.items():
        assert view["same"], (name, view)
        assert view["folder"] > 5000, name


def test_the_answers_a_store_keeps_are_the_stores_own_and_only_for_the_same_text(store):
    """`derbygraph build` keeps the answers of the queries every command reads over the whole store
    (crosswalk facts, name indexes): read back, they are the rows the store itself gives; a query
    that differs by a space is asked of the store."""
    import json
    from pathlib import Path

    from derbygraph.answers import kept_indexes, kept_queries
    from derbygraph.answers.names import name_queries
    from derbygraph.store import storefolder
    from derbygraph.store.dataset import Dataset

    dataset = Dataset.open(Path(store))
    kept = [name for name in dataset.manifest["files"] if name.startswith(storefolder.KEPT + "/")]
    assert sorted(kept) == sorted({storefolder.kept_answer(q) for q in kept_queries()} |
                                  {storefolder.kept_index(made) for made in kept_indexes()})
    for query in kept_queries():
        from_store = dataset.store.query(query)
        read = dataset.query(query)
        assert [v.value for v in read.variables] == [v.value for v in from_store.variables]
        assert sorted(map(tuple, read), key=repr) == sorted(map(tuple, from_store), key=repr), query[-200:]
    names = name_queries()[0]
    file = storefolder.served_file(dataset.path, dataset.manifest, storefolder.kept_answer(names))
    answer = json.loads(file.read_bytes())
    assert len(dataset.query(names)) == len(answer["results"]["bindings"]) > 10
    assert len(dataset.query(names + " ")) == len(answer["results"]["bindings"])

    class Unreadable:
        def query(self, *args, **kwargs):
            raise AssertionError("asked of the store")

    dataset.store = Unreadable()  # from here the kept files alone can answer
    for query in kept_queries():
        assert dataset.query(query) is not None
    with pytest.raises(AssertionError, match="asked of the store"):
        dataset.query(names + " ")  # not the kept text
