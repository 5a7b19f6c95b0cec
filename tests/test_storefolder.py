"""Store folders: nothing of the user's is lost, nothing planted is served, damage is one line."""

from __future__ import annotations

import os
import stat

import pytest

from derbygraph.build import build_dataset, write_store
from derbygraph.dataset import Dataset, StoreError
from derbygraph.linkeddata import dump_file


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("built") / "store"
    write_store(path)
    return path


def test_a_folder_with_other_files_is_refused_and_untouched(cli, tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work")
    (folder / "CURRENT").write_text("not RocksDB")  # looks a little like a store of 0.1
    result = cli("build", "--store", str(folder))
    assert result.returncode == 1 and "not empty and not a derbygraph store" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the "building" line and the refusal
    assert sorted(p.name for p in folder.iterdir()) == ["CURRENT", "thesis.txt"]
    assert (folder / "thesis.txt").read_text() == "years of work"


def test_a_file_or_a_link_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        write_store(tmp_path / "file")
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    with pytest.raises(StoreError, match="symbolic link"):
        write_store(tmp_path / "link")
    assert (tmp_path / "file").read_text() == "x"


def test_an_empty_folder_then_a_store_are_written_and_folders_beside_are_never_touched(tmp_path):
    """0.1 used fixed names (store.building, store.previous) and removed whatever was there."""
    for name in ("store.building", "store.previous"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text(name)
    (tmp_path / "store").mkdir()
    assert len(write_store(tmp_path / "store")) > 4000  # an empty folder
    assert len(write_store(tmp_path / "store")) > 4000  # a store, replaced
    for name in ("store.building", "store.previous"):
        assert (tmp_path / name / "keep.txt").read_text() == name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store", "store.building", "store.previous"]


def test_a_damaged_store_is_one_line(cli, built, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    biggest = max((copy / "oxigraph").iterdir(), key=lambda p: p.stat().st_size)
    data = bytearray(biggest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    biggest.write_bytes(bytes(data))
    result = cli("query", "ASK { ?s ?p ?o }", "--store", str(copy))
    assert result.returncode == 1 and "damaged" in result.stderr and biggest.name in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_planted_dump_is_not_served(built, tmp_path):
    import shutil

    copy = tmp_path / "planted"
    shutil.copytree(built, copy)
    dataset = Dataset.open(copy)
    path, digest = dump_file(dataset, "turtle")
    assert path.parent == copy / "dumps"
    path.unlink()
    (copy / "elsewhere.ttl").write_text("<a:b> <a:c> <a:d> .\n")
    path.symlink_to(copy / "elsewhere.ttl")  # a link where the dump was
    with pytest.raises(StoreError):
        dump_file(dataset, "turtle")
    with pytest.raises(StoreError, match="dumps/derbygraph.ttl"):
        Dataset.open(copy)


def test_dumps_of_a_dataset_without_a_folder_live_in_a_private_folder():
    dataset = build_dataset()
    path, digest = dump_file(dataset, "nq")
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert not path.parent.samefile(os.environ.get("TMPDIR", "/tmp"))
    assert dump_file(dataset, "nq") == (path, digest)


def test_the_dumps_hold_exactly_the_stores_quads_blank_nodes_as_labelled(store):
    """The N-Quads dump is the store's named graphs quad for quad, and the Turtle dump its union,
    with the same blank node labels (the statement IRIs derived from them stay findable)."""
    import pyoxigraph as ox

    from derbygraph import storefolder

    dataset = Dataset.open(store)
    folder = os.path.join(store, storefolder.DUMPS)
    quads = set(ox.parse(path=os.path.join(folder, "derbygraph.nq"), format=ox.RdfFormat.N_QUADS))
    assert quads == set(dataset.quads())
    assert any(isinstance(q.object, ox.BlankNode) for q in quads)  # there are blank nodes to compare
    union = {q.triple for q in dataset.store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert {q.triple for q in ox.parse(path=os.path.join(folder, "derbygraph.ttl"), format=ox.RdfFormat.TURTLE)} == union


def test_a_store_folder_counts_its_quads_as_a_count_would(store, tmp_path):
    """The quad count a store folder reports (read from its statistics, not counted at start-up)
    is the count of its quads, for the built-in graph and for a file that names its own graphs,
    a blank node among them."""
    import pyoxigraph as ox

    def counted(dataset):
        return int(next(iter(dataset.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))["n"].value)

    dataset = Dataset.open(store)
    assert "quads" in dataset.statistics and len(dataset) == counted(dataset)
    trig = tmp_path / "graphs.trig"
    trig.write_text('<https://example.org/g> { <https://example.org/a> <https://example.org/p> "1" }\n'
                    '_:g { <https://example.org/a> <https://example.org/p> "2" . <https://example.org/a> <https://example.org/p> "3" }\n')
    write_store(tmp_path / "store", [trig])
    own = Dataset.open(tmp_path / "store")
    assert any(isinstance(g, ox.BlankNode) for g in own.store.named_graphs())
    assert len(own) == counted(own)
