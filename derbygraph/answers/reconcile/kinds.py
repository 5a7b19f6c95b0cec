"""What kinds of body the reconciliation service offers as types, and which a body is of.

A type finds its bodies by class, subclasses included: the build's OWL RL closure states the
inferred types, so `dg:NHSBody` finds trusts and foundation trusts. Registry codes are typed
`dg:RegistryOrganisation` by the importer; until the registry carries the documents' classes itself,
a code's `dg:registryKind` says which class it counts as (`REGISTRY_KIND_CLASSES`), so "NHS
foundation trust" finds Chesterfield Royal Hospital's RFS. Types may be given as full IRIs,
`dg:NHSTrust` or `NHSTrust`.
"""

from __future__ import annotations

from functools import cached_property

from derbygraph import resources, vocab
from derbygraph.errors import BadInput
from derbygraph.store.dataset import iri

from .bodies import Body

DG, ORG = vocab.DG, vocab.ORG
SITE = DG + "Site"
RECORD = DG + "RegistryOrganisation"
# Recorded as an organisation only to be a party to its ruling: never a body a spreadsheet means
# unless its type is asked for.
NOT_BODIES = (DG + "Tribunal",)
REGISTRY_KIND_CLASSES = {"trust": (DG + "NHSTrust", DG + "NHSBody"), "pct": (DG + "PrimaryCareTrust", DG + "NHSBody"),
                         "ccg": (DG + "NHSBody",), "area": (DG + "NHSBody",), "pcg": (DG + "NHSBody",),
                         "merged": (DG + "NHSBody",)}
FOUNDATION = (DG + "NHSFoundationTrust", DG + "NHSBody")  # a registry trust whose name says so


class UnknownType(BadInput):
    """A type id the service does not offer."""


class Kinds:
    """The service's types over one dataset, read once."""

    def __init__(self, dataset):
        self.dataset = dataset

    @cached_property
    def offered(self) -> list[dict]:
        """The kinds of organisation and site the data holds: the service's types."""
        found = {}
        for row in self.dataset.query(resources.sparql(__file__, "types")):
            found.setdefault(row["type"].value, {"id": row["type"].value, "name": row["label"].value,
                                                 **({"description": row["comment"].value} if row["comment"] else {})})
        return sorted(found.values(), key=lambda k: k["name"])

    @cached_property
    def _supers(self) -> dict[str, set[str]]:
        """Every dg: class's superclasses (itself included), as the ontology states them."""
        direct: dict[str, set[str]] = {}
        for row in self.dataset.query(resources.sparql(__file__, "subclasses")):
            direct.setdefault(row["type"].value, set()).add(row["super"].value)
        closed = {}
        for kind in direct:
            seen, todo = {kind}, [kind]
            while todo:
                for up in direct.get(todo.pop(), ()):
                    if up not in seen:
                        seen.add(up)
                        todo.append(up)
            closed[kind] = seen
        return closed

    def resolve(self, types: list[str]) -> list[str]:
        """Type ids as given (full IRIs, `dg:NHSTrust` or `NHSTrust`) as full IRIs, checked."""
        known = {k["id"] for k in self.offered} | {ORG + "Organization", SITE} | set(FOUNDATION) | \
            {c for classes in REGISTRY_KIND_CLASSES.values() for c in classes}
        found = []
        for given in types:
            short = given.strip().removeprefix("dg:")
            full = given if given in known else DG + short if DG + short in known else None
            if full is None:
                raise UnknownType(f"unknown type {given!r}; /reconcile/suggest/type lists them")
            found.append(full)
        return found

    def is_site_kind(self, kind: str) -> bool:
        return kind == SITE or SITE in self._supers.get(kind, ())

    def accepts(self, types: list[str], body: Body) -> bool:
        """The body is of one of `types`; with none, it is a body a spreadsheet may mean."""
        mine = self.of(body)
        if not types:
            return ORG + "Organization" in mine and not any(t in mine for t in NOT_BODIES)
        return any(t in mine for t in types)

    def of(self, body: Body) -> set[str]:
        """Every class the body's records are of, stated or inferred, with the registry kind's."""
        found = set()
        for member in body.members:
            found |= set(self.dataset.types(iri(member)))
            kind = self.dataset.value(iri(member), DG + "registryKind")
            classes = REGISTRY_KIND_CLASSES.get(kind.value.rsplit("/", 1)[-1], ()) if kind is not None else ()
            if DG + "NHSTrust" in classes and "foundation trust" in self.dataset.label(iri(member)).lower():
                classes = FOUNDATION
            found |= set(classes)
        return found

    def specific(self, body: Body) -> list[dict]:
        """The most specific kinds the body is of, among the service's types."""
        known = {k["id"]: k for k in self.offered}
        mine = [t for t in self.of(body) if t in known]
        specific = [t for t in mine if not any(o != t and t in self._supers.get(o, ()) for o in mine)]
        if len(specific) > 1:  # a registry record merged into a body: the body's kind says more
            specific = [t for t in specific if t != RECORD]
        return [{"id": t, "name": known[t]["name"]} for t in sorted(specific)]
