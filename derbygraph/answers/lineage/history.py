"""The lineage answer, worked out over the neighbourhood of one organisation (or any Dataset)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pyoxigraph as ox

from derbygraph import dates, vocab
from derbygraph.answers import evidence
from derbygraph.answers.members import members_in
from derbygraph.answers.names import in_force, window_of
from derbygraph.store.dataset import Dataset, iri

from . import comparison

DG, ORG = vocab.DG, vocab.ORG

# Sites take part in registry successions in roles of their own (a site is not an agent).
SITE_ROLES = (DG + "originalSite", DG + "resultingSite")
# Changes of an organisation that link one lineage to another: who it was before, who after.
GIVING = (ORG + "originalOrganization", DG + "originalSite")
RECEIVING = (ORG + "resultingOrganization", DG + "resultingSite")
LINKING = (DG + "Merger", DG + "Establishment", DG + "StatusChange", DG + "Dissolution",
           DG + "Succession", DG + "SiteSuccession")
# A transfer of services relates two bodies without making either the other's predecessor.
TRANSFER = DG + "ServiceTransfer"
# How a predecessor ended and a successor began: shown in the history of the lineage they link to.
ENDING = (DG + "Dissolution", DG + "Merger", DG + "Succession")
BEGINNING = (DG + "Establishment", DG + "Merger", DG + "Succession")


def _number(value: str | None) -> float | None:
    return float(value) if value is not None else None


def _local_name(value: str) -> str:
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class Named(NamedTuple):
    """A name period as the one rule reads it (`derbygraph.answers.names.in_force`)."""

    name: str | None
    start: str | None
    window: dates.Window
    entry: dict | None = None  # the answer's entry for it, where the answer shows it


@dataclass
class History:
    """The lineage of one organisation, read from `dataset`: the whole graph, or the neighbourhood
    `derbygraph.answers.lineage.neighbourhood` fetched for it (the answer is the same)."""

    dataset: Dataset

    # --- identity -----------------------------------------------------------------------

    def members(self, org: str) -> list[str]:
        """Every body of the lineage `org` belongs to, oldest first (`derbygraph.answers.members`, read
        by patterns: the dataset may be a neighbourhood)."""
        return members_in(self.dataset, org)

    def _periods(self, org: str) -> list[ox.NamedNode | ox.BlankNode]:
        return self.dataset.objects(iri(org), DG + "hasNamePeriod")

    def _first_start(self, org: str) -> str | None:
        """The first start of its names, at the precision the source gives."""
        starts = [self.dataset.text(p, DG + "start") for p in self._periods(org)]
        return min((s for s in starts if s), default=None)

    def _first_day(self, org: str) -> str | None:
        """The first day any of its names may be in force (the build's window), or None."""
        starts = [self._window(p).possibly_from for p in self._periods(org)]
        return min((s for s in starts if s), default=None)

    def _window(self, period) -> dates.Window:
        return window_of(self.dataset, period)

    def _named(self, period) -> Named:
        text = self.dataset.text
        return Named(text(period, DG + "name"), text(period, DG + "start"), self._window(period))

    # --- pieces -----------------------------------------------------------------------------

    def event_type(self, event) -> str:
        """The event's most specific derbygraph class; among equals, the one the data states."""
        types = [t for t in self.dataset.types(event) if t.startswith(DG)]
        specific = [t for t in types if not any(
            other != t and iri(t) in self.dataset.objects(iri(other), vocab.RDFS + "subClassOf") for other in types)]
        stated = {q.object.value for q in self.dataset.asserted(event, iri(vocab.RDF + "type"))}
        chosen = sorted(specific, key=lambda t: (t not in stated, t))
        return _local_name(chosen[0]) if chosen else "ChangeEvent"

    def participants(self, event) -> list[dict]:
        """Who took part in an event and in what role, from the roles the data states, each
        named as it was then."""
        found = []
        roles = self.dataset.subjects(vocab.RDFS + "subPropertyOf", iri(DG + "participant"))
        date = self.dataset.text(event, DG + "date")
        for role in roles + [iri(r) for r in SITE_ROLES]:
            for quad in self.dataset.asserted(event, role):
                entry = {"iri": quad.object.value, "label": self.name_then(quad.object, event, role.value, date),
                         "role": _local_name(role.value)}
                if entry not in found:
                    found.append(entry)
        return sorted(found, key=lambda p: (p["role"], p["label"]))

    def name_then(self, org, event, role: str, date: str | None) -> str:
        """The name `org` bore at `event`: the name the event ended (for the original organisation)
        or began (for the resulting one), else the one in force on its date, else its label."""
        periods = self._periods(org.value) if isinstance(org, ox.NamedNode) else []
        link = DG + ("endedWith" if role == ORG + "originalOrganization" else "beganWith")
        for links in (link, DG + "endedWith", DG + "beganWith"):
            for period in periods:
                if event in self.dataset.objects(period, links) and self.dataset.text(period, DG + "name"):
                    return self.dataset.text(period, DG + "name")
        then = in_force([n for n in map(self._named, periods) if n.name], date) if date is not None else None
        return then.name if then is not None else self.dataset.label(org)

    def events_of(self, members: list[str]) -> list:
        """Events in which any member took part, or that began or ended one of its names."""
        found: set = set()
        for member in members:
            found.update(self.dataset.subjects(DG + "participant", iri(member)))
            for role in SITE_ROLES:
                found.update(self.dataset.subjects(role, iri(member)))
            for period in self._periods(member):
                for link in (DG + "beganWith", DG + "endedWith"):
                    found.update(self.dataset.objects(period, link))
        return sorted(found, key=str)

    # --- the answer -----------------------------------------------------------------------

    def answer(self, org: str, query: str, at: str | None = None) -> dict:
        """The contract's lineage JSON for the organisation `org` (found for `query`), as of `at`."""
        members = self.members(org)
        linked = comparison.linked(self.dataset, members)

        names, shown = [], []  # shown: each dated name as the one rule reads it, with its entry in `names`
        for member in members:
            if member in linked:
                continue
            for period in self._periods(member):
                start, end = self.dataset.text(period, DG + "start"), self.dataset.text(period, DG + "end")
                # a name seen only in a snapshot (dg:observed, no start) holds for the snapshot's date alone;
                # one an undated listing states (dg:ListedName) holds on no date
                observed = self.dataset.text(period, DG + "observed") if start is None else None
                not_before = self.dataset.text(period, DG + "notBefore") if start is None else None
                listed = self.dataset.has_type(period, DG + "ListedName")
                if at is not None and (listed or not self._window(period).may_hold(at)):
                    continue
                entry = {"label": self.dataset.text(period, DG + "name") or self.dataset.label(period),
                         "start": start, "end": end, "organisation": member,
                         "sources": evidence.sources(self.dataset, period)} \
                    | ({"observed": observed} if observed else {}) \
                    | ({"bounds": {"notBefore": not_before, "notAfter": None}} if not_before else {}) \
                    | ({"listed": {"by": self.dataset.text(period, DG + "listedIn"), "undated": True,
                                   "errorRate": _number(self.dataset.text(period, DG + "errorRate"))}
                                   | self._disagreement(member)}
                       if listed else {})
                names.append(entry)
                if not listed:
                    shown.append(Named(entry["label"], start, self._window(period), entry))
        names.sort(key=lambda n: (n["start"] or n.get("observed") or (n.get("bounds") or {}).get("notBefore") or "",
                                  n["label"]))  # ISO dates sort as text

        direct = self.events_of(members)  # the events the lineage's own bodies took part in
        transfers = [t for event in direct if self.dataset.has_type(event, TRANSFER)
                     for t in self._transfers(event, set(members))]
        predecessors, successors = self._links(direct, set(members))
        # Predecessors of predecessors, successors of successors, and the events that link them.
        seen = frozenset(members) | {p["iri"] for p in predecessors + successors}
        predecessors, before, seen = self._follow(predecessors, seen, backwards=True)
        successors, after, _ = self._follow(successors, seen, backwards=False)
        # How a predecessor ended, or a successor began, at the time of the link belongs here too
        # (and how a body that passed services to this lineage ended then: "which was dissolved").
        givers = [t for t in transfers if t["direction"] == "from"]
        ends = self._ends(predecessors + givers, GIVING, ENDING) + self._ends(successors, RECEIVING, BEGINNING)
        shown_events = list(dict.fromkeys(direct + before + after + ends))

        events = []
        for event in shown_events:
            date = self.dataset.text(event, DG + "date")
            if at is not None and (date is None or dates.after(date, at)):
                continue
            entry = {"iri": event.value, "date": date, "type": self.event_type(event),
                     "label": self.dataset.label(event), "participants": self.participants(event),
                     "sources": evidence.sources(self.dataset, event)}
            bounds = {b: self.dataset.text(event, DG + b) for b in ("notBefore", "notAfter")}
            if date is None and any(bounds.values()):  # the words give only a bound
                entry["bounds"] = bounds
            events.append(entry)
        events.sort(key=lambda e: (e["date"] or "9999", e["label"]))  # ISO dates sort as text; undated last
        if at is not None:
            predecessors = [p for p in predecessors if p["date"] is None or not dates.after(p["date"], at)]
            successors = [p for p in successors if p["date"] is None or not dates.after(p["date"], at)]
            transfers = [t for t in transfers if t["date"] is None or not dates.after(t["date"], at)]

        current = self._current_name(members, names, shown, at)
        answer = {
            "organisation": {"iri": current["organisation"], "label": current["label"]},
            "query": query,
            "at": at,
            "names": names,
            "events": events,
            "predecessors": sorted(predecessors, key=lambda p: (p["date"] or "", p["label"])),
            "successors": sorted(successors, key=lambda p: (p["date"] or "", p["label"])),
            "transfers": sorted(transfers, key=lambda t: (t["date"] or "9999", t["label"])),  # undated last
        }
        reconciliation = comparison.reconciliation(self.dataset, members, linked, events,
                                                   {e.value for e in direct}, at, self._first_start)
        own = comparison.proposed(self.dataset, members)
        if reconciliation is not None:  # where the lineage joins the registry and the documents
            neighbours = {key: answer[key] for key in ("predecessors", "successors", "transfers")}
            beside = comparison.candidates(self.dataset, members, neighbours)
            reconciliation["candidates"] = own + [c for c in beside if c not in own]
            answer |= neighbours
            answer["reconciliation"] = reconciliation
        elif own:  # or where a link between them is proposed for one of its bodies (RKX may be a body of the documents)
            answer["reconciliation"] = {"links": [], "comparisons": [], "candidates": own}
        return answer

    def _disagreement(self, member: str) -> dict:
        """Where the listing names the body otherwise than the registry's snapshot: what each says, with
        both rows (`{"disagrees": {"said", "sources"}}`), or nothing."""
        for node in self.dataset.subjects(vocab.DCT + "subject", iri(member)):
            if self.dataset.has_type(node, DG + "SourceDisagreement"):
                return {"disagrees": {"said": self.dataset.text(node, DG + "disagreement"),
                                      "sources": evidence.records(self.dataset, node)}}
        return {}

    def _entry(self, other: str, event, date) -> dict:
        entry = {"iri": other, "label": self.dataset.label(iri(other)), "relation": self.event_type(event), "date": date}
        code = self.dataset.value(iri(other), vocab.SKOS + "notation")
        if code is not None:
            entry["code"] = code.value
        return entry

    def _links(self, events: list, members: set[str]) -> tuple[list[dict], list[dict]]:
        """(predecessors, successors): the other bodies of the changes among `events` that link a
        member to them, each once."""
        predecessors, successors = [], []
        for event in events:
            if not any(self.dataset.has_type(event, c) for c in LINKING):
                continue
            date = self.dataset.text(event, DG + "date")
            givers = {o.value for r in GIVING for o in self.dataset.objects(event, r)}
            receivers = {o.value for r in RECEIVING for o in self.dataset.objects(event, r)}
            for others, into, linked in ((givers - members, predecessors, receivers),
                                         (receivers - members, successors, givers)):
                if linked & members:
                    into += [e for e in (self._entry(o, event, date) for o in sorted(others)) if e not in into]
        return predecessors, successors

    def _transfers(self, event, members: set[str]) -> list[dict]:
        """The other body of a transfer of services to or from the lineage, named as it was then:
        services came `from` it, or went `to` it. Neither is the other's predecessor."""
        date = self.dataset.text(event, DG + "date")
        givers = {o.value for o in self.dataset.objects(event, DG + "transferredFrom")}
        receivers = {o.value for o in self.dataset.objects(event, DG + "transferredTo")}
        services = sorted(self.dataset.label(s) for s in self.dataset.objects(event, DG + "transferredService"))
        found = []
        for others, direction, role in ((givers - members, "from", DG + "transferredFrom"),
                                        (receivers - members, "to", DG + "transferredTo")):
            if not (receivers if direction == "from" else givers) & members:
                continue
            for other in sorted(others):
                found.append({"iri": other, "label": self.name_then(iri(other), event, role, date),
                              "direction": direction, "date": date, "event": event.value,
                              "services": services or [self.dataset.text(event, DG + "servicesDescription")
                                                       or "services"]})
        return found

    def _follow(self, first: list[dict], seen: frozenset[str],
                backwards: bool) -> tuple[list[dict], list, frozenset[str]]:
        """(links, events, seen): `first` and the predecessors of each predecessor (or successors of
        each successor), transitively, each with the organisation it links to (`via`); the events
        that link them; and the bodies seen, `seen` with every lineage reached (a body met here is
        no neighbour of the other direction)."""
        towards, away = (RECEIVING, GIVING) if backwards else (GIVING, RECEIVING)
        links, events, reached = list(first), [], set(seen)
        todo = [link["iri"] for link in first]
        while todo:
            node = todo.pop(0)
            lineage = self.members(node)
            reached.update(lineage)  # its other names and bodies are the same lineage, not its neighbours
            for member in lineage:
                for role in towards:
                    for event in self.dataset.subjects(role, iri(member)):
                        if not any(self.dataset.has_type(event, c) for c in LINKING):
                            continue
                        others = {o.value for r in away for o in self.dataset.objects(event, r)} - reached
                        if not others:
                            continue
                        date = self.dataset.text(event, DG + "date")
                        for other in sorted(others):
                            reached.add(other)
                            todo.append(other)
                            links.append(self._entry(other, event, date) | {"via": node})
                        if event not in events:
                            events.append(event)
        return links, events, frozenset(reached)

    def _ends(self, links: list[dict], roles: tuple[str, ...], kinds: tuple[str, ...]) -> list:
        """The changes of the kinds `kinds` in which a linked body took one of `roles` at the time of
        its link (or undated: it may have been then)."""
        return [event for link in links for role in roles for event in self.dataset.subjects(role, iri(link["iri"]))
                if any(self.dataset.has_type(event, c) for c in kinds)
                and (self.dataset.text(event, DG + "date") is None
                     or dates.same_time(self.dataset.text(event, DG + "date"), link["date"]))]

    def _current_name(self, members: list[str], names: list[dict], shown: list[Named], at: str | None) -> dict:
        """The name the heading gives: on `at`, the name in force then (the one rule); else the one in
        force now (or the last); with neither, the body of then by its code or label."""
        if at is not None:
            then = in_force(shown, at)
            if then is not None:
                return then.entry
        else:
            names = [n for n in names if not n.get("listed")]  # what a listing says is no name in force
            if names:
                open_names = [n for n in names if n["end"] is None]
                return (open_names or names)[-1]
        # no name in force on `at`: the last body begun by then (one with no dated name may be)
        begun = [m for m in members if at is None or not dates.after(self._first_day(m) or "", at)]
        last = (begun or members)[-1]
        # no name held on `at`: a registry code says only its code, not a name seen at another time
        code = self.dataset.text(iri(last), vocab.SKOS + "notation") if at is not None else None
        return {"organisation": last, "label": code or self.dataset.label(iri(last))}
