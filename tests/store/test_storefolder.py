"""Store folders: nothing of the user's is lost, nothing planted is served, damage is one line."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from derbygraph.build import build_dataset, write_store
from derbygraph.store.dataset import Dataset, StoreError
from derbygraph.store.dumps import dump_file


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
    names = {p.name for p in tmp_path.iterdir()}
    assert os.readlink(tmp_path / "store") in names  # the store is a link to its version, beside it
    assert {name for name in names if not name.startswith(".store.store-")} == {"store", "store.building", "store.previous"}


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


def test_a_file_changed_in_place_with_its_times_set_back_is_refused(cli, tmp_path):
    """Opening reads no checksum of a file the build hashed and nothing changed since; a file
    written in place (same inode, same size, its times set back) is hashed, and refused."""
    path = tmp_path / "store"
    write_store(path)
    biggest = max((Dataset.open(path).path / "oxigraph").iterdir(), key=lambda p: p.stat().st_size)
    times = biggest.stat()
    with biggest.open("r+b") as stream:
        stream.seek(times.st_size // 2)
        byte = stream.read(1)
        stream.seek(times.st_size // 2)
        stream.write(bytes([byte[0] ^ 0xFF]))
    os.utime(biggest, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert biggest.stat().st_ino == times.st_ino and biggest.stat().st_size == times.st_size
    result = cli("query", "ASK { ?s ?p ?o }", "--store", str(path))
    assert result.returncode == 1 and "damaged" in result.stderr and biggest.name in result.stderr


def test_only_a_file_the_build_did_not_hash_as_it_is_is_hashed_at_opening(built, tmp_path, monkeypatch):
    import shutil

    from derbygraph.store import storefolder

    hashed = []
    digest = storefolder._digest
    monkeypatch.setattr(storefolder, "_digest", lambda file: hashed.append(file.name) or digest(file))
    Dataset.open(built)
    assert hashed == []  # every file as the build hashed it
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)  # other inodes: every file read is hashed
    Dataset.open(copy)
    files = Dataset.open(built).manifest["files"]
    assert sorted(hashed) == sorted(Path(name).name for name in files if not name.startswith("dumps/"))


def test_a_damaged_dump_is_found_when_sent(cli, built, tmp_path):
    """A dump is only ever sent to clients, so its checksum is checked when it is first sent, not at
    every opening: the store still answers, and the damaged dump is never sent (500), the file as
    built again is."""
    import shutil

    from derbygraph.web.app import create_app

    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    dump = copy / "dumps" / "derbygraph.ttl"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    answer = cli("query", "ASK { ?s ?p ?o }", "--store", str(copy))
    assert answer.returncode == 0 and "true" in answer.stdout.lower(), answer.stderr
    dataset = Dataset.open(copy)
    assert dump_file(dataset, "nq")[0] == copy / "dumps" / "derbygraph.nq"  # the other dump is whole
    with pytest.raises(StoreError, match="dumps/derbygraph.ttl"):
        dump_file(dataset, "turtle")
    answer = create_app(dataset).test_client().get("/dumps/derbygraph.ttl")
    assert answer.status_code == 500 and b"rebuild" in answer.data  # the server's fault, not the asker's
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))  # the file as built, again: sent
    assert dump_file(dataset, "turtle")[0] == dump
    times = dump.stat()
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))  # damaged again in place, its times set back: found all the same
    os.utime(dump, ns=(times.st_atime_ns, times.st_mtime_ns))
    with pytest.raises(StoreError, match="dumps/derbygraph.ttl"):
        dump_file(dataset, "turtle")


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

    from derbygraph.store import storefolder

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
    assert "quads" in dataset.folder_statistics and len(dataset) == counted(dataset)
    trig = tmp_path / "graphs.trig"
    trig.write_text('<https://example.org/g> { <https://example.org/a> <https://example.org/p> "1" }\n'
                    '_:g { <https://example.org/a> <https://example.org/p> "2" . <https://example.org/a> <https://example.org/p> "3" }\n')
    write_store(tmp_path / "store", [trig])
    own = Dataset.open(tmp_path / "store")
    assert any(isinstance(g, ox.BlankNode) for g in own.store.named_graphs())
    assert len(own) == counted(own)


# --- a store is recognised by construction ----------------------------------------------------


def _tree(folder) -> dict:
    """Every file under `folder` with its bytes: to show a folder was left exactly as it was."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_with_a_stray_manifest_is_refused_untouched(cli, tmp_path):
    """A file named manifest.json does not make a folder a store: the build would have deleted it."""
    folder = tmp_path / "d"
    (folder / "oxigraph").mkdir(parents=True)
    (folder / "manifest.json").write_text('{"note": "my own manifest"}')
    (folder / "chapter1.txt").write_bytes(b"years of work\x00")
    (folder / "oxigraph" / "CURRENT").write_text("mine")
    before = _tree(folder)
    result = cli("build", "--store", str(folder))
    assert result.returncode == 1 and "not empty and not a derbygraph store" in result.stderr
    assert "Traceback" not in result.stderr
    assert _tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no staging folder left beside it


