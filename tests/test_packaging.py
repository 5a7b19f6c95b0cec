"""Installing and extra data: the package works from any directory; --data keeps named graphs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import run_cli


def test_the_wheel_carries_its_assets_and_works_without_the_checkout(tmp_path):
    """Build the wheel, unpack it away from the checkout, and ask it what a user would."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(root)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("derbygraph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for asset in ("ontology/derbygraph.ttl", "ontology/shapes.ttl", "queries/name-on-a-date.rq",
                  "web/templates/lineage.html", "web/static/editor.js"):
        assert f"derbygraph/_assets/{asset}" in names, asset
    assert any(n.startswith("derbygraph/_assets/data/") and n.endswith(".ttl") for n in names)
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    asked = subprocess.run([sys.executable, "-c", (
        "import derbygraph.resources as r, pathlib; "
        "assert '_assets' in str(r.ontology_file()), r.ontology_file(); "
        "from derbygraph.build import build_dataset; from derbygraph.answers.lineage import LineageService; "
        "print(LineageService(build_dataset()).lineage('DCHS')['organisation']['label'])")],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path / "site")}, capture_output=True, text=True,
        timeout=300)
    assert asked.returncode == 0, asked.stderr
    assert "Derbyshire Community Health Services" in asked.stdout


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
