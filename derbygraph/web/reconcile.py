"""/reconcile: the W3C Reconciliation Service API 0.2 over HTTP (OpenRefine and friends).

GET or POST, form-encoded as the API has it: no parameters gives the manifest; `queries=` a batch
of reconciliation queries; `extend=` a data extension request; a POST whose body is the JSON itself
is read as the queries (or `{"queries": ...}`, `{"extend": ...}`). Suggest, property proposal and
preview live under it. Bad requests raise BadReconcileRequest, which the app's error table answers
(400, `{"error": ...}` for a JSON client); answers are open to any origin.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request

from derbygraph import deadline
from derbygraph.answers.reconcile.service import BadReconcileRequest, ReconcileService
from derbygraph.config import Config

from .app import bounded_text
from .negotiation import html_page, json_answer

blueprint = Blueprint("reconcile", __name__, url_prefix="/reconcile")


def _service() -> ReconcileService:
    """One service per app: its site index and kinds are read once."""
    return prepare(current_app)


def prepare(app) -> ReconcileService:
    """The app's reconciliation service, its indexes built: `serve` calls it before it listens,
    so the first reconcile request does not hold the interpreter while lineage waits."""
    found = app.extensions.get("reconcile")
    if found is None:
        with deadline.paused():  # built for every later request, not this one's
            found = ReconcileService(app.config["DATASET"], app.config["LINEAGE"])
            found.warm()
        app.extensions["reconcile"] = found
    return found


def _config() -> Config:
    return current_app.config["CONFIG"]


def _param(name: str) -> str | None:
    """A parameter (query string or form), within the limits of one parameter."""
    value = request.values.get(name)
    return value if value is None else bounded_text(name, value, _config())


def _json_param(name: str):
    """A JSON parameter, no deeper than `Config.max_json_depth`."""
    return _json(name, request.values.get(name))


def _json_body():
    """A JSON request body: the queries object itself (or `{"queries": ...}` / `{"extend": ...}`)."""
    return _json("the JSON body", request.get_data(as_text=True),
                 "; send queries form-encoded as queries=JSON, as OpenRefine does, or a JSON object of named queries")


def _json(name: str, text: str, advice: str = ""):
    """JSON text no deeper than `Config.max_json_depth`."""
    most = _config().max_json_depth
    too_deep = BadReconcileRequest(f"{name} nests arrays and objects more than {most} deep")
    try:
        value = json.loads(text)
    except ValueError as error:
        raise BadReconcileRequest(f"{name} is not JSON: {error}{advice}") from None
    except RecursionError:
        raise too_deep from None
    if _depth(value, most) > most:
        raise too_deep
    return value


def _depth(value, most: int) -> int:
    """How deep arrays and objects nest in `value`, counted up to one past `most`."""
    if most < 0 or not isinstance(value, (list, dict)):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(child, most - 1) for child in children), default=0)


def _queries(queries) -> dict:
    """A batch of reconciliation queries within the limits: how many, and each one's text."""
    config = _config()
    if isinstance(queries, dict):
        if len(queries) > config.max_batch:
            raise BadReconcileRequest(f"the batch has {len(queries)} queries; send at most {config.max_batch} at once")
        for key, query in queries.items():
            if isinstance(query, dict) and isinstance(query.get("query"), str):
                bounded_text(f"query {key!r}", query["query"], config)
    return queries


def _extension(extend) -> dict:
    """A data extension request within the limits: ids x properties."""
    if isinstance(extend, dict) and isinstance(extend.get("ids"), list) and isinstance(extend.get("properties"), list):
        cells, most = len(extend["ids"]) * len(extend["properties"]), _config().max_extend_cells
        if cells > most:
            raise BadReconcileRequest(f"extend asks for {len(extend['ids'])} ids x {len(extend['properties'])} "
                                      f"properties = {cells} values; ask for at most {most} at once")
    return extend


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


@blueprint.route("", methods=["GET", "POST"])
def service():
    if request.method == "POST" and not request.form and request.get_data():
        body = _json_body()
        if isinstance(body, dict) and set(body) == {"extend"}:
            return json_answer(_service().extend(_extension(body["extend"])))
        if isinstance(body, dict) and set(body) == {"queries"}:
            body = body["queries"]
        return json_answer(_service().reconcile(_queries(body)))
    if request.values.get("queries") is not None:
        return json_answer(_service().reconcile(_queries(_json_param("queries"))))
    if request.values.get("extend") is not None:
        return json_answer(_service().extend(_extension(_json_param("extend"))))
    return json_answer(_service().manifest(request.base_url))


@blueprint.get("/suggest/<kind>")
def suggest(kind: str):
    prefix = _param("prefix") or ""
    if kind == "entity":
        types = request.args.getlist("type")
        return json_answer(_service().suggest_entities(prefix, types, _limit()))
    if kind == "type":
        return json_answer(_service().suggest_types(prefix, _limit()))
    if kind == "property":
        return json_answer(_service().suggest_properties(prefix, _limit()))
    raise BadReconcileRequest("suggest is for entity, type or property")


@blueprint.get("/propose_properties")
def propose_properties():
    return json_answer(_service().propose_properties(_param("type"), _limit()))


@blueprint.get("/preview")
def preview():
    identifier = _param("id") or ""
    if not identifier:
        raise BadReconcileRequest("give the entity as ?id=ID")
    response = html_page("reconcile_preview.html", card=_service().preview(identifier))
    # OpenRefine shows the preview in a frame of its own page, wherever it runs.
    response.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'none'; style-src 'self'; "
                                                   "frame-ancestors *; base-uri 'none'")
    return response
