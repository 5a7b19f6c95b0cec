"""/sparql: the SPARQL 1.1 Protocol, query only.

GET `?query=`, POST `application/x-www-form-urlencoded` (`query=`) and POST
`application/sparql-query` (the query as a UTF-8 body). Dataset parameters
(`default-graph-uri`, `named-graph-uri`) select graphs already in the store; nothing is ever
fetched. Any update, in whatever form it comes, is refused and changes nothing. GET with no
query describes the service (SPARQL 1.1 Service Description), or sends a browser to the
query page.
"""

from __future__ import annotations

import urllib.parse

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from derbygraph.errors import BadInput, ReadOnly, UnsupportedMediaType
from derbygraph.store import formats, servicedescription

from .negotiation import chosen

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
READ_ONLY = "SPARQL Update is not accepted: this endpoint is read-only"


def _decode_params(raw: bytes, where: str) -> MultiDict:
    """Percent-encoded `name=value&...` pairs, strictly UTF-8 (bad bytes are a 400, not mojibake)."""
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                                       encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadInput(f"the {where} is not UTF-8 percent-encoded text") from None
    return MultiDict(pairs)


def _charset_is_utf8() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower() not in UTF8:
        raise UnsupportedMediaType(f"the body must be UTF-8; charset={charset} is not accepted")


def _protocol_request() -> tuple[str | None, MultiDict]:
    """The query text (None when there is none) and all the request's parameters."""
    params = _decode_params(request.query_string, "query string")
    body_query: str | None = None
    if request.method == "POST":
        media_type = (request.mimetype or "").lower()
        if media_type == UPDATE:
            raise ReadOnly(READ_ONLY)
        if media_type not in (FORM, DIRECT):
            given = f"not {media_type}" if media_type else "and this request has no Content-Type"
            raise UnsupportedMediaType(f"POST a query as {FORM} (query=...) or as {DIRECT} (the query as the body), "
                                       f"{given}")
        _charset_is_utf8()
        body = request.get_data(cache=True)
        if media_type == FORM:
            for name, value in _decode_params(body, "form body").items(multi=True):
                params.add(name, value)
        else:
            try:
                body_query = body.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise BadInput("the query is not valid UTF-8") from None
            if not body_query.strip():
                raise BadInput(f"the {DIRECT} body is empty: it should be the query")
    if any(name in params for name in UPDATE_PARAMS):
        raise ReadOnly(READ_ONLY)
    queries = params.getlist("query") + ([body_query] if body_query is not None else [])
    if len(queries) > 1:
        raise BadInput("give exactly one query (this request has several)")
    return (queries[0] if queries else None), params


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint():
    executor = current_app.config["EXECUTOR"]
    # Refused before the request is read: decoding a pasted list of codes costs more than the refusal.
    executor.refuse_if_full(request.remote_addr, (request.content_length or 0) + len(request.query_string))
    query, params = _protocol_request()
    format_name = params.get("format") or None
    if query is None:
        if request.method == "POST":
            raise BadInput("no query: send it as the 'query' parameter or as the body")
        return _service_description(format_name)
    if not query.strip():
        raise BadInput("the query is empty")
    reply = executor.run(
        query, client=request.remote_addr, accept=request.headers.get("Accept"), format_name=format_name,
        default_graphs=params.getlist("default-graph-uri") or None,
        named_graphs=params.getlist("named-graph-uri") or None)
    return answer_response(reply)


def answer_response(reply) -> Response:
    """A query's answer, streamed from the worker; a cut answer says so in a header. Its length
    is always sent: without one, waitress would close the connection after every answer."""
    answer = reply.answer
    response = Response(reply if reply.pieces else answer.body, content_type=answer.format.content_type)
    response.content_length = reply.length
    response.headers["Vary"] = "Accept"
    if answer.truncated:
        response.headers["Derbygraph-Truncated"] = f"rows={answer.rows}; limit={answer.truncated}"
    return response


QUERY_PAGE = "pages.query_page"


def _service_description(format_name: str | None) -> Response:
    """GET /sparql without a query: the service description, or the query page for a browser."""
    fmt = chosen([*formats.GRAPHS, formats.HTML], format_name)
    if fmt is formats.HTML:
        return redirect(url_for(QUERY_PAGE, **request.args))
    endpoint_url = url_for("sparql.endpoint", _external=True)
    void_url = url_for("linked.void", _external=True)
    body = servicedescription.serialize(current_app.config["DATASET"], endpoint_url, void_url, fmt.oxigraph)
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
