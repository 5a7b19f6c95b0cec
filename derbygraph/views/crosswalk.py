"""Crosswalks on the web: `/api/crosswalk` (JSON, or CSV by Accept or `.csv`) and a page to pick a
date and kind and download the table. The answers come from `derbygraph.crosswalk`."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from ..crosswalk import BadKind, CrosswalkService, NoRegistry, UnknownCode, to_csv
from ..dates import BadDate

blueprint = Blueprint("crosswalk", __name__)
PREVIEW = 50


def _service() -> CrosswalkService:
    """One service per app: it reads the registry's successions once, on first use."""
    return current_app.extensions.setdefault("derbygraph.crosswalk", CrosswalkService(current_app.config["DATASET"]))


def _error(message: str, status: int):
    response = jsonify(error=message)
    response.status_code = status
    return response


def _answer(to: str) -> dict:
    code = request.args.get("code", "").strip() or None
    kind = request.args.get("kind", "").strip() or None
    return _service().crosswalk(to, code=code, kind=kind)


@blueprint.get("/api/crosswalk")
@blueprint.get("/api/crosswalk.csv", endpoint="api_csv")
def api():
    to = request.args.get("to", "").strip()
    if not to:
        return _error("give the date to map onto as ?to=DATE (YYYY, YYYY-MM or YYYY-MM-DD)", 400)
    wants_csv = request.path.endswith(".csv") or request.accept_mimetypes.best_match(
        ["application/json", "text/csv"]) == "text/csv"
    try:
        answer = _answer(to)
    except (BadDate, BadKind) as error:
        return _error(str(error), 400)
    except (UnknownCode, NoRegistry) as error:
        return _error(str(error), 404)
    if wants_csv:
        name = f"crosswalk-{answer['to']}.csv"
        return Response(to_csv(answer), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return jsonify(answer)


@blueprint.get("/crosswalk")
def page():
    """Pick a date and a kind; see the first rows and download the whole table as CSV."""
    service, to = _service(), request.args.get("to", "").strip()
    answer, error, kinds = None, None, []
    try:
        kinds = service.kinds()
        if to:
            answer = _answer(to)
    except (BadDate, BadKind, UnknownCode, NoRegistry) as problem:
        error = str(problem)
    status = 400 if error and to else 200
    return render_template("crosswalk.html", dataset=current_app.config["DATASET"], kinds=kinds, to=to,
                           kind=request.args.get("kind", ""), code=request.args.get("code", ""),
                           answer=answer, preview=PREVIEW, error=error), status
