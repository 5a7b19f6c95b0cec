"""Blueprints of the web app, one per area: pages, the JSON API, the SPARQL endpoint."""
