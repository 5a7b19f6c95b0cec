"""Crosswalks on the web: `/api/crosswalk` (JSON, or CSV by Accept, `format=csv` or `.csv`) and a
page to pick a date and kind and download the table. The answers come from `derbygraph.crosswalk`;
errors are raised for the app's handlers."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .. import formats
from ..crosswalk import CrosswalkService, to_csv
from ..errors import BadInput

blueprint = Blueprint("crosswalk", __name__)
PREVIEW = 50
# The two forms of one table: the contract's JSON (the default) and a row per (code, target).
TABLES = [formats.Format("json", "application/json", family="json"),
          formats.Format("csv", "text/csv", extensions=(".csv",))]


def _service() -> CrosswalkService:
    """One service per app: it reads the registry's successions once, on first use."""
    return current_app.extensions.setdefault("derbygraph.crosswalk", CrosswalkService(current_app.config["DATASET"]))


def _answer(to: str) -> dict:
    code = request.args.get("code", "").strip() or None
    kind = request.args.get("kind", "").strip() or None
    return _service().crosswalk(to, code=code, kind=kind)


@blueprint.get("/api/crosswalk")
@blueprint.get("/api/crosswalk.csv", endpoint="api_csv")
def api():
    to = request.args.get("to", "").strip()
    if not to:
        raise BadInput("give the date to map onto as ?to=DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    name = "csv" if request.path.endswith(".csv") else request.args.get("format")
    fmt = formats.negotiate(TABLES, request.headers.get("Accept"), name)
    answer = _answer(to)
    if fmt.name == "csv":
        return Response(to_csv(answer), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="crosswalk-{answer["to"]}.csv"'})
    return jsonify(answer)


@blueprint.get("/crosswalk")
def page():
    """Pick a date and a kind; see the first rows and download the whole table as CSV."""
    to = request.args.get("to", "").strip()
    answer = _answer(to) if to else None
    return render_template("crosswalk.html", dataset=current_app.config["DATASET"], kinds=_service().kinds(), to=to,
                           kind=request.args.get("kind", ""), code=request.args.get("code", ""),
                           answer=answer, preview=PREVIEW)
