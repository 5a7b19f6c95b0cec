"""The lineage of an organisation, as the JSON of the public contract.

A lineage is one history that may span several bodies: a trust that is renamed stays one
organisation; a trust that gains a new status (an NHS trust authorised as a foundation trust)
is a new body continuing the same lineage. Other organisations that merged in, passed services
on, or took them over are predecessors and successors, followed transitively (the predecessors
of a predecessor are predecessors too). A proposal that was abandoned stays an event and never
links two lineages.

Registry data (NHS ODS, see `derbygraph.registry`) joins in two ways: a registry code linked to an
organisation of the documents (`dg:sameOrganisationAs`) is the same lineage, so its successions
appear beside the documents' events, each with its source (the registry row); and where a lineage
combines both kinds of source, each organisational change says whether the other kind of source
records it at the same time (`agreement`), and `reconciliation` lists the links and comparisons.
A code of the registry (an organisation's or a site's) resolves to its lineage.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from . import dates, vocab
from .dataset import Dataset, iri
from .errors import BadInput, NotFound

DG, ORG, PROV = vocab.DG, vocab.ORG, vocab.PROV

# Two descriptions of one organisation (a registry code and a document's organisation): one lineage.
SAME = DG + "sameOrganisationAs"
# Sites take part in registry successions in roles of their own (a site is not an agent).
SITE_ROLES = (DG + "originalSite", DG + "resultingSite")
# Events that pass something from one lineage to another: who gives, who receives.
GIVING = (ORG + "originalOrganization", DG + "transferredFrom", DG + "originalSite")
RECEIVING = (ORG + "resultingOrganization", DG + "transferredTo", DG + "resultingSite")
LINKING = (DG + "Merger", DG + "ServiceTransfer", DG + "Establishment", DG + "StatusChange", DG + "Dissolution",
           DG + "Succession", DG + "SiteSuccession")
# How a predecessor ended and a successor began: shown in the history of the lineage they link to.
ENDING = (DG + "Dissolution", DG + "Merger", DG + "Succession")
BEGINNING = (DG + "Establishment", DG + "Merger", DG + "Succession")
# Organisational changes a registry of successions could also record: compared across sources.
COMPARABLE = (DG + "Establishment", DG + "Renaming", DG + "StatusChange", DG + "Dissolution", DG + "Merger",
              DG + "ServiceTransfer", DG + "Succession", DG + "SiteSuccession")
# Why the registry's successor file has nothing to say about a document's event.
NOT_IN_REGISTRY = {
    "Renaming": "the registry's successor file does not record renamings: a code keeps its number through a change of name",
    "StatusChange": "the registry records no succession then: a code continues through a change of status",
    "FoundationTrustAuthorisation": "the registry records no succession then: a code continues through a change of status",
}


def _same_time(date: str | None, other: str | None) -> bool:
    """Both dated, and neither certainly after the other ("2002" and "2002-04" are the same time)."""
    return date is not None and other is not None and not dates.after(date, other) and not dates.after(other, date)


def _local_name(value: str) -> str:
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class UnknownOrganisation(NotFound):
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
        """Every body of the lineage `org` belongs to, oldest first: the build derived them once
        (`dg:inLineage`, see derbygraph.derive); a site or other non-organisation stands alone."""
        lineage = self.dataset.value(iri(org), DG + "inLineage")
        found = {org} if lineage is None else {m.value for m in self.dataset.subjects(DG + "inLineage", lineage)}
        return sorted(found, key=lambda m: (self._first_start(m) or "", m))

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
        found += self.records(node)
        return sorted(found, key=lambda s: (s["iri"], s.get("line") or 0, s["quote"]))

    def records(self, node) -> list[dict]:
        """Each registry row a node rests on: the file's IRI and title, the row's text and line."""
        found = []
        for record in self.dataset.objects(node, PROV + "wasDerivedFrom"):
            if not self.dataset.has_type(record, DG + "RegistryRecord"):
                continue
            file = self.dataset.value(record, vocab.DCT + "source")
            text, line = self._literal(record, PROV + "value"), self._literal(record, DG + "line")
            if file is None or text is None:
                continue
            found.append({"iri": file.value, "title": self._literal(file, vocab.DCT + "title") or self.dataset.label(file),
                          "quote": text, "record": record.value, "line": int(line) if line else None})
        return found

    def from_registry(self, node) -> bool:
        """The node rests on registry rows (a registry organisation, site, name or event)."""
        return any(self.dataset.has_type(q.object, DG + "RegistryRecord")
                   for q in self.dataset.store.quads_for_pattern(node, iri(PROV + "wasDerivedFrom"), None, None))

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
        date = self._literal(event, DG + "date")
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
                if event in self.dataset.objects(period, links) and self._literal(period, DG + "name"):
                    return self._literal(period, DG + "name")
        if date is not None:  # the latest name begun by then (two may share a year)
            named = [(self._literal(p, DG + "start"), self._literal(p, DG + "name")) for p in periods
                     if dates.in_force(date, self._literal(p, DG + "start"), self._literal(p, DG + "end"))]
            named = [(start, name) for start, name in named if start and name]
            if named:
                return max(named)[1]
        return self.dataset.label(org)

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

    def resolve(self, query: str) -> str | None:
        """The IRI a name, code or IRI means: a registry code (an organisation's or a site's) exactly,
        else the forgiving name index."""
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
            for quad in self.dataset.store.quads_for_pattern(None, iri(vocab.SKOS + "notation"), ox.Literal(code), None):
                if isinstance(quad.subject, ox.NamedNode):
                    return quad.subject.value
        match = self.dataset.names.resolve(query)
        return match.iri if match is not None else None

    def lineage(self, query: str, at: str | None = None) -> dict:
        """The contract's lineage JSON for the organisation `query` names, as of `at` if given."""
        if at is not None:
            at = dates.parse(at)
        found_iri = self.resolve(query)
        if found_iri is None:
            raise UnknownOrganisation(query, [m.name for m in self.dataset.names.search(query, 5)])
        members = self.members(found_iri)
        # A registry code linked to an organisation of the documents is reported beside the
        # documents' names (under "reconciliation"), not as a name of its own: the registry's
        # date for it is the day the code opened, not the day the name was first borne.
        linked = {m for m in members if self.from_registry(iri(m)) and self._linked_to(m, members)}

        names = []
        for member in members:
            if member in linked:
                continue
            for period in self._periods(member):
                start, end = self._literal(period, DG + "start"), self._literal(period, DG + "end")
                # a name seen only in a snapshot (dg:observed, no start) holds for the snapshot's date alone
                observed = self._literal(period, DG + "observed") if start is None else None
                if at is not None and not (dates.in_force(at, observed, end) and not dates.after(at, observed)
                                           if observed else dates.in_force(at, start, end)):
                    continue
                names.append({"label": self._literal(period, DG + "name") or self.dataset.label(period),
                              "start": start, "end": end, "organisation": member,
                              "sources": self.sources(period)} | ({"observed": observed} if observed else {}))
        names.sort(key=lambda n: (n["start"] or n.get("observed") or "", n["label"]))  # ISO dates sort as text

        predecessors, successors = [], []
        found = self.events_of(members)
        direct = list(found)
        for event in found:
            if any(self.dataset.has_type(event, c) for c in LINKING):
                self._links(event, self._literal(event, DG + "date"), set(members), predecessors, successors)
        # Predecessors of predecessors, successors of successors.
        seen = set(members) | {p["iri"] for p in predecessors + successors}
        for links, backwards in ((predecessors, True), (successors, False)):
            self._follow(links, seen, backwards, found)
        # How a predecessor ended, or a successor began, at the time of the link belongs here too.
        for links, roles, kinds in ((predecessors, GIVING, ENDING), (successors, RECEIVING, BEGINNING)):
            for link in links:
                for role in roles:
                    found += [e for e in self.dataset.subjects(role, iri(link["iri"])) if e not in found
                              and any(self.dataset.has_type(e, c) for c in kinds)
                              and (self._literal(e, DG + "date") is None  # undated: may be then
                                   or _same_time(self._literal(e, DG + "date"), link["date"]))]

        events = []
        for event in found:
            date = self._literal(event, DG + "date")
            if at is not None and (date is None or dates.after(date, at)):
                continue
            entry = {"iri": event.value, "date": date, "type": self.event_type(event),
                     "label": self.dataset.label(event), "participants": self.participants(event),
                     "sources": self.sources(event)}
            bounds = {b: self._literal(event, DG + b) for b in ("notBefore", "notAfter")}
            if date is None and any(bounds.values()):  # the words give only a bound
                entry["bounds"] = bounds
            events.append(entry)
        events.sort(key=lambda e: (e["date"] or "9999", e["label"]))  # ISO dates sort as text; undated last
        if at is not None:
            predecessors = [p for p in predecessors if p["date"] is None or not dates.after(p["date"], at)]
            successors = [p for p in successors if p["date"] is None or not dates.after(p["date"], at)]

        current = self._current_name(members, names, at)
        answer = {
            "organisation": {"iri": current["organisation"], "label": current["label"]},
            "query": query,
            "at": at,
            "names": names,
            "events": events,
            "predecessors": sorted(predecessors, key=lambda p: (p["date"] or "", p["label"])),
            "successors": sorted(successors, key=lambda p: (p["date"] or "", p["label"])),
        }
        reconciliation = self._reconciliation(members, linked, events, {e.value for e in direct}, at)
        if reconciliation is not None:  # only where the lineage joins the registry and the documents
            reconciliation["candidates"] = self._candidates(members, answer["predecessors"] + answer["successors"])
            answer["reconciliation"] = reconciliation
        return answer

    def _candidates(self, members: list[str], neighbours: list[dict]) -> list[dict]:
        """Registry codes beside this lineage that may be bodies the documents name here: proposals
        with their evidence and confidence, never links; each neighbour entry names its candidates."""
        known = set(members) | {n["iri"] for n in neighbours}
        found = []
        for entry in neighbours:
            for node in self.dataset.subjects(DG + "registryOrganisation", iri(entry["iri"])):
                document = self.dataset.value(node, DG + "documentOrganisation")
                if document is None or document.value not in known or self._literal(node, DG + "linkAsserted") != "false":
                    continue
                confidence = float(self._literal(node, DG + "confidence") or 0)
                found.append({"registry": entry["iri"], "code": entry.get("code"), "document": document.value,
                              "label": self.dataset.label(node), "confidence": confidence,
                              "method": self._literal(node, DG + "matchMethod"),
                              "evidence": sorted(o.value for o in self.dataset.objects(node, DG + "matchEvidence"))})
                entry.setdefault("candidates", []).append({"iri": document.value, "confidence": confidence})
        return found

    def _linked_to(self, member: str, members: list[str]) -> bool:
        node = iri(member)
        return any(o.value in members for o in self.dataset.objects(node, SAME) + self.dataset.subjects(SAME, node))

    def _entry(self, other: str, event, date) -> dict:
        entry = {"iri": other, "label": self.dataset.label(iri(other)), "relation": self.event_type(event), "date": date}
        code = self.dataset.value(iri(other), vocab.SKOS + "notation")
        if code is not None:
            entry["code"] = code.value
        return entry

    def _links(self, event, date, members: set[str], predecessors: list, successors: list) -> None:
        givers = {o.value for r in GIVING for o in self.dataset.objects(event, r)}
        receivers = {o.value for r in RECEIVING for o in self.dataset.objects(event, r)}
        for others, into in ((givers - members, predecessors), (receivers - members, successors)):
            if not (givers if into is successors else receivers) & members:
                continue
            for other in sorted(others):
                entry = self._entry(other, event, date)
                if entry not in into:
                    into.append(entry)

    def _follow(self, links: list, seen: set[str], backwards: bool, found: list) -> None:
        """Add the predecessors of each predecessor (or successors of each successor), transitively,
        each with the organisation it links to (`via`), and the events that link them."""
        towards, away = (RECEIVING, GIVING) if backwards else (GIVING, RECEIVING)
        todo = [link["iri"] for link in links]
        while todo:
            node = todo.pop(0)
            lineage = self.members(node)
            seen.update(lineage)  # its other names and bodies are the same lineage, not its neighbours
            for member in lineage:
                for role in towards:
                    for event in self.dataset.subjects(role, iri(member)):
                        if not any(self.dataset.has_type(event, c) for c in LINKING):
                            continue
                        others = {o.value for r in away for o in self.dataset.objects(event, r)} - seen
                        if not others:
                            continue
                        date = self._literal(event, DG + "date")
                        for other in sorted(others):
                            seen.add(other)
                            todo.append(other)
                            links.append(self._entry(other, event, date) | {"via": node})
                        if event not in found:
                            found.append(event)

    # --- registry and documents side by side ------------------------------------------------

    def _reconciliation(self, members: list[str], linked: set[str], events: list[dict], direct: set[str],
                        at: str | None) -> dict | None:
        """Where a lineage combines the registry and the documents: the links between them, and for
        each organisational change whether the other kind of source records it at the same time."""
        if not linked:
            return None
        links, openings = [], []
        for member in sorted(linked):
            for node in self.dataset.subjects(DG + "registryOrganisation", iri(member)):
                document = self.dataset.value(node, DG + "documentOrganisation")
                if document is not None and document.value in members:
                    links.append(self._link(node, iri(member), document))
            code = self._literal(iri(member), vocab.SKOS + "notation") or _local_name(member)
            for which, verb in ((DG + "opened", "opened"), (DG + "closed", "closed")):  # the code's own dates
                date = self._literal(iri(member), which)
                if date and (at is None or not dates.after(date, at)):
                    openings.append({"iri": member, "date": date, "type": verb.capitalize(),
                                     "label": f"ODS {code} {verb} (registry trust file)"})
        registry, document = [], []
        for event in events:
            node = iri(event["iri"])
            if self.from_registry(node):
                if event["iri"] in direct and event["type"] in _COMPARABLE_NAMES:
                    registry.append(event)
            elif event["type"] in _COMPARABLE_NAMES or any(self.dataset.has_type(node, c) for c in COMPARABLE):
                document.append(event)
        by_date: dict[str, list[dict]] = {}
        for fact in sorted(registry + openings, key=lambda f: f["date"] or "9999"):
            by_date.setdefault(fact["date"], []).append(fact)
        comparisons = [_compare(facts, [d for d in document if _same_time(d["date"], date)], "registry")
                       for date, facts in by_date.items()]
        comparisons += [_compare([event], [], "document") for event in document
                        if not any(_same_time(r["date"], event["date"]) for r in registry + openings)]
        comparisons.sort(key=lambda c: (c["date"] or "9999", c["status"]))
        for event in registry + document:  # each change says how it compares, and with what
            mine = "registry" if event in registry else "document"
            found = [c for c in comparisons if any(f["iri"] == event["iri"] for f in c[mine])]
            others = list(dict.fromkeys(o["iri"] for c in found for o in c["document" if mine == "registry" else "registry"]))
            event["agreement"] = {"status": found[0]["status"], "note": " | ".join(c["note"] for c in found),
                                  "with": others}
        for link in links:
            opened = next((c for c in comparisons if c["status"] in ("agrees", "partly agrees") and any(
                f["type"] == "Opened" and f["iri"] == link["registry"]["iri"] for f in c["registry"])), None)
            if link["status"] == "differs" and opened is not None:
                shared = min((_shared(opened["date"], d["date"]) for d in opened["document"]), key=len)
                link["note"] += f"; the code's opening agrees with the documents' changes of {shared}"
        return {"links": links, "comparisons": comparisons}

    def _link(self, node, registry, document) -> dict:
        sources = []
        for origin in self.dataset.objects(node, PROV + "wasDerivedFrom"):
            if not self.dataset.has_type(origin, DG + "RegistryRecord"):
                sources += self.sources(origin)  # the document's name, with its quotations
        sources += self.records(node)
        opened, closed = self._literal(registry, DG + "opened"), self._literal(registry, DG + "closed")
        first = self._first_start(document.value)
        code = self._literal(registry, vocab.SKOS + "notation")
        entry = {
            "registry": {"iri": registry.value, "code": code, "label": self.dataset.label(registry),
                         "name": self._literal(registry, vocab.SKOS + "altLabel"), "opened": opened, "closed": closed},
            "document": {"iri": document.value, "label": self.dataset.label(document), "start": first},
            "method": self._literal(node, DG + "matchMethod"),
            "matched": sorted(o.value for o in self.dataset.objects(node, DG + "matchedName")),
            "sources": sources,
        }
        if opened and first:
            agree = _same_time(opened, first)
            entry["status"] = "agrees" if agree else "differs"
            entry["note"] = (f"document: {entry['document']['label']} from {first}; registry: {code} opened {opened}"
                             f" — {'dates agree (' + _shared(opened, first) + ')' if agree else 'dates differ'}")
        else:
            entry["status"], entry["note"] = "not dated", "one of the two sources gives no date to compare"
        return entry

    def _current_name(self, members: list[str], names: list[dict], at: str | None) -> dict:
        if names:
            open_names = [n for n in names if n["end"] is None]
            return (open_names or names)[-1]
        last = members[-1]
        # no name held on `at`: a registry code says only its code, not a name seen at another time
        code = self._literal(iri(last), vocab.SKOS + "notation") if at is not None else None
        return {"organisation": last, "label": code or self.dataset.label(iri(last))}


