"""The answers floor: one question each, read from the store: `lineage`, `names`, `why`,
`crosswalk`, `reconcile`, `search`, `linkeddata`, `canned` queries, `sources` (the documents as a
reader checks them), `evidence` and `timeline`. Answers never write the Dataset."""
