"""Canned queries at stable URLs: /queries/NAME (HTML with a form), and NAME.FORMAT for any format
the answer comes in (`.json`, `.csv`, `.ttl`...), as /sparql gives it."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from derbygraph.answers import canned as queries
from derbygraph.errors import NotFound
from derbygraph.store import formats

from .negotiation import chosen, html_page
from .results import run_for_page
from .sparql_endpoint import answer_response

blueprint = Blueprint("canned", __name__, url_prefix="/queries")


@blueprint.get("")
def index():
    catalogue = queries.catalogue()
    if chosen(formats.CATALOGUE) is formats.JSON:
        return jsonify([{"name": q.name, "title": q.title, "description": q.description, "url": f"/queries/{q.name}",
                         "parameters": [p.__dict__ for p in q.parameters]} for q in catalogue.values()])
    return html_page("queries.html", dataset=current_app.config["DATASET"], queries=catalogue)


@blueprint.get("/<name>")
def canned_query(name: str):
    stem, _, suffix = name.partition(".")
    canned = queries.catalogue().get(stem)
    if canned is None:
        raise NotFound(f"no canned query is called {stem!r}; the list is at /queries")
    if suffix and not formats.find(formats.SOLUTIONS + formats.GRAPHS, suffix):
        raise NotFound(f"unknown download format .{suffix}: use one of "
                       f"{', '.join('.' + f.name for f in formats.SOLUTIONS + formats.GRAPHS)}")
    dataset = current_app.config["DATASET"]
    values = request.args.to_dict()
    text = canned.render(dataset, values)
    if suffix:  # a download: the answer as /sparql gives it, a cut one marked as cut
        return answer_response(current_app.config["EXECUTOR"].run(text, client=request.remote_addr, format_name=suffix))
    chosen(formats.PAGE)
    result = run_for_page(text)
    form = "graph" if result.graph is not None else "solutions"
    return html_page("query.html", dataset=dataset, canned=canned, values=values, query=text, result=result,
                     downloads=[(f.name, f"/queries/{stem}.{f.name}?" + request.query_string.decode())
                                for f in formats.for_form(form)],
                     queries=queries.catalogue())
