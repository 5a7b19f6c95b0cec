"""Statement coverage: how many statements of the documents' data rest on a quotation.

Reads what the build derived (`derbygraph.derive`): a statement is covered when a reified
`rdf:Statement` for it `dg:restsOn` a quotation. `derbygraph check` reports the share and fails on
every statement left uncovered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyoxigraph as ox

from . import vocab
from .derive import STATEMENTS

# Statements of document fact nodes: in the built-in documents' graphs, or about a node that
# carries quotations in an extra file (registry facts rest on rows instead, see `why`).
_DOCUMENT_STATEMENTS = f"""
SELECT DISTINCT ?s ?p ?o ?quoted WHERE {{
  {STATEMENTS}
  FILTER (STRSTARTS(STR(?g), "{vocab.GRAPH_DATA}") || EXISTS {{ ?s dg:evidence [] }})
  BIND (EXISTS {{ ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dg:restsOn [] }} AS ?quoted)
}}"""


@dataclass(frozen=True)
class Coverage:
    """How many statements of the documents' data rest on a quotation, and which do not."""

    quoted: int
    total: int
    unquoted: list  # (subject, predicate, object) terms

    def __str__(self) -> str:
        # rounded down: 100% only when every statement has a quote
        share = "100" if self.quoted == self.total else f"{math.floor(1000 * self.quoted / self.total) / 10:.1f}"
        return f"statement coverage: {self.quoted}/{self.total} ({share}%) with a quote"

    @classmethod
    def of(cls, store: ox.Store) -> "Coverage":
        """Read the statement provenance the build derived (derbygraph.derive) for every statement."""
        quoted, unquoted = 0, []
        for row in store.query(vocab.sparql_prologue() + _DOCUMENT_STATEMENTS):
            if row["quoted"].value == "true":
                quoted += 1
            else:
                unquoted.append((row["s"], row["p"], row["o"]))
        return cls(quoted, quoted + len(unquoted), unquoted)
