"""`derbygraph build` writes the statement provenance straight to the on-disk store and the rest
after the check (issue #29): the store folder holds, quad by quad, what the build in memory holds."""

from __future__ import annotations

import sys

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
