"""The parser's tables come from the user's cache once computed, and a cache that is stale, broken
or cannot be written never changes an answer: the command computes the tables and goes on."""

from __future__ import annotations

import os

from conftest import run_cli

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/derbygraph/ontology#Organisation> }"


def _query(store: str, cache_home) -> str:
    result = run_cli("query", "--store", store, "--format", "csv", QUERY, check=True,
                     env={**os.environ, "XDG_CACHE_HOME": str(cache_home)})
    assert result.stderr == ""
    return result.stdout


def _cached(cache_home) -> list:
    return sorted((cache_home / "derbygraph").glob("sparql-parser-*"))


def test_the_tables_are_cached_and_a_broken_cache_is_computed_again(store, tmp_path):
    first = _query(store, tmp_path)
    [cached] = _cached(tmp_path)
    assert cached.stat().st_size > 10_000
    assert oct(cached.parent.stat().st_mode & 0o777) == "0o700", "the folder is the user's alone"
    written = cached.stat().st_mtime_ns
    assert _query(store, tmp_path) == first
    assert cached.stat().st_mtime_ns == written, "read, not computed and written again"
    cached.write_bytes(b"not the tables\n" + cached.read_bytes()[:500])  # stale and cut short
    assert _query(store, tmp_path) == first
    assert _cached(tmp_path)[0].stat().st_size > 10_000, "computed and written again"


def test_a_cache_folder_others_may_write_is_never_read_or_written(store, tmp_path):
    answer = _query(store, tmp_path / "fresh")
    shared = tmp_path / "shared" / "derbygraph"
    shared.mkdir(parents=True)
    shared.chmod(0o777)  # a file planted here would be unpickled by Lark
    assert _query(store, tmp_path / "shared") == answer
    assert list(shared.iterdir()) == []


def test_a_cache_that_cannot_be_made_changes_nothing(store, tmp_path):
    answer = _query(store, tmp_path / "fresh")
    blocked = tmp_path / "a-file"
    blocked.write_text("a file where the cache folder would go")
    assert _query(store, blocked) == answer
