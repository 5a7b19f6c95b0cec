"""The bodies of one lineage, oldest first: the one reading of the lineage identity the build derived
(`dg:inLineage`, see `derbygraph.build.derive`), for the lineage service, its history, the names in
force and the pages alike."""

from __future__ import annotations

from derbygraph import resources
from derbygraph.store.dataset import Dataset, iri


def members(dataset: Dataset, org: str) -> list[str]:
    """Every body of the lineage `org` belongs to, oldest first (by the first day any of its names
    may be in force; undated first, then by IRI), in one query; a site or other body in no lineage
    stands alone."""
    first: dict[str, str] = {}
    for row in dataset.query(resources.sparql(__file__, "members", org=str(iri(org)))):
        member, start = row["member"].value, row["start"].value if row["start"] is not None else None
        first[member] = min(filter(None, (first.get(member), start)), default="")
    return sorted(first, key=lambda m: (first[m], m))