def test_a_store_with_a_file_added_is_refused_in_place(built, tmp_path):
    """A manifest listing the store's files but beside a file of the user's: refused, untouched."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    (copy / "notes.txt").write_text("mine")
    before = _tree(copy)
    with pytest.raises(StoreError, match="not empty and not a derbygraph store"):
        write_store(copy)
    assert _tree(copy) == before


@pytest.mark.parametrize("planted", ["oxigraph/000999.log", "oxigraph/000999.sst", "extra/file.nq"])
def test_a_planted_file_is_refused_at_opening(cli, built, tmp_path, planted):
    """A RocksDB log or table dropped into the store would be served: the store is refused, in one
    line that names the file."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    log = next(p for p in (copy / "oxigraph").iterdir() if p.suffix == ".log")
    (copy / planted).parent.mkdir(exist_ok=True)
    (copy / planted).write_bytes(log.read_bytes())
    with pytest.raises(StoreError, match=planted.replace(".", r"\.")):
        Dataset.open(copy)
    result = cli("query", "ASK { ?s ?p ?o }", "--store", str(copy))
    assert result.returncode == 1 and planted in result.stderr and "did not write" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_manifest_lists_every_file_with_its_format(built):
    import json

    from derbygraph.store import storefolder

    folder = storefolder.folder(built)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "derbygraph-store/1"
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk and any(name.startswith("oxigraph/LOG") for name in on_disk)


def _old_layout(folder) -> None:
    """A store as derbygraph wrote it before: a plain folder, its manifest leaving out LOG and LOCK."""
    import hashlib
    import json

    (folder / "oxigraph").mkdir(parents=True)
    for name, data in (("oxigraph/000001.sst", b"old data"), ("statistics.json", b"{}")):
        (folder / name).write_bytes(data)
    (folder / "oxigraph" / "LOG").write_text("rocksdb says")
    (folder / "oxigraph" / "LOCK").write_text("")
    files = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
             for name, data in (("oxigraph/000001.sst", b"old data"), ("statistics.json", b"{}"))}
    (folder / "manifest.json").write_text(json.dumps({"derbygraph-store": 1, "files": files}))


def test_a_store_of_the_old_layout_says_rebuild_and_is_replaced(cli, tmp_path):
    old = tmp_path / "store"
    _old_layout(old)
    result = cli("query", "ASK { ?s ?p ?o }", "--store", str(old))
    assert result.returncode == 1 and "earlier derbygraph" in result.stderr and f"build --store {old}" in result.stderr
    (tmp_path / "store" / "mine.txt").write_text("keep")  # not the build's: refused untouched
    assert cli("build", "--store", str(old)).returncode == 1
    (tmp_path / "store" / "mine.txt").unlink()
    result = cli("build", "--store", str(old))
    assert result.returncode == 0, result.stderr
    assert old.is_symlink() and len(Dataset.open(old)) > 4000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["store", os.readlink(old)])  # the old one gone


# --- the swap: DIR is the old store or the new one at every instant -------------------------------

KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from derbygraph.store import storefolder

target, label, kill_at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
STEPS = {"open", "os.mkdir", "os.rename", "os.symlink", "os.remove", "os.rmdir", "shutil.rmtree",
         "ctypes.call_function"}
seen = 0

def kill_at_step(event, args):
    global seen
    if event in STEPS:
        seen += 1
        if seen == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

def fill(folder):
    (folder / "oxigraph").mkdir()
    (folder / "oxigraph" / "000001.sst").write_bytes(os.urandom(4096))
    (folder / "which.txt").write_text(label)

