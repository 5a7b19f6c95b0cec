"""Faults: broken or truncated data, a failing disk, a busy port, a bad store: one clear line, nothing lost."""

from __future__ import annotations

import json
import resource
import shutil
import signal
import socket
from pathlib import Path

import pytest
from conftest import derbygraph_command, free_port, run_cli  # noqa: F401


@pytest.fixture
def built(tmp_path, store) -> Path:
    """A store of this test's own: a copy of the one `derbygraph build` wrote for the session."""
    return Path(shutil.copytree(store, tmp_path / "store"))


def snapshot(store: Path) -> dict:
    return {p.name: p.stat().st_size for p in store.iterdir()}


def answers(store: Path) -> dict:
    return json.loads(run_cli("lineage", "DCHS", "--json", "--store", str(store), check=True).stdout)


def test_broken_data_leaves_the_previous_store(built, tmp_path):
    before, answer = snapshot(built), answers(built)
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix dg: <https://w3id.org/derbygraph/ontology#> .\n<https://w3id.org/x> dg:name \"open\n")
    result = run_cli("build", "--store", str(built), "--data", str(broken))
    assert result.returncode == 1 and f"{broken}:2" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(built) == before and answers(built) == answer
    assert not any(".building" in p.name for p in built.parent.iterdir())


def test_truncated_file_is_refused(built, tmp_path):
    source = Path(__file__).resolve().parents[1] / "data" / "lineage.ttl"
    truncated = tmp_path / "truncated.ttl"
    text = source.read_bytes()
    cut = text.index(b'oa:exact "', len(text) // 2) + 15  # the transfer stopped inside a quotation
    truncated.write_bytes(text[:cut])
    result = run_cli("build", "--store", str(built), "--data", str(truncated))
    last = result.stderr.strip().splitlines()[-1]  # after the progress lines, the one problem
    assert result.returncode == 1 and last.startswith(f"derbygraph: {truncated}:") and "Traceback" not in result.stderr


def test_invalid_data_is_refused_with_file_and_line(built, tmp_path):
    bad = tmp_path / "unsourced.ttl"
    bad.write_text("@prefix dg: <https://w3id.org/derbygraph/ontology#> .\n"
                   "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                   "<https://w3id.org/derbygraph/id/org/x> a dg:Charity ; rdfs:label \"X\" .\n")
    before = snapshot(built)
    result = run_cli("build", "--store", str(built), "--data", str(bad))
    assert result.returncode == 1 and f"{bad}:3: x: an organisation needs a source" in result.stderr
    assert snapshot(built) == before


def test_failing_write_leaves_the_previous_store(built):
    """A disk that refuses writes, simulated with a file-size limit on the build process."""
    before, answer = snapshot(built), answers(built)

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    result = run_cli("build", "--store", str(built), preexec_fn=small_disk)
    assert result.returncode == 1
    assert f"{built}: cannot write the store" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(built) == before and answers(built) == answer


def test_serve_on_a_port_in_use(built):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--store", str(built), "--port", str(port), timeout=60)
    assert result.returncode == 1 and f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_an_unreadable_store(tmp_path):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "CURRENT").write_text("garbage\n")
    result = run_cli("serve", "--store", str(junk), "--port", str(free_port()), timeout=60)
    assert result.returncode == 1 and str(junk) in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
