"""Canned queries at stable URLs: /queries/NAME (HTML with a form), .json and .csv."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from .. import queries
from ..sparql import QueryError
from .results import run_for_page

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
    if canned is None or (suffix and suffix not in SUFFIXES):
        abort(404)
    dataset = current_app.config["DATASET"]
    values = request.args.to_dict()
    try:
        text = canned.render(dataset, values)
    except QueryError as error:
        if suffix:
            return Response(str(error) + "\n", error.status, mimetype="text/plain")
        return render_template("query.html", dataset=dataset, canned=canned, values=values, query=canned.text,
                               result=None, error=str(error), downloads=[], queries=queries.catalogue()), error.status
    if suffix:
        try:
            answer = current_app.config["EXECUTOR"].run(text, format_name=SUFFIXES[suffix])
        except QueryError as error:
            return Response(str(error) + "\n", error.status, mimetype="text/plain")
        response = Response(answer.body, mimetype=answer.media_type)
        if answer.media_type.startswith(("text/", "application/sparql-results")):
            response.charset = "utf-8"
        return response
    result = run_for_page(text)
    form = "graph" if result.graph is not None else "solutions"
    return render_template("query.html", dataset=dataset, canned=canned, values=values, query=text, result=result,
                           downloads=[(fmt, f"/queries/{stem}.{fmt}?" + request.query_string.decode())
                                      for fmt in (["ttl", "nt", "jsonld"] if form == "graph" else ["json", "csv", "tsv", "xml"])],
                           queries=queries.catalogue())
