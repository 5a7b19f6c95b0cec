"""HTML pages for people: the home page and the SPARQL query page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from .. import queries, vocab
from .results import download_links, run_for_page

blueprint = Blueprint("pages", __name__)

STARTER = """SELECT ?organisation ?name ?start ?end WHERE {
  ?organisation dg:hasNamePeriod ?period .
  ?period dg:name ?name .
  OPTIONAL { ?period dg:start ?start }
  OPTIONAL { ?period dg:end ?end }
}
ORDER BY ?organisation ?start"""


@blueprint.get("/")
def home():
    dataset = current_app.config["DATASET"]
    return render_template("home.html", dataset=dataset, organisations=[
        (iri, dataset.names.names_of(iri)) for iri in dataset.names.organisations()], queries=queries.catalogue())


@blueprint.get("/query")
def query_page():
    """The query editor: the permalink /query?query=... reproduces the query and its results."""
    text = request.args.get("query", "").strip()
    result = run_for_page(text) if text else None
    form = "graph" if result is not None and result.graph is not None else "solutions"
    return render_template("query.html", dataset=current_app.config["DATASET"], query=text or STARTER,
                           result=result, downloads=download_links(text, form) if text else [],
                           prefixes=vocab.PREFIXES, queries=queries.catalogue())
