"""The Flask app factory: one blueprint per area, configured explicitly, errors answered once.

`STATUSES` is the one table that turns an error's kind (`derbygraph.errors`) into an HTTP
status; the views raise and never catch, so every path answers a kind the same way, in the
format the client reads (`negotiation.error_format`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import urllib.parse
from datetime import datetime
from http import HTTPStatus
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date, quote_etag

from derbygraph import __version__, deadline, errors, resources
from derbygraph.answers.lineage import LineageService
from derbygraph.answers.sources import document_texts
from derbygraph.config import AREAS, DEFAULT, Config
from derbygraph.errors import BadInput, UserError
from derbygraph.store import formats
from derbygraph.store.dataset import Dataset

from .negotiation import error_format

# Pages use only the app's own scripts and styles: injected markup could run nothing.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
# The area each endpoint is admitted in (config.AREAS); None: its own admission (SPARQL) or
# nothing to bound (static files). Any other endpoint is a page.
ENDPOINT_AREAS = {"api.lineage": "lineage", "api.search": "search", "api.why": "api", "crosswalk.api": "api",
                  "crosswalk.api_csv": "api", "sparql.endpoint": None, "static": None}
# Endpoints that make a whole table (every registry code mapped): given `Config.download_timeout`.
DOWNLOADS = {"crosswalk.api", "crosswalk.api_csv", "crosswalk.batch", "crosswalk.edges", "crosswalk.page"}
# Parameters bounded by their own limits rather than `Config.max_text`: SPARQL text, and the
# reconciliation API's JSON (checked entry by entry).
LONG_PARAMETERS = {"query", "queries", "extend"}
# Each kind of error, the status it is answered with (a kind not named: its nearest named base).
STATUSES = {
    errors.BadInput: 400,
    errors.TooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.NotFound: 404,
    errors.QueryRefused: 403,
    errors.NotAcceptable: 406,
    errors.Busy: 503,            # with Retry-After where the error says when
    errors.TimedOut: 503,
    errors.OutOfMemory: 507,
    errors.UpstreamFailed: 502,
    errors.Failed: 500,
    errors.UserError: 400,
}


def status_of(error: UserError) -> int:
    """The status an error of this kind is answered with."""
    return next(STATUSES[kind] for kind in type(error).__mro__ if kind in STATUSES)


def create_app(dataset: Dataset, config: Config = DEFAULT, executor=None) -> Flask:
    """The derbygraph web app over `dataset`; `executor` runs SPARQL (in-process by default)."""
    from derbygraph.store.admission import Admission
    from derbygraph.store.executor import InProcessExecutor

    from . import (
        api,
        canned,
        crosswalk,
        linked,
        pages,
        reconcile,
        sources,
        sparql_endpoint,
    )

    web = resources.asset_dir("web")
    app = Flask(__name__, template_folder=str(web / "templates"), static_folder=str(web / "static"))
    app.config.update(
        DATASET=dataset,
        CONFIG=config,
        LINEAGE=LineageService(dataset),
        EXECUTOR=executor or InProcessExecutor(dataset, config),
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        SOURCE_TEXTS=document_texts(dataset, Path(config.sources_dir), config.max_source_bytes)
        if config.sources_dir else {},
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # keep the contract's order: organisation, query, at, names...
    for area in (pages, api, sparql_endpoint, canned, linked, reconcile, sources, crosswalk):
        app.register_blueprint(area.blueprint)
    admissions = {area: Admission(f"{area} requests", config.area_slots + config.area_queue, config.area_slots,
                                  config.queue_wait) for area in AREAS}
    last_modified = http_date(datetime.fromisoformat(dataset.modified.replace("Z", "+00:00"))) \
        if dataset.modified else None

    def validators(full_path: str, accept: str) -> list[tuple[str, str]]:
        """The ETag and Last-Modified of a GET answered 200 (that has no ETag of its own)."""
        tag = [("ETag", quote_etag(_etag(dataset, full_path, accept)))]
        return [*tag, ("Last-Modified", last_modified)] if last_modified else tag

    def bounded(params) -> None:
        for name, value in params.items(multi=True):
            if name not in LONG_PARAMETERS:
                bounded_text(name, value, config)

    app.wsgi_app = _EveryResponse(sparql_endpoint.FastPath(app.wsgi_app, app.config["EXECUTOR"], bounded, validators))
    if config.base_url:
        app.wsgi_app = _PublicAddress(app.wsgi_app, config.base_url)

    @app.before_request
    def not_modified():
        """A GET whose answer this dataset version already gave: 304, without running anything."""
        if request.method in ("GET", "HEAD") and request.if_none_match:
            tag = _etag(dataset, request.full_path, request.headers.get("Accept", ""))
            if request.if_none_match.contains(tag):
                response = Flask.response_class(status=304)
                response.set_etag(tag)
                return response
        return None

    @app.before_request
    def admitted():
        """Each parameter within its bounds, then a turn in the request's area (or a fast 503),
        and from then on a deadline its work stops at (`deadline`)."""
        bounded(request.args)
        endpoint = request.endpoint or ""
        area = ENDPOINT_AREAS.get(endpoint, "reconcile" if endpoint.startswith("reconcile.") else "pages")
        if area is not None and request.url_rule is not None:
            admissions[area].enter()
            g.admission = admissions[area]
            g.deadline = deadline.start(config.download_timeout if endpoint in DOWNLOADS else config.answer_timeout)

    @app.teardown_request
    def leave(_error):
        admission = g.pop("admission", None)
        if admission is not None:
            deadline.stop(g.pop("deadline"))
            admission.leave()

    @app.after_request
    def headers(response):
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and "ETag" not in response.headers:
            for name, value in validators(request.full_path, request.headers.get("Accept", "")):
                response.headers[name] = value
            if "Vary" not in response.headers:
                response.headers["Vary"] = "Accept"
            elif "accept" not in response.headers["Vary"].lower():
                response.vary.add("Accept")
        if response.mimetype == "application/json" and request.path.startswith("/api/"):  # JSON-LD, read so
            response.headers["Link"] = f'<{request.url_root}context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"'
        return response

    @app.errorhandler(UserError)
    def answered(error: UserError):
        response = error_response(str(error), status_of(error), getattr(error, "suggestions", None))
        if error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {404: f"nothing at {request.path}", 405: f"{request.method} is not allowed on {request.path}",
                    413: f"request body larger than {config.max_body_bytes} bytes"}
        response = error_response(messages.get(error.code, error.description or error.name), error.code or 500)
        if error.code == 405:
            response.headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or [])
        return response

    return app


def bounded_text(name: str, value: str, config: Config) -> str:
    """`value` if it is within the limits of one parameter; else BadInput saying which and how."""
    if len(value) > config.max_text:
        raise BadInput(f"{name} is {len(value)} characters long; at most {config.max_text} are accepted")
    if len(value.split()) > config.max_words:
        raise BadInput(f"{name} has {len(value.split())} words; at most {config.max_words} are accepted")
    return value


def error_response(message: str, status: int, suggestions: list[str] | None = None):
    """An error in the format the client reads (`negotiation.error_format`): `{"error": ...}`
    JSON, a page, a CSV of one `error` column, or one line of text."""
    fmt = error_format()
    if fmt is formats.JSON:
        response = jsonify(error=message, **({"suggestions": suggestions} if suggestions else {}))
    elif fmt is formats.HTML:
        title = f"{status} {HTTPStatus(status).phrase}" if status in HTTPStatus._value2member_map_ else str(status)
        response = Flask.response_class(render_template(
            "error.html", dataset=None, status=status, title=title, message=message, suggestions=suggestions or []),
            mimetype=fmt.media_type)
    elif fmt is formats.CSV:
        out = io.StringIO()
        csv.writer(out).writerows([["error"], [message]])
        response = Flask.response_class(out.getvalue(), mimetype=fmt.media_type)
    else:
        response = Flask.response_class(message + "\n", mimetype=fmt.media_type)
    response.status_code = status
    response.vary.add("Accept")
    return response


def _etag(dataset: Dataset, full_path: str, accept: str) -> str:
    """One tag per dataset version, address and Accept header: the same GET gets the same answer."""
    key = f"{dataset.version}\n{full_path}\n{accept}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


class _EveryResponse:
    """The headers every response carries, added as it leaves the app (a plain list, so this
    costs next to nothing on the busiest path)."""

    HEADERS = [
        ("Server", f"derbygraph/{__version__}"),
        ("X-Content-Type-Options", "nosniff"),
        # Everything here is public and read-only: any page may fetch it (POST only where it reads).
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "Content-Type, Accept"),
        ("Access-Control-Expose-Headers", "Derbygraph-Truncated, Retry-After, ETag"),
    ]

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def starting(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(header for header in self.HEADERS if header[0].lower() not in present)
            return start_response(status, headers, exc_info)
        return self.app(environ, starting)


class _PublicAddress:
    """Links, redirects and VoID name the configured public address, never the request's Host
    header (which any client can set)."""

    def __init__(self, app, base_url: str):
        parts = urllib.parse.urlsplit(base_url.rstrip("/"))
        self.app, self.scheme, self.host, self.root = app, parts.scheme, parts.netloc, parts.path

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"], _, port = self.host.partition(":")
        environ["SERVER_PORT"] = port or ("443" if self.scheme == "https" else "80")
        environ["SCRIPT_NAME"] = self.root
        path = environ.get("PATH_INFO", "")
        if self.root and (path == self.root or path.startswith(self.root + "/")):
            environ["PATH_INFO"] = path[len(self.root):]  # a proxy that passes the prefix on
        return self.app(environ, start_response)
