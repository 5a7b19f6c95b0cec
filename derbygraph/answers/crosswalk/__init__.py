"""Crosswalks: registry codes mapped to the codes in force on a date, and the tables analysts build
from them (the edge table, a user's CSV mapped row by row, "what became X"), each citable.

- `facts`: what the registry files say, read once from the Dataset;
- `mapping`: the walk, names in force and the answer (`CrosswalkService`);
- `notes`: what else the evidence says about a mapping, naming its rows;
- `shares`: the split policy the analyst declares;
- `tables`, `batch`: the CSV tables with their W3C CSVW metadata, and a user's file mapped.
"""

from .batch import map_csv
from .mapping import BadKind, CrosswalkService, NoRegistry, UnknownCode, one_value
from .shares import BadSplits, SplitPolicy
from .tables import Table, crosswalk_table, edge_table, metadata_name


def to_csv(answer: dict) -> str:
    """The crosswalk answer as CSV: one row per (code, target)."""
    return crosswalk_table(answer).csv()


__all__ = ["BadKind", "BadSplits", "CrosswalkService", "NoRegistry", "SplitPolicy", "Table", "UnknownCode",
           "crosswalk_table", "edge_table", "map_csv", "metadata_name", "one_value", "to_csv"]
