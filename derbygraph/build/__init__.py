"""The build floor: sources parsed (`sources`), reasoned (`reasoning`), derived (`derive`), checked
(`checks`, always) and written as a store folder (`pipeline`). Nothing here reads a running service."""

from .pipeline import DataProblems, build_dataset, build_store, write_store
from .sources import Source, SourceError, sources

__all__ = ["DataProblems", "Source", "SourceError", "build_dataset", "build_store", "sources", "write_store"]
