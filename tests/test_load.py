"""A short load test: 16 clients for a few seconds plus runaway queries; nothing fails, memory holds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import Server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import loadtest  # noqa: E402  (benchmarks/loadtest.py, the long load test's code)


@pytest.fixture(scope="module")
def loaded_server(store):
    # its 16 clients stand for 16 people, though all send from 127.0.0.1: no share of one client
    running = Server("--store", store, "--query-timeout", "2", "--workers", "2", "--client-share", "64")
    yield running
    running.stop()


def test_short_load_with_runaways(loaded_server):
    result = loadtest.run(loaded_server.url, clients=16, seconds=6, runaways=2, server_pid=loaded_server.process.pid)
    assert result["failures"] == 0, result["failure_examples"]
    assert result["requests"] > 100
    assert result["runaway_statuses"] == [503, 503]
    assert result["still_answering"]
    assert result["memory_after_kib"] < 2 * result["memory_before_kib"] + 200_000
