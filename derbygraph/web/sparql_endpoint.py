"""/sparql: the SPARQL 1.1 Protocol, query only.

GET `?query=`, POST `application/x-www-form-urlencoded` (`query=`) and POST
`application/sparql-query` (the query as a UTF-8 body). Dataset parameters
(`default-graph-uri`, `named-graph-uri`) select graphs already in the store; nothing is ever
fetched. Any update, in whatever form it comes, is refused and changes nothing. GET with no
query describes the service (SPARQL 1.1 Service Description), or sends a browser to the
query page.

The commonest request, a GET with a query and nothing else, is answered below Flask by
`FastPath`, through the same decoding, executor (check, admission, worker, formats) and headers:
Flask's own request handling was about 40% of the server's CPU on a point lookup.
"""

from __future__ import annotations

import urllib.parse

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from derbygraph.errors import BadInput, ReadOnly, UnsupportedMediaType, UserError
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
    return _the_query(params, body_query)


def _the_query(params: MultiDict, body_query: str | None = None) -> tuple[str | None, MultiDict]:
    """The one query of a request's parameters (and body), None when there is none; ReadOnly for
    any update, BadInput for several queries."""
    if any(name in params for name in UPDATE_PARAMS):
        raise ReadOnly(READ_ONLY)
    queries = params.getlist("query") + ([body_query] if body_query is not None else [])
    if len(queries) > 1:
        raise BadInput("give exactly one query (this request has several)")
    return (queries[0] if queries else None), params


def _run(executor, query: str, params: MultiDict, client: str | None, accept: str | None):
    return executor.run(
        query, client=client, accept=accept, format_name=params.get("format") or None,
        default_graphs=params.getlist("default-graph-uri") or None,
        named_graphs=params.getlist("named-graph-uri") or None)


# The environ key under which `FastPath` hands the app an error it met running a query, for the
# app to answer as it answers every error (a client's headers never make such a key).
RAISED = "derbygraph.sparql.raised"


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint():
    raised = request.environ.get(RAISED)
    if raised is not None:
        raise raised
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
    return answer_response(_run(executor, query, params, request.remote_addr, request.headers.get("Accept")))


def answer_response(reply) -> Response:
    """A query's answer, streamed from the worker."""
    return Response(reply if reply.pieces else reply.answer.body, headers=answer_headers(reply))


def answer_headers(reply) -> list[tuple[str, str]]:
    """A query answer's own headers: a cut answer says so. Its length is always sent: without
    one, waitress would close the connection after every answer."""
    answer = reply.answer
    headers = [("Content-Type", answer.format.content_type), ("Content-Length", str(reply.length)),
               ("Vary", "Accept")]
    if answer.truncated:
        headers.append(("Derbygraph-Truncated", f"rows={answer.rows}; limit={answer.truncated}"))
    return headers


class FastPath:
    """GET /sparql?query=... with nothing unusual, answered below Flask as `endpoint` answers it:
    the same decoding, parameter bounds (`bounded`), forecast and executor (the query check,
    admission, a sandboxed worker, formats), the same headers and, through `validators`, the
    same ETag and Last-Modified. Anything else goes to the app untouched, as does every request
    it would refuse before running (so the app refuses it, in the same order), and an error met
    while running is handed to the app (`RAISED`) to answer by its one table.

    Measured on point lookups (4 keep-alive clients, 100k-triple store, 2 shared cores): the
    server's CPU per request 1.1-1.9 ms through Flask, 0.6-1.0 ms here; Flask's request handling
    (two readings of the query string, contexts, hooks, a Response) was most of the difference."""

    def __init__(self, app, executor, bounded, validators):
        self.app, self.executor, self.bounded, self.validators = app, executor, bounded, validators

    def __call__(self, environ, start_response):
        plain = self._plain(environ)
        if plain is None:
            return self.app(environ, start_response)
        query, params, raw = plain
        client, accept = environ.get("REMOTE_ADDR"), environ.get("HTTP_ACCEPT")
        try:
            self.executor.refuse_if_full(client, len(raw))
            reply = _run(self.executor, query, params, client, accept)
        except Exception as error:  # noqa: BLE001 - answered by the app, as the view's own would be
            environ[RAISED] = error
            return self.app(environ, start_response)
        start_response("200 OK", answer_headers(reply) + self.validators(f"/sparql?{raw}", accept or ""))
        return reply if reply.pieces else [reply.answer.body]

    def _plain(self, environ) -> tuple[str, MultiDict, str] | None:
        """(query, parameters, raw query string) of a GET /sparql with one query, no body, no
        If-None-Match, ASCII parameters that decode and are within bounds; else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql" or \
                environ.get("HTTP_IF_NONE_MATCH") or environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None
        raw = environ.get("QUERY_STRING", "")
        if not raw.isascii():
            return None
        try:
            query, params = _the_query(_decode_params(raw.encode(), "query string"))
            if query is None or not query.strip():
                return None
            self.bounded(params)
        except UserError:
            return None
        return query, params, raw


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
