"""Installing and extra data: the package works from any directory; --data keeps named graphs."""

from __future__ import annotations

import json

from derbygraph import resources

from conftest import run_cli


def test_assets_travel_with_the_package():
    for name in ("ontology", "data", "queries", "web"):
        folder = resources.asset_dir(name)
        assert any(folder.iterdir()), name
    assert resources.ontology_file().is_file() and resources.shapes_file().is_file()


def test_works_from_any_directory(tmp_path):
    result = run_cli("lineage", "DCHS", "--json", cwd=tmp_path, check=True)
    assert json.loads(result.stdout)["names"]


def test_extra_trig_and_nquads_keep_their_graphs(tmp_path):
    trig = tmp_path / "extra.trig"
    trig.write_text("<http://example.org/g1> { <http://example.org/a> <http://example.org/b> \"in g1\" . }\n")
    nquads = tmp_path / "extra.nq"
    nquads.write_text("<http://example.org/a> <http://example.org/b> \"in g2\" <http://example.org/g2> .\n")
    query = "SELECT ?g ?o WHERE { GRAPH ?g { <http://example.org/a> <http://example.org/b> ?o } } ORDER BY ?g"
    result = run_cli("query", query, "--format", "csv", "--data", str(trig), "--data", str(nquads), check=True)
    assert result.stdout.splitlines()[1:] == ["http://example.org/g1,in g1", "http://example.org/g2,in g2"]
