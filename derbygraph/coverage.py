"""Statement coverage: how many statements of the documents' data rest on a quotation.

Reads what the build derived (`derbygraph.derive`): a statement is covered when the build's own
statement node for it (`derive.statement_iri`) `dg:restsOn` a quotation; a reification a source
writes itself does not count. `derbygraph check` reports the share and fails on
every statement left uncovered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyoxigraph as ox

from . import vocab
from .derive import DERIVED, STATEMENTS, statement_iri

# Statements of document fact nodes: in the built-in documents' graphs, or about a node that
# carries quotations in an extra file (registry facts rest on rows instead, see `why`).
_DOCUMENT_STATEMENTS = f"""
SELECT DISTINCT ?s ?p ?o WHERE {{
  {STATEMENTS}
  FILTER (STRSTARTS(STR(?g), "{vocab.GRAPH_DATA}") || EXISTS {{ ?s dg:evidence [] }})
}}"""
_RESTS_ON = ox.NamedNode(vocab.DG + "restsOn")


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
        """Read the statement provenance the build derived (derbygraph.derive) for every statement.

        Each statement's node is found by its IRI (`derive.statement_iri`), one index lookup, not
        a join over every reified statement (which took minutes at 100k triples)."""
        quoted, unquoted = 0, []
        for row in store.query(vocab.sparql_prologue() + _DOCUMENT_STATEMENTS):
            s, p, o = row["s"], row["p"], row["o"]
            if next(store.quads_for_pattern(statement_iri(s, p, o), _RESTS_ON, None, DERIVED), None) is not None:
                quoted += 1
            else:
                unquoted.append((s, p, o))
        return cls(quoted, quoted + len(unquoted), unquoted)
