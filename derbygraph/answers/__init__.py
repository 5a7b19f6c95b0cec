"""The answers floor: one question each, read from the store: `lineage`, `names`, `why`,
`crosswalk`, `reconcile`, `search`, `linkeddata`, `canned` queries, `sources` (the documents as a
reader checks them), `evidence` and `timeline`. Answers never write the Dataset."""


def kept_queries() -> list[str]:
    """The queries whose answers a store folder keeps (`derbygraph.build.write_store`): each reads
    the whole store, on every command or start-up that needs it (the crosswalk's registry facts:
    4 s of each crosswalk command on the registry; the indexes of names, search and
    reconciliation, made at every server start)."""
    from derbygraph import resources

    from .crosswalk.facts import queries
    from .names import name_queries
    from .reconcile import bodies, kinds
    from .search import fields_query

    return queries() + name_queries() + [fields_query()] + \
        [resources.sparql(bodies.__file__, name) for name in ("organisations", "changes")] + \
        [resources.sparql(kinds.__file__, name) for name in ("types", "subclasses")]


def kept_indexes() -> dict:
    """The indexes a store folder keeps whole (`derbygraph.answers.indexes`): for what each is made
    from, what makes its state from a Dataset. Made at every server start otherwise (at 5M
    triples, 27 s of a 36 s start-up)."""
    from . import names, search
    from .reconcile import bodies

    return {**names.kept_indexes(), **search.kept_indexes(), **bodies.kept_indexes()}
