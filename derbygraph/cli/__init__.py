"""The `derbygraph` command: parse arguments, call an answer, print.

Every command reads the same Dataset the server serves: the built-in graph (plus --data files)
built in memory, or a store written by `derbygraph build --store DIR`. `group` is the command
group and its one table of exit codes; `ask` the commands that answer a question (query,
lineage, why, crosswalk); `data` those that build, check, export, move or serve the data; `text`
how an answer reads as plain text.
"""

from . import ask, data  # noqa: F401 - each registers its commands on `main`
from .group import EXIT_CODES, main

__all__ = ["EXIT_CODES", "main"]
