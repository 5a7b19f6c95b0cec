"""The walls around a process that runs queries: no network, bounded memory.

pyoxigraph evaluates SERVICE by opening an HTTP connection, and no option of its Python API
turns that off. So the query workers lock themselves in before they open the store: a seccomp
filter (allowed without root once the process sets no_new_privs) makes every call that makes,
names or reaches a socket fail with EPERM, of every family, Unix ones included: the name service's
own sockets (nscd, avahi) too. A worker needs none of them: its pipe to the server is made by
the server before the worker starts, and it reads and writes that pipe with read() and write()
(traced with strace on a worker answering SELECT, CONSTRUCT, DESCRIBE and SERVICE queries over
the whole store: after the filter, only SERVICE asks for a socket). io_uring, which can open
sockets without socket(), is denied too. A worker's heap is capped with RLIMIT_DATA, so a query
that grows without bound fails inside its own worker.

A store served remotely (`serve --endpoint`) runs as its own program, which must keep accepting
on its port: `walled` (`derbygraph walled -- PROGRAM ...`) applies `deny_outbound`, which leaves
listening and accepting alone and denies every way to reach out (connect, an address given to
sendto or with TCP Fast Open, datagram, raw and non-TCP sockets), then runs the program.
Virtuoso connects to its own SQL port once at start; for it, Landlock (Linux 6.7+) allows TCP
connect() to that one port, and no Unix socket can be made (the name service's are Unix ones).

The binding is pyseccomp, a ctypes binding over the system's libseccomp (the upstream C library,
which compiles the filter) with the API of libseccomp's own Python binding. That binding
(`seccomp`, Debian's python3-seccomp) is upstream's, but it is not on PyPI, so it cannot be a
dependency of a pip-installed package; where it is importable it is used.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import socket

# Calls that make a socket, give it an address, or reach out from it. A worker uses none.
SOCKET_CALLS = ("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
                "sendto", "sendmsg", "sendmmsg")
IO_URING = ("io_uring_setup", "io_uring_enter", "io_uring_register")
SOCK_TYPE_MASK = 0xF  # the type bits of socket()'s second argument, without SOCK_NONBLOCK and SOCK_CLOEXEC
MSG_FASTOPEN = 0x20000000
FAMILIES = 64  # above AF_MAX (46 in Linux 6.x)
# Landlock (linux/landlock.h; the system calls are numbered alike on every architecture since 5.13)
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_NET_PORT = 2
LANDLOCK_ACCESS_NET_CONNECT_TCP = 2
PR_SET_NO_NEW_PRIVS = 38


class SandboxError(Exception):
    """The walls could not be put up; a process that needs them must not run without them."""


def _binding():
    try:
        import seccomp  # libseccomp's own binding, where the system has it
    except ImportError:
        try:
            import pyseccomp as seccomp
        except (ImportError, OSError) as error:  # pyseccomp loads libseccomp.so.2 with ctypes
            raise SandboxError(f"cannot wall the process off the network: {error} (install libseccomp2)") from None
    return seccomp


def _load(add_rules) -> None:
    """A filter that allows every call but those `add_rules(seccomp, rules, refused)` denies."""
    seccomp = _binding()
    refused = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for call in IO_URING:
        rules.add_rule(refused, call)
    add_rules(seccomp, rules, refused)
    try:
        rules.load()
    except OSError as error:
        raise SandboxError(f"cannot wall the process off the network: {error}") from None


def deny_network() -> None:
    """From now on this process (and any it starts) can make, name or reach no socket at all."""
    def add_rules(seccomp, rules, refused):
        for call in SOCKET_CALLS:
            rules.add_rule(refused, call)
    _load(add_rules)


def deny_outbound(own_port: int | None = None) -> None:
    """From now on this process (and any it starts) can listen and accept on TCP and Unix stream
    sockets, but reach nothing: a server that serves and never calls out.

    A server that connects to itself (Virtuoso does, once at start, on its SQL port) gives that
    `own_port`: then TCP connect() is allowed to that one port and no other (Landlock, Linux 6.7
    or later), and no Unix socket can be made (so no name service daemon is reached)."""
    def add_rules(seccomp, rules, refused):
        if own_port is None:
            rules.add_rule(refused, "connect")
        else:
            rules.add_rule(refused, "socket", seccomp.Arg(0, seccomp.EQ, socket.AF_UNIX))
        for family in range(FAMILIES):  # netlink, packet, vsock, bluetooth ...: not a server's
            if family not in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
                rules.add_rule(refused, "socket", seccomp.Arg(0, seccomp.EQ, family))
        rules.add_rule(refused, "socket", seccomp.Arg(0, seccomp.GE, FAMILIES))
        for kind in range(1, SOCK_TYPE_MASK + 1):  # stream sockets only: no datagram, raw, packet
            if kind != socket.SOCK_STREAM:
                rules.add_rule(refused, "socket", seccomp.Arg(1, seccomp.MASKED_EQ, SOCK_TYPE_MASK, kind))
        for protocol in range(1, socket.IPPROTO_TCP):  # TCP only (Landlock sees TCP, not SCTP or MPTCP)
            rules.add_rule(refused, "socket", seccomp.Arg(2, seccomp.EQ, protocol))
        rules.add_rule(refused, "socket", seccomp.Arg(2, seccomp.GT, socket.IPPROTO_TCP))
        rules.add_rule(refused, "sendto", seccomp.Arg(4, seccomp.NE, 0))  # an address: a datagram, or Fast Open
        rules.add_rule(refused, "sendto", seccomp.Arg(3, seccomp.MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN))
        rules.add_rule(refused, "sendmsg", seccomp.Arg(2, seccomp.MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN))
        rules.add_rule(refused, "sendmmsg", seccomp.Arg(3, seccomp.MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN))
    if own_port is not None:
        _connect_only_to(own_port)
    _load(add_rules)


def _connect_only_to(port: int) -> None:
    """Landlock: TCP connect() to `port` only, for this process and all it starts."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 4:
        raise SandboxError("cannot limit the program's connections to one port: this kernel has no Landlock "
                           "network rules (Linux 6.7 or later, with Landlock enabled)")
    ruleset = (ctypes.c_uint64 * 2)(0, LANDLOCK_ACCESS_NET_CONNECT_TCP)  # handled: fs none, net connect
    fd = libc.syscall(LANDLOCK_CREATE_RULESET, ruleset, ctypes.sizeof(ruleset), 0)
    rule = (ctypes.c_uint64 * 2)(LANDLOCK_ACCESS_NET_CONNECT_TCP, port)
    if fd < 0 or libc.syscall(LANDLOCK_ADD_RULE, fd, LANDLOCK_RULE_NET_PORT, rule, 0) != 0 or \
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.syscall(LANDLOCK_RESTRICT_SELF, fd, 0) != 0:
        raise SandboxError(f"cannot limit the program's connections to one port: {os.strerror(ctypes.get_errno())}")
    os.close(fd)


def cap_memory(limit_bytes: int) -> None:
    """Cap this process's heap (RLIMIT_DATA: brk and private anonymous mappings)."""
    resource.setrlimit(resource.RLIMIT_DATA, (limit_bytes, limit_bytes))


def lock_in(memory_bytes: int) -> None:
    """Both walls, in the order a worker needs them."""
    deny_network()
    cap_memory(memory_bytes)