_COMPARABLE_NAMES = {_local_name(c) for c in COMPARABLE} | {"FoundationTrustAuthorisation"}


def _shared(date: str, other: str) -> str:
    """The part of two dates both state: "2002" for "2002" and "2002-04-01"."""
    return date[:min(len(date), len(other))]


def _say(facts: list[dict]) -> str:
    return ", ".join(f"{f['label']} ({f['date'] or 'undated'})" for f in facts)


def _strip(fact: dict) -> dict:
    return {k: fact[k] for k in ("iri", "date", "type", "label") if k in fact}


# The registry's opening and closing of a code are its establishment and dissolution.
_SAME_KIND = {"Opened": "Establishment", "Closed": "Dissolution"}
_GIVING_ROLES = {"originalOrganization", "transferredFrom", "originalSite"}


def _weigh(registry: list[dict], document: list[dict]) -> tuple[list[str], list[str]]:
    """What the registry's and the documents' accounts of one time share, and where they part:
    the date, the kind of change, and how many bodies there were before it (that ended, were renamed
    or gave something up)."""
    shared = min((_shared(r["date"], d["date"]) for r in registry for d in document), key=len)
    agrees, differs = [f"the date ({shared})"], []
    kinds = [sorted({_SAME_KIND.get(f["type"], f["type"]) for f in side}) for side in (registry, document)]
    said = f"the kind of change (registry: {', '.join(kinds[0])}; documents: {', '.join(kinds[1])})"
    (agrees if set(kinds[0]) & set(kinds[1]) else differs).append(said)
    named = [[f for f in side if f.get("participants")] for side in (registry, document)]  # an opening names none
    if all(named):
        givers = [sorted({p["label"] for f in side for p in f["participants"] if p["role"] in _GIVING_ROLES})
                  for side in named]
        said = (f"the bodies before the change (registry: {len(givers[0])}, {', '.join(givers[0]) or 'none'}; "
                f"documents: {len(givers[1])}, {', '.join(givers[1]) or 'none'})")
        (agrees if len(givers[0]) == len(givers[1]) else differs).append(said)
    return agrees, differs


def _compare(facts: list[dict], others: list[dict], side: str) -> dict:
    """One comparison: facts of one kind of source on one date, and what the other kind says then."""
    other_side = "document" if side == "registry" else "registry"
    date = facts[0]["date"]
    entry = {"date": date, "status": "", side: [_strip(f) for f in facts], other_side: [_strip(o) for o in others]}
    if others:
        said = {side: _say(facts), other_side: _say(others)}
        agrees, differs = _weigh(*((facts, others) if side == "registry" else (others, facts)))
        entry["status"] = "partly agrees" if differs else "agrees"
        entry["agrees"], entry["differs"] = agrees, differs
        entry["note"] = (f"document: {said['document']}; registry: {said['registry']} — agree on {', '.join(agrees)}"
                         + (f"; differ on {'; '.join(differs)}" if differs else ""))
    elif side == "registry":
        entry["status"] = "registry only"
        entry["note"] = f"registry: {_say(facts)}; the documents record no change at that time"
    else:
        entry["status"] = "document only"
        why = NOT_IN_REGISTRY.get(facts[0]["type"], "the registry records no succession at that time")
        entry["note"] = f"document: {_say(facts)}; {why}"
    return entry
