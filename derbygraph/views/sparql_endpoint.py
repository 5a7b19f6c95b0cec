"""/sparql: the SPARQL 1.1 Protocol, query only.

GET `?query=`, POST `application/x-www-form-urlencoded` (`query=`) and POST
`application/sparql-query` (the query as a UTF-8 body). Dataset parameters
(`default-graph-uri`, `named-graph-uri`) select graphs already in the store; nothing is ever
fetched. Any update, in whatever form it comes, is refused and changes nothing. GET with no
query describes the service (SPARQL 1.1 Service Description), or sends a browser to the
query page.
"""

from __future__ import annotations

import json
import urllib.parse

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from .. import servicedescription
from ..sparql import GRAPH_FORMATS, QueryError, check, choose

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
READ_ONLY = "SPARQL Update is not accepted: this endpoint is read-only"
JSON_TYPES = ("application/json", "application/sparql-results+json", "application/ld+json")


def _refuse(message: str, status: int) -> Response:
    """An error: plain text, or JSON {"error": ...} for a client that prefers JSON."""
    accept = request.accept_mimetypes
    best = accept.best_match(["text/plain", *JSON_TYPES])
    if best in JSON_TYPES and accept[best] > accept["text/plain"]:
        response = Response(json.dumps({"error": message}, ensure_ascii=False), status,
                            content_type="application/json")
    else:
        response = Response(message + "\n", status, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def _decode_params(raw: bytes, where: str) -> MultiDict:
    """Percent-encoded `name=value&...` pairs, strictly UTF-8 (bad bytes are a 400, not mojibake)."""
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                                       encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise QueryError(f"the {where} is not UTF-8 percent-encoded text", 400) from None
    return MultiDict(pairs)


def _charset_is_utf8() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower() not in UTF8:
        raise QueryError(f"the body must be UTF-8; charset={charset} is not accepted", 415)


def _protocol_request() -> tuple[str | None, MultiDict]:
    """The query text (None when there is none) and all the request's parameters."""
    params = _decode_params(request.query_string, "query string")
    body_query: str | None = None
    if request.method == "POST":
        media_type = (request.mimetype or "").lower()
        if media_type == UPDATE:
            raise QueryError(READ_ONLY, 403)
        if media_type not in (FORM, DIRECT):
            given = f"not {media_type}" if media_type else "and this request has no Content-Type"
            raise QueryError(f"POST a query as {FORM} (query=...) or as {DIRECT} (the query as the body), "
                             f"{given}", 415)
        _charset_is_utf8()
        body = request.get_data(cache=True)
        if media_type == FORM:
            for name, value in _decode_params(body, "form body").items(multi=True):
                params.add(name, value)
        else:
            try:
                body_query = body.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise QueryError("the query is not valid UTF-8", 400) from None
            if not body_query.strip():
                raise QueryError(f"the {DIRECT} body is empty: it should be the query", 400)
    if any(name in params for name in UPDATE_PARAMS):
        raise QueryError(READ_ONLY, 403)
    queries = params.getlist("query") + ([body_query] if body_query is not None else [])
    if len(queries) > 1:
        raise QueryError("give exactly one query (this request has several)", 400)
    return (queries[0] if queries else None), params


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint():
    try:
        query, params = _protocol_request()
        format_name = params.get("format") or None
        if query is None:
            if request.method == "POST":
                raise QueryError("no query: send it as the 'query' parameter or as the body", 400)
            return _service_description(format_name)
        if not query.strip():
            raise QueryError("the query is empty", 400)
        check(query, current_app.config["LIMITS"])
        answer = current_app.config["EXECUTOR"].run(
            query, accept=request.headers.get("Accept"), format_name=format_name,
            default_graphs=params.getlist("default-graph-uri") or None,
            named_graphs=params.getlist("named-graph-uri") or None)
    except QueryError as error:
        return _refuse(str(error), error.status)
    response = Response(answer.body, content_type=content_type(answer.media_type))
    response.headers["Vary"] = "Accept"
    if answer.truncated:
        response.headers["Derbygraph-Truncated"] = f"rows={answer.rows}"
    return response


def content_type(media_type: str) -> str:
    """The Content-Type header for a result format: UTF-8 said where the type allows it."""
    if media_type.startswith("text/") or media_type.endswith(("+xml", "results+json", "/n-triples")):
        return f"{media_type}; charset=utf-8"
    return media_type


QUERY_PAGE = "pages.query_page"


def _service_description(format_name: str | None) -> Response:
    """GET /sparql without a query: the service description, or the query page for a browser."""
    offered = [f.media_type for f in GRAPH_FORMATS] + ["text/html"]
    if not format_name and request.accept_mimetypes.best_match(offered) == "text/html":
        if QUERY_PAGE in current_app.view_functions:
            return redirect(url_for(QUERY_PAGE, **request.args))
        fmt = GRAPH_FORMATS[0]  # Turtle, until there is a query page to send a browser to
    else:
        fmt = choose(GRAPH_FORMATS, request.headers.get("Accept"), format_name)
    endpoint_url = url_for("sparql.endpoint", _external=True)
    void_url = urllib.parse.urljoin(request.host_url, "/.well-known/void")
    body = servicedescription.serialize(current_app.config["DATASET"], endpoint_url, void_url, fmt.oxigraph)
    response = Response(body, content_type=content_type(fmt.media_type))
    response.headers["Vary"] = "Accept"
    return response
