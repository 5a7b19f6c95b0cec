"""How every view and the error table choose a format: `formats.negotiate` over the request.

A view says which table of `formats` it answers in, once it knows what it answers (so a missing
thing is a 404 in the client's format, not a 406); the path's own suffix (`.csv`) or `format=`
names the format outright.
"""

from __future__ import annotations

from flask import Response, jsonify, render_template, request

from derbygraph.errors import NotAcceptable
from derbygraph.store import formats

# Paths programs call: with no preference stated, their errors are JSON.
JSON_PATHS = ("/api/", "/reconcile")


def chosen(offered: list[formats.Format], named: str | None = None) -> formats.Format:
    """The format to answer in among `offered`: `named` (the path's suffix), else `format=`, else
    the Accept header; NotAcceptable when the client takes none of them."""
    return formats.negotiate(offered, request.headers.get("Accept"), named or request.args.get("format"))


def html_page(template: str, **context) -> Response:
    """An HTML page, for a client that takes one."""
    chosen(formats.PAGE)
    response = Response(render_template(template, **context), mimetype="text/html")
    response.vary.add("Accept")
    return response


def json_answer(value) -> Response:
    """The API's JSON, for a client that takes JSON (or the JSON form of anything)."""
    chosen(formats.API)
    return jsonify(value)


def error_format() -> formats.Format:
    """The format an error is written in: the one the client prefers among `formats.ERRORS`; with
    no preference, JSON for an API, the format a path's suffix names (.csv), else one line of text."""
    name = request.path.rpartition("/")[2]
    suffix = name.rpartition(".")[2] if "." in name else ""
    first = formats.JSON if request.path.startswith(JSON_PATHS) else formats.find(formats.ERRORS, suffix) or formats.TEXT
    offered = [first, *(f for f in formats.ERRORS if f is not first)]
    try:
        return formats.negotiate(offered, request.headers.get("Accept"))
    except NotAcceptable:
        return first
