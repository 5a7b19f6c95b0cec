"""Statement support: which statements of the documents' data rest on words that hold them.

Reads what the build derived (`derbygraph.build.derive`, reading each quotation by `derbygraph.build.reading`):
a statement is verified when the build's own statement node for it (`derive.statement_iri`)
`dg:restsOn` a quotation whose words hold it, resting on a stated rule when it `dg:restsOnRule` a
rule of data/rules.ttl (listed), and unsupported otherwise; a reification a source writes itself
does not count. `derbygraph check` reports the three and fails on every unsupported statement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyoxigraph as ox

from derbygraph import resources, vocab

from .derive import DERIVED, STATEMENTS, statement_iri

_RESTS_ON = ox.NamedNode(vocab.DG + "restsOn")
_RESTS_ON_RULE = ox.NamedNode(vocab.DG + "restsOnRule")


@dataclass(frozen=True)
class Coverage:
    """How many statements of the documents' data rest on words that hold them, how many on a
    stated rule (which), and which on nothing."""

    quoted: int
    total: int
    unquoted: list  # (subject, predicate, object) terms: unsupported
    ruled: list = ()  # (subject, predicate, object, rule) terms: resting on a stated rule

    def __str__(self) -> str:
        # rounded down: 100% only when every statement is supported
        supported = self.quoted + len(self.ruled)
        share = "100" if supported == self.total else f"{math.floor(1000 * supported / self.total) / 10:.1f}"
        return (f"statement support: {supported}/{self.total} ({share}%): {self.quoted} verified by their words, "
                f"{len(self.ruled)} resting on a stated rule, {len(self.unquoted)} unsupported")

    def rules(self, every: bool = False) -> list[str]:
        """The statements resting on each stated rule: a count per rule, or (`every`) each statement."""
        by_rule: dict[str, list] = {}
        for s, p, o, rule in self.ruled:
            by_rule.setdefault(rule.value, []).append((s, p, o))
        lines = []
        for rule, statements in sorted(by_rule.items()):
            lines.append(f"  resting on the stated rule <{rule}>: {len(statements)} statement(s)")
            if every:
                lines += [f"    {s} {p} {o}" for s, p, o in statements]
        return lines

    @classmethod
    def of(cls, store: ox.Store, provenance: ox.Store | None = None) -> "Coverage":
        """Read the statement provenance the build derived (derbygraph.build.derive) for every statement
        of `store`: in `store`, or in `provenance` where the build put it apart.

        Each statement's node is found by its IRI (`derive.statement_iri`), one index lookup, not
        a join over every reified statement (which took minutes at 100k triples)."""
        provenance = store if provenance is None else provenance
        quoted, unquoted, ruled = 0, [], []
        for row in store.query(resources.sparql(__file__, "document-statements", statements=STATEMENTS)):
            s, p, o = row["s"], row["p"], row["o"]
            node = statement_iri(s, p, o)
            if next(provenance.quads_for_pattern(node, _RESTS_ON, None, DERIVED), None) is not None:
                quoted += 1
            elif (rule := next(provenance.quads_for_pattern(node, _RESTS_ON_RULE, None, DERIVED), None)) is not None:
                ruled.append((s, p, o, rule.object))
            else:
                unquoted.append((s, p, o))
        return cls(quoted, quoted + len(unquoted) + len(ruled), unquoted, ruled)
