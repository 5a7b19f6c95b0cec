"""Query execution under limits: where SPARQL actually runs for the app."""

from __future__ import annotations

from .dataset import Dataset
from .sparql import Answer, Limits, execute


class InProcessExecutor:
    """Runs queries in the serving process (the CLI, and tests of the protocol itself)."""

    def __init__(self, dataset: Dataset, limits: Limits):
        self.dataset = dataset
        self.limits = limits

    def run(self, query: str, **options) -> Answer:
        return execute(self.dataset.store, query, limits=self.limits, **options)

    def close(self) -> None:
        pass
