"""The walls around a process that runs queries: no network, bounded memory.

pyoxigraph evaluates SERVICE by opening an HTTP connection, and no option of its Python API
turns that off. So the query workers lock themselves in before they open the store: a seccomp
filter (allowed without root once the process sets no_new_privs) makes every socket() other
than AF_UNIX, and io_uring (which can open sockets without socket()), fail with EPERM. Whatever
text reaches the engine, it cannot reach the network. A worker's heap is capped with
RLIMIT_DATA, so a query that grows without bound fails inside its own worker.
"""

from __future__ import annotations

import errno
import resource
import socket


class SandboxError(Exception):
    """The walls could not be put up; a query process must not run without them."""


def deny_network() -> None:
    """From now on this process (and any it starts) can open no network socket."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as error:  # pyseccomp loads libseccomp.so.2 with ctypes
        raise SandboxError(f"cannot block the network of query workers: {error} "
                           "(install libseccomp2)") from None
    refused = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for call in ("socket", "socketpair"):
        rules.add_rule(refused, call, seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    for call in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
        rules.add_rule(refused, call)
    try:
        rules.load()
    except OSError as error:
        raise SandboxError(f"cannot block the network of query workers: {error}") from None


def cap_memory(limit_bytes: int) -> None:
    """Cap this process's heap (RLIMIT_DATA: brk and private anonymous mappings)."""
    resource.setrlimit(resource.RLIMIT_DATA, (limit_bytes, limit_bytes))


def lock_in(memory_bytes: int) -> None:
    """Both walls, in the order a worker needs them."""
    deny_network()
    cap_memory(memory_bytes)
