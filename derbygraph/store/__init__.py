"""The store floor: the Dataset every answer reads (`dataset`), a remote store behind the same API
(`remote`), the store folder on disk (`storefolder`, `dumps`), query execution under the walls
(`executor`, `sandbox`, `walled`, `querycheck` with its parser `sparqlgrammar`/`sparqlparse`,
`sparql`), and every format with its negotiation (`formats`). Nothing here imports an answer."""
