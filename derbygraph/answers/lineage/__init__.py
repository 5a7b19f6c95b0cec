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
records it at the same time (`agreement`, see `comparison`). A code of the registry (an
organisation's or a site's) resolves to its lineage.

The rooms: `service` (resolving a name and answering), `neighbourhood` (the few whole queries that
fetch what an answer reads, the same for an embedded and a remote store), `history` (the answer,
worked out over that neighbourhood) and `comparison` (registry and documents side by side); what a
node rests on is `derbygraph.answers.evidence`.
"""

from .service import LineageService, UnknownOrganisation

__all__ = ["LineageService", "UnknownOrganisation"]
