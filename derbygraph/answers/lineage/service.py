"""Lineage questions from the CLI and the web: resolve what the user typed, then answer."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from derbygraph import dates, deadline, vocab
from derbygraph.answers.members import members
from derbygraph.answers.names import NameIndex
from derbygraph.errors import BadInput, NotFound
from derbygraph.store.dataset import Dataset, iri

from . import history, neighbourhood

DG = vocab.DG

class UnknownOrganisation(NotFound):
    """No organisation matches the name; carries suggestions for the user."""

    def __init__(self, query: str, suggestions: list[str]):
        super().__init__(f"no organisation matches {query!r}")
        self.query = query
        self.suggestions = suggestions


@dataclass
class LineageService:
    """Answers lineage questions for the CLI and the web from one Dataset (embedded or remote)."""

    dataset: Dataset

    def resolve(self, query: str) -> str | None:
        """The IRI a name, code or IRI means: a registry code (an organisation's or a site's) exactly,
        else the forgiving name index."""
        found = self.exactly(query)
        if found is not None:
            return found
        match = NameIndex.of(self.dataset).resolve(query)
        return match.iri if match is not None else None

    def exactly(self, query: str) -> str | None:
        """The IRI an IRI or a registry code (an organisation's or a site's) names, or None: read
        without the name index, which a command run once would otherwise build for nothing."""
        text = query.strip()
        if text.startswith(("http://", "https://")):
            try:
                node = iri(text)  # an IRI: a site has no name to index, so look for its code
            except ValueError:
                raise BadInput(f"{text!r} starts like an IRI but is not one") from None
            if self.dataset.value(node, vocab.SKOS + "notation") is not None:
                return text
        code = text.upper()
        if code and " " not in code and "/" not in code and ":" not in code:
            for subject in self.dataset.subjects(vocab.SKOS + "notation", ox.Literal(code)):
                if isinstance(subject, ox.NamedNode):
                    return subject.value
        return None

    def members(self, org: str) -> list[str]:
        """Every body of the lineage `org` belongs to, oldest first (`derbygraph.answers.members`)."""
        return members(self.dataset, org)

    def lineage(self, query: str, at: str | None = None) -> dict:
        """The contract's lineage JSON for the organisation `query` names, as of `at` if given."""
        return self.lineages(query, at)[0]

    def lineages(self, query: str, at: str | None = None) -> tuple[dict, dict]:
        """The lineage as of `at` and the whole lineage, from one neighbourhood: the page lists what
        held then and draws the whole chain."""
        if at is not None:
            at = dates.parse(at)
        found = self.resolve(query)
        if found is None:
            raise UnknownOrganisation(query, [m.name for m in NameIndex.of(self.dataset).search(query, 5)])
        constants = self.dataset.memo(neighbourhood.constants)
        lineage = history.History(neighbourhood.neighbourhood(self.dataset, iri(found), constants))
        deadline.check()  # a few whole queries so far; the answer is worked out in Python
        answer = lineage.answer(found, query, at)
        return answer, (lineage.answer(found, query) if at is not None else answer)
