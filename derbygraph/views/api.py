"""The JSON API: lineage, name search and statement provenance, the same services the CLI calls."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..dataset import iri
from ..dates import BadDate
from ..lineage import UnknownOrganisation
from ..why import BadStatement, UnknownStatement, WhyService

blueprint = Blueprint("api", __name__, url_prefix="/api")


def _error(message: str, status: int, **extra):
    response = jsonify(error=message, **extra)
    response.status_code = status
    return response


@blueprint.get("/lineage")
def lineage():
    name = request.args.get("org", "").strip()
    if not name:
        return _error("give the organisation as ?org=NAME (any of its names, an acronym or its IRI)", 400)
    try:
        return jsonify(current_app.config["LINEAGE"].lineage(name, request.args.get("at") or None))
    except BadDate as error:
        return _error(str(error), 400)
    except UnknownOrganisation as error:
        return _error(str(error), 404, suggestions=error.suggestions)


@blueprint.get("/search")
def search():
    text = request.args.get("q", "").strip()
    if not text:
        return _error("give the text to search for as ?q=TEXT", 400)
    try:
        limit = min(max(int(request.args.get("limit", 10)), 1), 100)
    except ValueError:
        return _error("limit must be a whole number", 400)
    dataset = current_app.config["DATASET"]
    return jsonify([
        {"iri": m.iri, "label": dataset.label(iri(m.iri)), "names": dataset.names.names_of(m.iri),
         "score": m.score, "matched": m.name}
        for m in dataset.names.search(text, limit)
    ])


@blueprint.get("/why")
def why():
    missing = [name for name in ("s", "p", "o") if not request.args.get(name, "").strip()]
    if missing:
        return _error(f"give the statement as ?s=IRI&p=IRI&o=IRI-or-literal (missing: {', '.join(missing)})", 400)
    try:
        return jsonify(WhyService(current_app.config["DATASET"]).why(
            request.args["s"], request.args["p"], request.args["o"]))
    except BadStatement as error:
        return _error(str(error), 400)
    except UnknownStatement as error:
        return _error(str(error), 404)
