"""The part of the graph one lineage reads, fetched in a few whole queries.

The lineage is worked out over a small in-memory copy of its neighbourhood: `bodies.rq` names the
bodies linked to it (and which are its own), `things.rq` what the answer reads about them,
`statements.rq` every statement the answer reads about those (of another body's names, only what
names it on a date), and `constants.rq` (once) what every lineage reads. An embedded store and a
remote one answer the same queries, so the answer is the same. The copy is a `QuadIndex` of the rows' own
terms, not a store: filling a pyoxigraph store and reading it back cost more than the queries.
"""

from __future__ import annotations

import pyoxigraph as ox

from derbygraph import resources, vocab
from derbygraph.store.dataset import Dataset
from derbygraph.store.memory import DEFAULT, Quad, QuadIndex

# What `statements.rq` reads of an event in the graphs of its sources besides the roles of
# `dg:participant` (listed from the constants): its types, and a site's roles in a succession.
STATED = [ox.NamedNode(vocab.RDF + "type"), ox.NamedNode(vocab.DG + "originalSite"),
          ox.NamedNode(vocab.DG + "resultingSite")]
HAS_SOURCE, HAS_SELECTOR, EXACT = (ox.NamedNode(vocab.OA + name) for name in ("hasSource", "hasSelector", "exact"))


def _ask(dataset: Dataset, name: str, roles: list[ox.NamedNode] = (), **values: list[ox.NamedNode]):
    """The rows of `name`.rq with `values` written in as VALUES lists, and `roles` as an IN list."""
    return dataset.query(resources.sparql(
        __file__, name, roles=", ".join(str(term) for term in roles),
        **{variable: " ".join(str(term) for term in terms) for variable, terms in values.items()}))


def _quads(rows) -> list[Quad]:
    """Statements in the default graph, and stated types and roles in the graphs of their sources;
    a quotation's row is its three statements (`statements.rq`)."""
    quads = []
    for s, p, o, g, quote, source, selector, exact in rows:
        if quote is None:
            quads.append(Quad(s, p, o, g or DEFAULT))
        else:
            quads += [Quad(quote, HAS_SOURCE, source, DEFAULT), Quad(quote, HAS_SELECTOR, selector, DEFAULT),
                      Quad(selector, EXACT, exact, DEFAULT)]
    return quads


def constants(dataset: Dataset) -> QuadIndex:
    """The class and property hierarchy and the sources (read once: a served dataset does not change)."""
    return QuadIndex(Quad(row["s"], row["p"], row["o"], DEFAULT) for row in _ask(dataset, "constants"))


def neighbourhood(dataset: Dataset, start: ox.NamedNode, shared: QuadIndex) -> Dataset:
    """A Dataset holding everything the lineage of `start` reads (with `shared`, from `constants`)."""
    found = _ask(dataset, "bodies", start=[start])
    bodies = list(dict.fromkeys(row["body"] for row in found)) or [start]
    members = [row["body"] for row in found if row["member"] is not None] or [start]
    read = _ask(dataset, "things", bodies=bodies, members=members, others=[b for b in bodies if b not in members])
    things = _unique([row["thing"] for row in read])
    agents = _unique(bodies + [row["agent"] for row in read], things)
    named = _unique([row["named"] for row in read], things + agents)
    roles = STATED + [quad.subject for quad in shared.quads_for_pattern(
        None, ox.NamedNode(vocab.RDFS + "subPropertyOf"), ox.NamedNode(vocab.DG + "participant"))]
    rows = _ask(dataset, "statements", roles=roles, things=things, agents=agents, named=named)
    return Dataset(QuadIndex(_quads(rows), shared))


def _unique(terms: list, read_more: list = ()) -> list[ox.NamedNode]:
    """The IRIs among `terms`, each once, but those read more fully as one of `read_more`."""
    skipped = set(read_more)
    return [term for term in dict.fromkeys(terms) if isinstance(term, ox.NamedNode) and term not in skipped]
