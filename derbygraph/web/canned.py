"""Canned queries at stable URLs: /queries/NAME (HTML with a form), .json and .csv."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from derbygraph.answers import canned as queries
from derbygraph.errors import QueryError

from .results import run_for_page
from .sparql_endpoint import answer_response

blueprint = Blueprint("canned", __name__, url_prefix="/queries")

SUFFIXES = {"json": "json", "csv": "csv", "tsv": "tsv", "xml": "xml", "ttl": "turtle", "nt": "nt", "jsonld": "jsonld"}


@blueprint.get("")
def index():
    catalogue = queries.catalogue()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify([{"name": q.name, "title": q.title, "description": q.description, "url": f"/queries/{q.name}",
                         "parameters": [p.__dict__ for p in q.parameters]} for q in catalogue.values()])
    return render_template("queries.html", dataset=current_app.config["DATASET"], queries=catalogue)


@blueprint.get("/<name>")
def canned_query(name: str):
    stem, _, suffix = name.partition(".")
    canned = queries.catalogue().get(stem)
    if canned is None:
        raise QueryError(f"no canned query is called {stem!r}; the list is at /queries", 404)
    if suffix and suffix not in SUFFIXES:
        raise QueryError(f"unknown download format .{suffix}: use one of "
                         f"{', '.join('.' + name for name in SUFFIXES)}", 404)
    dataset = current_app.config["DATASET"]
    values = request.args.to_dict()
    try:
        text = canned.render(dataset, values)
    except QueryError as error:
        if suffix:
            raise
        return render_template("query.html", dataset=dataset, canned=canned, values=values, query=canned.text,
                               result=None, error=str(error), downloads=[], queries=queries.catalogue()), error.status
    if suffix:  # a download: the answer as /sparql gives it, a cut one marked as cut
        return answer_response(current_app.config["EXECUTOR"].run(text, client=request.remote_addr,
                                                                       format_name=SUFFIXES[suffix]))
    result = run_for_page(text)
    form = "graph" if result.graph is not None else "solutions"
    return render_template("query.html", dataset=dataset, canned=canned, values=values, query=text, result=result,
                           downloads=[(fmt, f"/queries/{stem}.{fmt}?" + request.query_string.decode())
                                      for fmt in (["ttl", "nt", "jsonld"] if form == "graph" else ["json", "csv", "tsv", "xml"])],
                           queries=queries.catalogue())
