"""The Flask app factory: one blueprint per area, configured explicitly."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Flask, jsonify, request

from . import __version__, resources
from .dataset import Dataset
from .lineage import LineageService
from .sparql import Limits, QueryError


# Pages use only the app's own scripts and styles: injected markup could run nothing.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def create_app(dataset: Dataset, limits: Limits | None = None, executor=None) -> Flask:
    """The derbygraph web app over `dataset`; `executor` runs SPARQL (in-process by default)."""
    from .executor import InProcessExecutor
    from .views import api, canned, linked, pages, sparql_endpoint
    from .views import crosswalk

    web = resources.asset_dir("web")
    app = Flask(__name__, template_folder=str(web / "templates"), static_folder=str(web / "static"))
    limits = limits or Limits()
    app.config.update(
        DATASET=dataset,
        LIMITS=limits,
        LINEAGE=LineageService(dataset),
        EXECUTOR=executor or InProcessExecutor(dataset, limits),
        MAX_CONTENT_LENGTH=limits.max_body_bytes,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # keep the contract's order: organisation, query, at, names...
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(sparql_endpoint.blueprint)
    app.register_blueprint(canned.blueprint)
    app.register_blueprint(linked.blueprint)
    app.register_blueprint(crosswalk.blueprint)

    @app.before_request
    def not_modified():
        """A GET whose answer this dataset version already gave: 304, without running anything."""
        if request.method in ("GET", "HEAD") and request.if_none_match.contains(_etag(dataset)):
            response = Flask.response_class(status=304)
            response.set_etag(_etag(dataset))
            return response
        return None

    @app.after_request
    def headers(response):
        response.headers["Server"] = f"derbygraph/{__version__}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if request.method in ("GET", "HEAD") and response.status_code == 200 and "ETag" not in response.headers:
            response.set_etag(_etag(dataset))
            response.vary.add("Accept")
            if dataset.modified:
                response.last_modified = datetime.fromisoformat(dataset.modified.replace("Z", "+00:00"))
        if request.path.startswith(("/sparql", "/api/")):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        return response

    @app.errorhandler(404)
    def not_found(error):
        return _error(f"nothing at {request.path}", 404)

    @app.errorhandler(405)
    def not_allowed(error):
        response = _error(f"{request.method} is not allowed on {request.path}", 405)
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response

    @app.errorhandler(QueryError)
    def refused(error: QueryError):  # e.g. a remote store that stopped answering, under any page
        return _error(str(error), error.status)

    @app.errorhandler(413)
    def too_large(error):
        return _error(f"request body larger than {limits.max_body_bytes} bytes", 413)

    return app


def _etag(dataset: Dataset) -> str:
    """One tag per dataset version, address and Accept header: the same GET gets the same answer."""
    key = "\n".join((dataset.version, request.full_path, request.headers.get("Accept", "")))
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def _error(message: str, status: int):
    """An error in the form the client asked for: JSON for APIs and JSON clients, else text."""
    best = request.accept_mimetypes.best_match(["text/plain", "application/json", "text/html"])
    if request.path.startswith("/api/") or best == "application/json":
        response = jsonify(error=message)
    else:
        response = Flask.response_class(message + "\n", mimetype="text/plain")
    response.status_code = status
    return response
