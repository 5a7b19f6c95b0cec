"""The bodies of one lineage, oldest first: the one reading of the lineage identity the build derived
(`dg:inLineage`, see `derbygraph.build.derive`), for the lineage service, its history, the names in
force and the pages alike.

One order (`oldest_first`), read two ways: by one query from a store (`members`), or by patterns
from a lineage's neighbourhood, which holds what the lineage queries fetched and answers no SPARQL
(`members_in`)."""

from __future__ import annotations

from derbygraph import resources, vocab
from derbygraph.store.dataset import Dataset, iri

DG = vocab.DG


def oldest_first(first_days: dict[str, str | None]) -> list[str]:
    """Bodies by the first day any of their names may be in force (undated first), then by IRI."""
    return sorted(first_days, key=lambda m: (first_days[m] or "", m))


def members(dataset: Dataset, org: str) -> list[str]:
    """Every body of the lineage `org` belongs to, oldest first, in one query; a site or other body
    in no lineage stands alone."""
    first: dict[str, str | None] = {}
    for row in dataset.query(resources.sparql(__file__, "members", org=str(iri(org)))):
        member, start = row["member"].value, row["start"].value if row["start"] is not None else None
        first[member] = min(filter(None, (first.get(member), start)), default=None)
    return oldest_first(first)


def members_in(dataset: Dataset, org: str) -> list[str]:
    """`members`, read by patterns (from a neighbourhood)."""
    lineage = dataset.value(iri(org), DG + "inLineage")
    bodies = {org} if lineage is None else {m.value for m in dataset.subjects(DG + "inLineage", lineage)}
    return oldest_first({body: min((day.value for period in dataset.objects(iri(body), DG + "hasNamePeriod")
                                    for day in dataset.objects(period, DG + "possiblyInForceFrom")), default=None)
                         for body in bodies})
