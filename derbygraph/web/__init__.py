"""The web floor: the Flask app factory with its one error table (`app`), one blueprint per area
(`pages`, `api`, `sparql_endpoint`, `canned`, `linked`, `sources`, `crosswalk`, `reconcile`;
`results` turns an answer into table cells) and the production server (`server`). No SPARQL and no
domain policy in a view."""
