"""The answers floor: one question each, read from the store: `lineage`, `names`, `why`,
`crosswalk`, `reconcile`, `search`, `linkeddata`, `canned` queries, `sources` (the documents as a
reader checks them), `evidence` and `timeline`. Answers never write the Dataset."""


def kept_queries() -> list[str]:
    """The queries whose answers a store folder keeps (`derbygraph.build.write_store`): each reads
    the whole store, on every command or start-up that needs it (the crosswalk's registry facts:
    4 s of each crosswalk command on the registry; the names of every organisation and site)."""
    from .crosswalk.facts import queries
    from .names import name_queries

    return queries() + name_queries()
