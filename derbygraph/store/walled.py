"""Run a store's server walled off the network: `derbygraph walled -- PROGRAM ARGS...` (or
`python -m derbygraph.cli walled -- PROGRAM ARGS...`).

With `serve --endpoint` the SPARQL engine is another program, and its SERVICE is evaluated by that
program, outside our query workers. A server only ever accepts; so this puts up the filter of
`sandbox.deny_outbound` (no connect, no datagram, no address given to a send) and then becomes the
program (exec: same pid, same signals). It keeps serving on its port; whatever a query asks, it
can reach nothing. Neither the program nor anything it starts can lift the filter.
"""

from __future__ import annotations

import os
import shutil

from derbygraph.errors import UserError

from . import sandbox


def run(command: list[str], own_port: int | None = None) -> None:
    """Become `command`, walled off; returns only by raising (UserError)."""
    program = shutil.which(command[0])
    if program is None:
        raise UserError(f"{command[0]}: no such program")
    try:
        sandbox.deny_outbound(own_port)
    except sandbox.SandboxError as error:
        raise UserError(str(error)) from None
    try:
        os.execv(program, command)
    except OSError as error:
        raise UserError(f"{command[0]}: cannot run: {error.strerror}") from None

