"""The registry and the documents side by side, where one lineage joins them.

The links between a registry code and an organisation of the documents, the candidate links the
registry import proposed (with their evidence and confidence, never asserted), and for each
organisational change whether the other kind of source records it at the same time: what agrees
(the date, the kind of change, how many bodies there were before it) and what differs.
"""

from __future__ import annotations

from derbygraph import dates, vocab
from derbygraph.answers import evidence
from derbygraph.store.dataset import Dataset, iri

DG, ORG, PROV = vocab.DG, vocab.ORG, vocab.PROV

# Two descriptions of one organisation (a registry code and a document's organisation): one lineage.
SAME = DG + "sameOrganisationAs"
# Organisational changes a registry of successions could also record: compared across sources
# (an event of one of these classes, or of a kind named so).
COMPARABLE = ("Establishment", "Renaming", "StatusChange", "Dissolution", "Merger", "ServiceTransfer",
              "Succession", "SiteSuccession")
COMPARABLE_KINDS = set(COMPARABLE) | {"FoundationTrustAuthorisation"}
# Why the registry's successor file has nothing to say about a document's event.
NOT_IN_REGISTRY = {
    "Renaming": "the registry's successor file does not record renamings: a code keeps its number through a change of name",
    "StatusChange": "the registry records no succession then: a code continues through a change of status",
    "FoundationTrustAuthorisation": "the registry records no succession then: a code continues through a change of status",
}
# The registry's opening and closing of a code are its establishment and dissolution.
_SAME_KIND = {"Opened": "Establishment", "Closed": "Dissolution"}
_GIVING_ROLES = {"originalOrganization", "transferredFrom", "originalSite"}


def linked(dataset: Dataset, members: list[str]) -> set[str]:
    """The registry codes of a lineage that are linked to one of its organisations of the documents:
    reported under "reconciliation", not as names of their own (the registry's date for a code is the
    day it opened, not the day its name was first borne)."""
    def linked_to(member: str) -> bool:
        node = iri(member)
        return any(o.value in members for o in dataset.objects(node, SAME) + dataset.subjects(SAME, node))

    return {m for m in members if evidence.from_registry(dataset, iri(m)) and linked_to(m)}


def proposed(dataset: Dataset, members: list[str]) -> list[dict]:
    """The links proposed, not asserted, that name a body of this lineage on either side: on RKX's
    own page, the body of the documents it may be; on that body's page, the code that may be it."""
    found = {}
    for member in members:
        for side in (DG + "registryOrganisation", DG + "documentOrganisation"):
            for node in dataset.subjects(side, iri(member)):
                if dataset.text(node, DG + "linkAsserted") == "false":
                    found.setdefault(node.value, _candidate(dataset, node))
    return sorted(found.values(), key=lambda c: (-c["confidence"], c["code"] or "", c["document"]))


def _candidate(dataset: Dataset, node) -> dict:
    """A proposed link as the answer shows it: which code may be which body of the documents, how
    sure the import was, by what methods, the evidence in words and the rows and quotations it rests on."""
    registry, document = dataset.value(node, DG + "registryOrganisation"), dataset.value(node, DG + "documentOrganisation")
    return {"registry": registry.value, "code": dataset.text(registry, vocab.SKOS + "notation"),
            "document": document.value, "label": dataset.label(node),
            "confidence": float(dataset.text(node, DG + "confidence") or 0),
            "method": dataset.text(node, DG + "matchMethod"),
            "evidence": sorted(o.value for o in dataset.objects(node, DG + "matchEvidence")),
            "sources": _rests_on(dataset, node)}


def candidates(dataset: Dataset, members: list[str], neighbours: dict[str, list[dict]]) -> list[dict]:
    """Registry codes beside this lineage that may be bodies the documents name here: proposals with
    their evidence and confidence, never links.

    Each such code is shown once: not as a predecessor or successor of its own beside the bodies it
    may be (that would count one body twice), but on the entry of each body of the documents it may
    be, as `candidates`; a code that may be one of the lineage's own bodies is listed here alone.
    `neighbours` ("predecessors" and "successors") is changed in place."""
    known = set(members) | {n["iri"] for side in neighbours.values() for n in side}
    found = []
    for side in neighbours.values():
        for entry in side:
            for node in dataset.subjects(DG + "registryOrganisation", iri(entry["iri"])):
                document = dataset.value(node, DG + "documentOrganisation")
                if document is None or document.value not in known or dataset.text(node, DG + "linkAsserted") != "false":
                    continue
                found.append(_candidate(dataset, node))
    proposed = {c["registry"] for c in found}
    onward = {n.get("via") for side in neighbours.values() for n in side}  # a code others are reached through stays
    for key, side in neighbours.items():
        neighbours[key] = [n for n in side if n["iri"] not in proposed or n["iri"] in onward]
    shown = {n["iri"] for side in neighbours.values() for n in side}
    for entry in (n for side in neighbours.values() for n in side):
        for candidate in found:
            if candidate["registry"] == entry["iri"]:  # a code kept: the bodies of the documents it may be
                entry.setdefault("candidates", []).append({"iri": candidate["document"], "confidence": candidate["confidence"]})
            elif candidate["document"] == entry["iri"] and candidate["registry"] not in shown:
                entry.setdefault("candidates", []).append(
                    {"iri": candidate["registry"], "code": candidate["code"], "confidence": candidate["confidence"]})
    return found


