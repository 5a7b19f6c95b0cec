"""How a split is counted: the policy the analyst declares, never a share the files do not give.

The files say a code became several codes; they never say in what proportion. So a split row
carries a share only when the analyst chose how to make one: `all` keeps every target row,
flagged, with no share (the default: nothing invented); `equal` divides the code equally; and
`weights=FILE` divides it in proportion to the analyst's own weights (a CSV of code,weight, such
as activity by code). A code that maps to one code has share 1 under every policy. Shares of a
code sum to 1.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from fractions import Fraction

from derbygraph.errors import BadInput

POLICIES = ("all", "equal", "weights")


class BadSplits(BadInput):
    """A split policy that is not one of the policies, or a weights file that cannot be read."""


@dataclass(frozen=True)
class SplitPolicy:
    name: str = "all"
    weights: dict[str, Fraction] = field(default_factory=dict, compare=False)
    source: str | None = None  # the weights file, as the analyst named it

    def __str__(self) -> str:
        return f"weights={self.source}" if self.name == "weights" else self.name

    def describe(self) -> str:
        """One sentence for the output's metadata: which policy made the shares."""
        return {"all": "all: every target of a split is kept as its own row, flagged split, with no share "
                       "(the files give none)",
                "equal": "equal: a code that splits is divided equally among its targets (the analyst's choice)",
                "weights": f"weights={self.source}: a code that splits is divided in proportion to the weights "
                           f"the analyst gave for its targets"}[self.name]

    @classmethod
    def parse(cls, text: str | None, read_file=None) -> "SplitPolicy":
        """`all`, `equal`, or `weights=FILE` (read with `read_file(FILE)` -> CSV text, where the
        caller can read files; elsewhere weights are refused)."""
        text = (text or "all").strip()
        if text in ("all", "equal"):
            return cls(text)
        if text.startswith("weights=") and read_file is not None:
            source = text.split("=", 1)[1]
            return cls.weighted(read_file(source), source)
        if text.startswith("weights"):
            raise BadSplits("weights come from a file: use the command line's --splits weights=FILE, or POST "
                            "/api/crosswalk as multipart/form-data with the weights CSV as its `weights` part")
        raise BadSplits(f"unknown split policy {text!r}: use all, equal or weights=FILE")

    @classmethod
    def weighted(cls, text: str, source: str) -> "SplitPolicy":
        """Shares from the analyst's weights (the CSV `text`), cited as `source`."""
        return cls("weights", read_weights(text, source), source)

    @classmethod
    def declared(cls, text: str | None) -> "SplitPolicy":
        """The policy a table was made with, as its metadata names it: `weights=NAME` without the
        weights (the shares were made with the table; its metadata only says how)."""
        text = (text or "all").strip()
        if text.startswith("weights=") and text != "weights=":
            return cls("weights", source=text.split("=", 1)[1])
        return cls.parse(text)

    def shares(self, targets: list[str]) -> tuple[dict[str, float | None], str | None]:
        """Each target's share, and a note where the policy cannot give them."""
        if len(targets) == 1:
            return {targets[0]: 1.0}, None
        if self.name == "all":
            return dict.fromkeys(targets), None
        if self.name == "equal":
            return {t: float(Fraction(1, len(targets))) for t in targets}, None
        missing = [t for t in targets if t not in self.weights]
        total = sum(self.weights.get(t, 0) for t in targets)
        if missing or total == 0:
            why = (f"no weight for {', '.join(missing)}" if missing else "the weights of its targets sum to 0")
            return dict.fromkeys(targets), f"no shares: {self.source} gives {why}"
        return {t: float(self.weights[t] / total) for t in targets}, None


def read_weights(text: str, source: str) -> dict[str, Fraction]:
    """code -> weight from a CSV with a header naming `code` and `weight` (or the first two columns)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise BadSplits(f"{source}: the weights file is empty")
    header = [h.strip().lower() for h in rows[0]]
    at_code, at_weight = (header.index("code"), header.index("weight")) if {"code", "weight"} <= set(header) else (0, 1)
    weights = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            weight = Fraction(row[at_weight].strip())
        except (IndexError, ValueError, ZeroDivisionError):
            raise BadSplits(f"{source} line {number}: a weight must be a number") from None
        if weight < 0:
            raise BadSplits(f"{source} line {number}: a weight cannot be negative")
        weights[row[at_code].strip().upper()] = weight
    return weights
