"""The JSON API: lineage, search (by name, postcode, address...) and statement provenance, the same services the CLI calls."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from derbygraph.answers.names import NameIndex
from derbygraph.answers.search import search as find
from derbygraph.answers.why import WhyService
from derbygraph.errors import BadInput
from derbygraph.store.dataset import iri

from .negotiation import json_answer

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.get("/lineage")
def lineage():
    name = request.args.get("org", "").strip()
    if not name:
        raise BadInput("give the organisation as ?org=NAME (any of its names, an acronym or its IRI)")
    return json_answer(current_app.config["LINEAGE"].lineage(name, request.args.get("at") or None))


@blueprint.get("/search")
def search():
    text = request.args.get("q", "").strip()
    if not text:
        raise BadInput("give the text to search for as ?q=TEXT")
    try:
        limit = min(max(int(request.args.get("limit", 10)), 1), 100)
    except ValueError:
        raise BadInput("limit must be a whole number") from None
    dataset, at = current_app.config["DATASET"], request.args.get("at") or None
    return json_answer([
        {"iri": hit.iri, "label": dataset.label(iri(hit.iri)), "names": NameIndex.of(dataset).names_of(hit.iri),
         "score": hit.score, "field": hit.field, "matched": hit.matched} | ({"then": hit.then} if at else {})
        for hit in find(dataset, text, limit, at)
    ])


@blueprint.get("/why")
def why():
    missing = [name for name in ("s", "p", "o") if not request.args.get(name, "").strip()]
    if missing:
        raise BadInput(f"give the statement as ?s=IRI&p=IRI&o=IRI-or-literal (missing: {', '.join(missing)})")
    return json_answer(WhyService(current_app.config["DATASET"]).why(
        request.args["s"], request.args["p"], request.args["o"]))