def reconciliation(dataset: Dataset, members: list[str], linked: set[str], events: list[dict],
                   direct: set[str], at: str | None, first_start) -> dict | None:
    """Where a lineage combines the registry and the documents: the links between them, and for each
    organisational change whether the other kind of source records it at the same time. `first_start`
    gives the first date an organisation of the documents bore a name."""
    if not linked:
        return None
    links, openings = [], []
    for member in sorted(linked):
        for node in dataset.subjects(DG + "registryOrganisation", iri(member)):
            document = dataset.value(node, DG + "documentOrganisation")
            if document is not None and document.value in members:
                links.append(_link(dataset, node, iri(member), document, first_start(document.value)))
        code = dataset.text(iri(member), vocab.SKOS + "notation") or member.rsplit("/", 1)[-1]
        for which, verb in ((DG + "opened", "opened"), (DG + "closed", "closed")):  # the code's own dates
            date = dataset.text(iri(member), which)
            if date and (at is None or not dates.after(date, at)):
                openings.append({"iri": member, "date": date, "type": verb.capitalize(),
                                 "label": f"ODS {code} {verb} (registry trust file)"})
    registry, document = [], []
    for event in events:
        node = iri(event["iri"])
        if evidence.from_registry(dataset, node):
            if event["iri"] in direct and event["type"] in COMPARABLE_KINDS:
                registry.append(event)
        elif event["type"] in COMPARABLE_KINDS or any(dataset.has_type(node, DG + c) for c in COMPARABLE):
            document.append(event)
    by_date: dict[str, list[dict]] = {}
    for fact in sorted(registry + openings, key=lambda f: f["date"] or "9999"):
        by_date.setdefault(fact["date"], []).append(fact)
    comparisons = [_compare(facts, [d for d in document if dates.same_time(d["date"], date)], "registry")
                   for date, facts in by_date.items()]
    comparisons += [_compare([event], [], "document") for event in document
                    if not any(dates.same_time(r["date"], event["date"]) for r in registry + openings)]
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
            shared = min((dates.shared(opened["date"], d["date"]) for d in opened["document"]), key=len)
            link["note"] += f"; the code's opening agrees with the documents' changes of {shared}"
    return {"links": links, "comparisons": comparisons}


def _link(dataset: Dataset, node, registry, document, first: str | None) -> dict:
    sources = _rests_on(dataset, node)
    opened, closed = dataset.text(registry, DG + "opened"), dataset.text(registry, DG + "closed")
    code = dataset.text(registry, vocab.SKOS + "notation")
    entry = {
        "registry": {"iri": registry.value, "code": code, "label": dataset.label(registry),
                     "name": dataset.text(registry, vocab.SKOS + "altLabel"), "opened": opened, "closed": closed},
        "document": {"iri": document.value, "label": dataset.label(document), "start": first},
        "method": dataset.text(node, DG + "matchMethod"),
        "matched": sorted(o.value for o in dataset.objects(node, DG + "matchedName")),
        "sources": sources,
    }
    if opened and first:
        agree = dates.same_time(opened, first)
        entry["status"] = "agrees" if agree else "differs"
        entry["note"] = (f"document: {entry['document']['label']} from {first}; registry: {code} opened {opened}"
                         f" — {'dates agree (' + dates.shared(opened, first) + ')' if agree else 'dates differ'}")
    else:
        entry["status"], entry["note"] = "not dated", "one of the two sources gives no date to compare"
    return entry


def _rests_on(dataset: Dataset, node) -> list[dict]:
    """What a link (asserted or proposed) rests on: the quotations of the documents' names and events
    it was derived from, then the registry rows; each once (a name and an event may rest on one quotation)."""
    sources = []
    for origin in dataset.objects(node, PROV + "wasDerivedFrom"):
        if not dataset.has_type(origin, DG + "RegistryRecord"):
            sources += [s for s in evidence.sources(dataset, origin) if s not in sources]
    return sources + evidence.records(dataset, node)


def _say(facts: list[dict]) -> str:
    return ", ".join(f"{f['label']} ({f['date'] or 'undated'})" for f in facts)


def _strip(fact: dict) -> dict:
    return {k: fact[k] for k in ("iri", "date", "type", "label") if k in fact}


def _weigh(registry: list[dict], document: list[dict]) -> tuple[list[str], list[str]]:
    """What the registry's and the documents' accounts of one time share, and where they part: the
    date, the kind of change, and how many bodies there were before it (that ended, were renamed or
    gave something up)."""
    shared = min((dates.shared(r["date"], d["date"]) for r in registry for d in document), key=len)
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
