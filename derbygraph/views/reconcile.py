"""/reconcile: the W3C Reconciliation Service API 0.2 over HTTP (OpenRefine and friends).

GET or POST, form-encoded as the API has it: no parameters gives the manifest; `queries=` a batch
of reconciliation queries; `extend=` a data extension request; a POST whose body is the JSON itself
is read as the queries (or `{"queries": ...}`, `{"extend": ...}`). Suggest, property proposal and
preview live under it. Bad requests raise BadReconcileRequest, which the app answers with 400
`{"error": ...}`; answers are open to any origin.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, render_template, request

from ..reconcile import BadReconcileRequest, ReconcileService

blueprint = Blueprint("reconcile", __name__, url_prefix="/reconcile")


def _service() -> ReconcileService:
    """One service per app: its site index and kinds are read once."""
    found = current_app.extensions.get("reconcile")
    if found is None:
        found = current_app.extensions["reconcile"] = ReconcileService(
            current_app.config["DATASET"], current_app.config["LINEAGE"])
    return found


def _param(name: str) -> str | None:
    return request.values.get(name)


def _json_param(name: str):
    try:
        return json.loads(_param(name))
    except ValueError as error:
        raise BadReconcileRequest(f"{name} is not JSON: {error}") from None


def _limit(default: int = 10) -> int:
    try:
        return min(max(int(_param("limit") or default), 1), 50)
    except ValueError:
        raise BadReconcileRequest("limit must be a whole number") from None


@blueprint.after_request
def open_to_all(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    return response


def _json_body():
    """A JSON request body: the queries object itself (or `{"queries": ...}` / `{"extend": ...}`)."""
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError as error:
        raise BadReconcileRequest(f"the JSON body is not JSON ({error}); send queries form-encoded as "
                                  "queries=JSON, as OpenRefine does, or a JSON object of named queries") from None


@blueprint.route("", methods=["GET", "POST"])
def service():
    if request.method == "POST" and not request.form and request.get_data():
        return jsonify(_service().json_request(_json_body()))
    if _param("queries") is not None:
        return jsonify(_service().reconcile(_json_param("queries")))
    if _param("extend") is not None:
        return jsonify(_service().extend(_json_param("extend")))
    return jsonify(_service().manifest(request.base_url))


@blueprint.get("/suggest/<kind>")
def suggest(kind: str):
    prefix = _param("prefix") or ""
    if kind == "entity":
        types = request.args.getlist("type")
        return jsonify(_service().suggest_entities(prefix, types, _limit()))
    if kind == "type":
        return jsonify(_service().suggest_types(prefix, _limit()))
    if kind == "property":
        return jsonify(_service().suggest_properties(prefix, _limit()))
    raise BadReconcileRequest("suggest is for entity, type or property")


@blueprint.get("/propose_properties")
def propose_properties():
    return jsonify(_service().propose_properties(_param("type"), _limit()))


@blueprint.get("/preview")
def preview():
    identifier = _param("id") or ""
    if not identifier:
        raise BadReconcileRequest("give the entity as ?id=ID")
    response = current_app.make_response(render_template("reconcile_preview.html", card=_service().preview(identifier)))
    # OpenRefine shows the preview in a frame of its own page, wherever it runs.
    response.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'none'; style-src 'self'; "
                                                   "frame-ancestors *; base-uri 'none'")
    return response
