"""/sparql: the SPARQL 1.1 Protocol, query only."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..sparql import QueryError

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def _refuse(message: str, status: int) -> Response:
    best = request.accept_mimetypes.best_match(["text/plain", "application/json", "application/sparql-results+json"])
    if best in ("application/json", "application/sparql-results+json") and request.accept_mimetypes[best] > request.accept_mimetypes["text/plain"]:
        import json

        return Response(json.dumps({"error": message}), status, mimetype="application/json")
    return Response(message + "\n", status, mimetype="text/plain")


def _protocol_request() -> tuple[str | None, dict]:
    """The query and dataset parameters of a GET, a form POST or a direct POST."""
    if request.method == "GET":
        args = request.args
        queries = args.getlist("query")
    else:
        media_type = (request.mimetype or "").lower()
        if media_type == FORM:
            args = request.form
            queries = args.getlist("query")
            if "update" in args:
                raise QueryError("SPARQL Update is not accepted: this endpoint is read-only", 403)
        elif media_type == DIRECT:
            args = request.args
            queries = [request.get_data(as_text=True)]
        elif media_type == "application/sparql-update":
            raise QueryError("SPARQL Update is not accepted: this endpoint is read-only", 403)
        else:
            raise QueryError(f"POST a query as {FORM} or {DIRECT}, not {media_type or 'an unnamed type'}", 415)
    if len(queries) > 1:
        raise QueryError("give exactly one query parameter", 400)
    options = {
        "default_graphs": args.getlist("default-graph-uri") or None,
        "named_graphs": args.getlist("named-graph-uri") or None,
        "format_name": args.get("format") or None,
    }
    return (queries[0] if queries else None), options


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint():
    try:
        query, options = _protocol_request()
        if query is None:
            if request.method == "POST":
                raise QueryError("no query: send it as the 'query' parameter or as the body", 400)
            return Response("SPARQL endpoint: send ?query=SPARQL\n", mimetype="text/plain")
        answer = current_app.config["EXECUTOR"].run(query, accept=request.headers.get("Accept"), **options)
    except QueryError as error:
        return _refuse(str(error), error.status)
    response = Response(answer.body, mimetype=answer.media_type)
    response.headers["Vary"] = "Accept"
    if answer.media_type.startswith(("text/", "application/sparql-results", "application/n-triples")):
        response.charset = "utf-8"
    if answer.truncated:
        response.headers["Derbygraph-Truncated"] = f"rows={answer.rows}"
    return response