sys.addaudithook(kill_at_step)
storefolder.write(target, fill)
print("done")
"""


def _which(path) -> str:
    """Which build's store `path` is, checked whole (in a process of its own, which holds the
    version it opens only while it lives)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "import sys; from derbygraph.store import storefolder; "
                           "print((storefolder.checked(sys.argv[1])[0] / 'which.txt').read_text())", str(path)],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def _build_killed_at(path, label: str, step: int) -> bool:
    """A build of `path` SIGKILLed at its `step`th file system call; whether it finished first."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", KILLED_BUILD, str(path), label, str(step)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, -9), result.stderr
    return result.stdout.strip() == "done"


@pytest.mark.parametrize("before", ["a store", "an empty folder", "a store of the old layout"])
def test_a_build_killed_at_any_step_leaves_the_old_store_or_the_new(tmp_path, before):
    """Killed at every file system call in turn (SIGKILL: no clean-up runs), a build leaves DIR
    the store it was or the new one, never missing or half; the next build clears what it left."""
    path = tmp_path / "store"
    if before == "a store":
        assert _build_killed_at(path, "first", 0)
    elif before == "an empty folder":
        path.mkdir()
    else:
        _old_layout(path)
    current, step, finished = _which(path) if before == "a store" else None, 0, False
    while not finished:
        step += 1
        assert step < 500, "the build never finished"
        finished = _build_killed_at(path, f"build {step}", step)
        if current is None and not path.is_symlink():  # still the folder it was
            assert path.is_dir()
            continue
        now = _which(path)  # never missing, never half: a whole store
        assert now in (current, f"build {step}")
        current = now
    assert step > 10  # killed at every step of a real swap, not once
    assert current == f"build {step}"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["store", os.readlink(path)]), left  # what dead builds left was cleared


def test_stale_staging_is_removed_only_when_provably_ours(tmp_path):
    """Folders of builds that died (their marker's pid is gone) go; a live build's, a folder
    without the marker, and anything not named as ours stay."""
    import subprocess
    import sys

    from derbygraph.store import storefolder

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / ".store.store-dead"
    (stale / "oxigraph").mkdir(parents=True)
    (stale / "oxigraph" / "000001.sst").write_bytes(b"x" * 1000)
    (stale / f"{storefolder.BUILDING}-{dead}-1").touch()
    live = tmp_path / ".store.store-live"
    live.mkdir()
    (live / storefolder._marker()).touch()
    unmarked = tmp_path / ".store.store-unmarked"
    unmarked.mkdir()
    (unmarked / "thesis.txt").write_text("mine")
    assert _build_killed_at(tmp_path / "store", "new", 0)
    assert not stale.exists()
    assert live.exists() and (unmarked / "thesis.txt").read_text() == "mine"


def test_a_version_a_server_still_reads_is_left_until_it_is_free(tmp_path):
    """A build swaps in a new store while another process reads the old one: the old version
    stays whole for it (its dumps still served), and the next build after it is gone clears it."""
    import subprocess
    import sys

    from derbygraph.store import storefolder

    assert _build_killed_at(tmp_path / "store", "first", 0)
    first = storefolder.folder(tmp_path / "store")
    reader = subprocess.Popen([sys.executable, "-c", "import sys; from derbygraph.store import storefolder; "
                               "storefolder.checked(sys.argv[1]); print('open', flush=True); sys.stdin.read()",
                               str(tmp_path / "store")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        assert _build_killed_at(tmp_path / "store", "second", 0)
        assert _which(tmp_path / "store") == "second"
        assert _which(first) == "first"  # whole, still
    finally:
        reader.communicate("", timeout=30)
    assert _build_killed_at(tmp_path / "store", "third", 0)
    assert not first.exists()


def test_a_server_on_the_store_keeps_serving_what_it_checked_while_a_build_swaps_it(cli, tmp_path):
    """`serve --store DIR` on the link; `build --store DIR` meanwhile: the server's dumps and
    SPARQL still answer from the version it opened, which the build leaves in place."""
    from conftest import Server

    path = tmp_path / "store"
    assert cli("build", "--store", str(path)).returncode == 0
    first = os.readlink(path)
    server = Server("--store", str(path), "--workers", "1")
    try:
        status, _, before = server.get("/dumps/derbygraph.nq")
        assert status == 200
        assert cli("build", "--store", str(path)).returncode == 0
        assert os.readlink(path) != first and (tmp_path / first).is_dir()  # swapped, the old one kept
        status, _, after = server.get("/dumps/derbygraph.nq")
        assert status == 200 and after == before
        status, _, body = server.get("/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", {"Accept": "application/sparql-results+json"})
        assert status == 200 and b"true" in body
    finally:
        server.stop()
    assert cli("build", "--store", str(path)).returncode == 0
    assert not (tmp_path / first).exists()  # free now: cleared by the next build


def test_a_real_build_killed_at_random_moments_leaves_a_whole_store(cli, tmp_path):
    """`derbygraph build` SIGKILLed at random moments of its second half (where it writes): the
    store at DIR answers after each, and the next whole build leaves nothing else beside it."""
    import random
    import signal
    import subprocess
    import time

    from conftest import derbygraph_command

    path = tmp_path / "store"
    started = time.monotonic()
    assert cli("build", "--store", str(path)).returncode == 0
    took = time.monotonic() - started
    seed = random.randrange(1 << 30)
    moments = random.Random(seed).sample(range(50, 110), 4)  # percent of a whole build
    for percent in moments:
        build = subprocess.Popen(derbygraph_command() + ["build", "--store", str(path)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            build.wait(timeout=took * percent / 100)
        except subprocess.TimeoutExpired:
            build.send_signal(signal.SIGKILL)
            build.wait()
        answer = cli("query", "ASK { ?s ?p ?o }", "--store", str(path))
        assert answer.returncode == 0 and "true" in answer.stdout.lower(), (seed, percent, answer.stderr)
    assert cli("build", "--store", str(path)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["store", os.readlink(path)]), seed
