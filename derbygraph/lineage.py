"""The lineage of an organisation, as the JSON of the public contract.

A lineage is one history that may span several bodies: a trust that is renamed stays one
organisation; a trust that gains a new status (an NHS trust authorised as a foundation trust)
is a new body continuing the same lineage. Other organisations that merged in, passed services
on, or took them over are predecessors and successors. A proposal that was abandoned stays an
event and never links two lineages.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from . import dates, vocab
from .dataset import Dataset, iri

DG, ORG = vocab.DG, vocab.ORG

# Events whose original and resulting organisations are one lineage under another name or status.
CONTINUING = (DG + "StatusChange", DG + "Renaming")
# Events that pass something from one lineage to another: who gives, who receives.
GIVING = (ORG + "originalOrganization", DG + "transferredFrom")
RECEIVING = (ORG + "resultingOrganization", DG + "transferredTo")
LINKING = (DG + "Merger", DG + "ServiceTransfer", DG + "Establishment", DG + "StatusChange", DG + "Dissolution")
# How a predecessor ended and a successor began: shown in the history of the lineage they link to.
ENDING = (DG + "Dissolution", DG + "Merger")
BEGINNING = (DG + "Establishment", DG + "Merger")


def _same_time(date: str | None, other: str | None) -> bool:
    """Both dated, and neither certainly after the other ("2002" and "2002-04" are the same time)."""
    return date is not None and other is not None and not dates.after(date, other) and not dates.after(other, date)


def _local_name(value: str) -> str:
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class UnknownOrganisation(LookupError):
    """No organisation matches the name; carries suggestions for the user."""

    def __init__(self, query: str, suggestions: list[str]):
        super().__init__(f"no organisation matches {query!r}")
        self.query = query
        self.suggestions = suggestions


@dataclass
class LineageService:
    """Answers lineage questions for the CLI and the web from one Dataset."""

    dataset: Dataset

    # --- identity -----------------------------------------------------------------------

    def members(self, org: str) -> list[str]:
        """Every body of the lineage `org` belongs to, oldest first."""
        seen, todo = {org}, [org]
        while todo:
            node = iri(todo.pop())
            for role in (ORG + "originalOrganization", ORG + "resultingOrganization"):
                for event in self.dataset.subjects(role, node):
                    if not any(self.dataset.has_type(event, c) for c in CONTINUING):
                        continue
                    for other_role in (ORG + "originalOrganization", ORG + "resultingOrganization"):
                        for other in self.dataset.objects(event, other_role):
                            if other.value not in seen:
                                seen.add(other.value)
                                todo.append(other.value)
        return sorted(seen, key=lambda m: (self._first_start(m) or "", m))

    def _periods(self, org: str) -> list[ox.NamedNode | ox.BlankNode]:
        return self.dataset.objects(iri(org), DG + "hasNamePeriod")

    def _first_start(self, org: str) -> str | None:
        starts = [self._literal(p, DG + "start") for p in self._periods(org)]
        return min((s for s in starts if s), default=None)

    # --- pieces -----------------------------------------------------------------------------

    def _literal(self, node, predicate: str) -> str | None:
        found = self.dataset.value(node, predicate)
        return found.value if found is not None else None

    def sources(self, node) -> list[dict]:
        """Each quotation a node rests on: document IRI, title and exact words."""
        found = []
        for quote in self.dataset.objects(node, DG + "evidence"):
            document = self.dataset.value(quote, vocab.OA + "hasSource")
            selector = self.dataset.value(quote, vocab.OA + "hasSelector")
            exact = self._literal(selector, vocab.OA + "exact") if selector is not None else None
            if document is None or exact is None:
                continue
            title = self._literal(document, vocab.DCT + "title") or self.dataset.label(document)
            found.append({"iri": document.value, "title": title, "quote": exact})
        return sorted(found, key=lambda s: (s["iri"], s["quote"]))

    def event_type(self, event) -> str:
        """The most specific derbygraph class of an event (alphabetical among equals)."""
        types = [t for t in self.dataset.types(event) if t.startswith(DG)]
        specific = [t for t in types if not any(
            other != t and self.dataset.has_type(iri(other), vocab.OWL + "Class")
            and iri(t) in self.dataset.objects(iri(other), vocab.RDFS + "subClassOf") for other in types)]
        asserted = self._asserted_types(event)
        chosen = sorted(specific, key=lambda t: (t not in asserted, t))
        return _local_name(chosen[0]) if chosen else "ChangeEvent"

    def _asserted_types(self, node) -> list[str]:
        inferred = iri(vocab.GRAPH_INFERRED)
        return [q.object.value for q in self.dataset.store.quads_for_pattern(node, iri(vocab.RDF + "type"), None, None)
                if q.graph_name != inferred]

    def participants(self, event) -> list[dict]:
        """Who took part in an event and in what role, from the roles the data states."""
        found = []
        inferred = iri(vocab.GRAPH_INFERRED)
        roles = self.dataset.subjects(vocab.RDFS + "subPropertyOf", iri(DG + "participant"))
        for role in roles:
            for quad in self.dataset.store.quads_for_pattern(event, role, None, None):
                if quad.graph_name == inferred:
                    continue
                entry = {"iri": quad.object.value, "label": self.dataset.label(quad.object),
                         "role": _local_name(role.value)}
                if entry not in found:
                    found.append(entry)
        return sorted(found, key=lambda p: (p["role"], p["label"]))

    def events_of(self, members: list[str]) -> list:
        """Events in which any member took part, or that began or ended one of its names."""
        found: set = set()
        for member in members:
            found.update(self.dataset.subjects(DG + "participant", iri(member)))
            for period in self._periods(member):
                for link in (DG + "beganWith", DG + "endedWith"):
                    found.update(self.dataset.objects(period, link))
        return sorted(found, key=str)

    # --- the answer -----------------------------------------------------------------------

    def lineage(self, query: str, at: str | None = None) -> dict:
        """The contract's lineage JSON for the organisation `query` names, as of `at` if given."""
        if at is not None:
            at = dates.parse(at)
        match = self.dataset.names.resolve(query)
        if match is None:
            raise UnknownOrganisation(query, [m.name for m in self.dataset.names.search(query, 5)])
        members = self.members(match.iri)

        names = []
        for member in members:
            for period in self._periods(member):
                start, end = self._literal(period, DG + "start"), self._literal(period, DG + "end")
                if at is not None and not dates.in_force(at, start, end):
                    continue
                names.append({"label": self._literal(period, DG + "name") or self.dataset.label(period),
                              "start": start, "end": end, "organisation": member,
                              "sources": self.sources(period)})
        names.sort(key=lambda n: (n["start"] or "", n["label"]))  # ISO dates sort as text

        predecessors, successors = [], []
        found = self.events_of(members)
        for event in found:
            if any(self.dataset.has_type(event, c) for c in LINKING):
                self._links(event, self._literal(event, DG + "date"), set(members), predecessors, successors)
        # How a predecessor ended, or a successor began, at the time of the link belongs here too.
        for links, roles, kinds in ((predecessors, GIVING, ENDING), (successors, RECEIVING, BEGINNING)):
            for link in links:
                for role in roles:
                    found += [e for e in self.dataset.subjects(role, iri(link["iri"])) if e not in found
                              and any(self.dataset.has_type(e, c) for c in kinds)
                              and _same_time(self._literal(e, DG + "date"), link["date"])]

        events = []
        for event in found:
            date = self._literal(event, DG + "date")
            if at is not None and (date is None or dates.after(date, at)):
                continue
            events.append({"iri": event.value, "date": date, "type": self.event_type(event),
                           "label": self.dataset.label(event), "participants": self.participants(event),
                           "sources": self.sources(event)})
        events.sort(key=lambda e: (e["date"] or "9999", e["label"]))  # ISO dates sort as text; undated last
        if at is not None:
            predecessors = [p for p in predecessors if p["date"] is None or not dates.after(p["date"], at)]
            successors = [p for p in successors if p["date"] is None or not dates.after(p["date"], at)]

        current = self._current_name(members, names)
        return {
            "organisation": {"iri": current["organisation"], "label": current["label"]},
            "query": query,
            "at": at,
            "names": names,
            "events": events,
            "predecessors": sorted(predecessors, key=lambda p: (p["date"] or "", p["label"])),
            "successors": sorted(successors, key=lambda p: (p["date"] or "", p["label"])),
        }

    def _links(self, event, date, members: set[str], predecessors: list, successors: list) -> None:
        givers = {o.value for r in GIVING for o in self.dataset.objects(event, r)}
        receivers = {o.value for r in RECEIVING for o in self.dataset.objects(event, r)}
        for others, into in ((givers - members, predecessors), (receivers - members, successors)):
            if not (givers if into is successors else receivers) & members:
                continue
            for other in sorted(others):
                entry = {"iri": other, "label": self.dataset.label(iri(other)),
                         "relation": self.event_type(event), "date": date}
                if entry not in into:
                    into.append(entry)

    def _current_name(self, members: list[str], names: list[dict]) -> dict:
        if names:
            open_names = [n for n in names if n["end"] is None]
            return (open_names or names)[-1]
        last = members[-1]
        return {"organisation": last, "label": self.dataset.label(iri(last))}
