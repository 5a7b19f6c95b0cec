"""Crosswalks on the web: `/api/crosswalk` (JSON, or CSV by Accept, `format=csv` or `.csv`; `became=`
for the reverse), a user's CSV mapped by POST, the edge table, the CSVW metadata every CSV links
(`Link: <...>; rel="describedby"`), and a page to pick a date and kind and download the table. The
answers come from `derbygraph.answers.crosswalk`; errors are raised for the app's handlers."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for

from derbygraph.answers.crosswalk import (
    CrosswalkService,
    SplitPolicy,
    Table,
    crosswalk_table,
    edge_table,
    map_csv,
)
from derbygraph.errors import BadInput
from derbygraph.store import formats

from .negotiation import chosen, html_page, json_answer

blueprint = Blueprint("crosswalk", __name__)
PREVIEW = 50
# What a mapping is asked with: each once.
ASKED = ("to", "code", "kind", "splits", "became")


def _service() -> CrosswalkService:
    """One service per app: it reads the registry's facts once, on first use."""
    return current_app.extensions.setdefault("derbygraph.answers.crosswalk", CrosswalkService(current_app.config["DATASET"]))


def _arg(name: str) -> str | None:
    """A parameter given at most once: `code=RKX&code=RW2` is refused, not half read."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadInput(f"give {name} once (it was given {len(values)} times): ask once per {name}, or send the "
                       f"codes as a CSV with POST /api/crosswalk")
    return values[0].strip() or None if values else None


def _to() -> str:
    to = _arg("to")
    if not to:
        raise BadInput("give the date to map onto as ?to=DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    return to


def _answer(to: str) -> dict:
    return _service().crosswalk(to, code=_arg("code"), kind=_arg("kind"), splits=SplitPolicy.parse(_arg("splits")),
                                became=_arg("became"))


def _csv(table: Table, metadata_url: str) -> Response:
    fmt = chosen([formats.CSV], "csv")
    return Response(table.csv(), mimetype=fmt.media_type, headers={
        "Content-Disposition": f'attachment; filename="{table.filename}"',
        "Link": f'<{metadata_url}>; rel="describedby"; type="{formats.CSVW.media_type}"'})


def _metadata(table: Table, csv_url: str) -> Response:
    fmt = chosen([formats.CSVW], "csvw")
    return Response(json.dumps(table.metadata(_service().citation(), url=csv_url), ensure_ascii=False, indent=1),
                    mimetype=fmt.media_type)


def _asked() -> str:
    """The mapping's parameters as asked, for the links between a CSV and its metadata."""
    return urlencode([(name, value) for name in ASKED if (value := _arg(name))])


@blueprint.get("/api/crosswalk")
@blueprint.get("/api/crosswalk.csv", endpoint="api_csv")
def api():
    answer = _answer(_to())
    if chosen(formats.RECORDS, "csv" if request.path.endswith(".csv") else None) is formats.CSV:
        return _csv(crosswalk_table(answer), url_for("crosswalk.api_metadata", _external=True) + "?" + _asked())
    return json_answer(answer)


@blueprint.get("/api/crosswalk.csv-metadata.json", endpoint="api_metadata")
def api_metadata():
    answer = _answer(_to())
    return _metadata(crosswalk_table(answer), url_for("crosswalk.api_csv", _external=True) + "?" + _asked())


@blueprint.post("/api/crosswalk")
def batch():
    """A user's CSV (the request body) mapped row by row, as the command line's --input does."""
    table = _batch()
    query = urlencode([(n, v) for n in ("to", "code_column", "date_column", "splits") if (v := _arg(n))]
                      + [("header", Table("", "", table.columns[:-5]).csv().rstrip("\r\n"))])
    return _csv(table, url_for("crosswalk.batch_metadata", _external=True) + "?" + query)


def _batch(text: str | None = None) -> Table:
    code_column = _arg("code_column")
    if not code_column:
        raise BadInput("give the column holding the codes as ?code_column=NAME (and the CSV as the request body)")
    if text is None:
        if formats.find([formats.CSV, formats.TEXT], request.mimetype) is None:
            raise BadInput("send the CSV as the request body with Content-Type: text/csv")
        try:
            text = request.get_data().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput("the CSV is not UTF-8 text") from None
    to = _service().target_date(_to())
    return map_csv(_service(), text, to, code_column, _arg("date_column"), SplitPolicy.parse(_arg("splits")),
                   filename=f"mapped-{to}.csv")


@blueprint.get("/api/crosswalk/batch-metadata.json", endpoint="batch_metadata")
def batch_metadata():
    """The metadata of a mapped CSV: it depends on the input's header and the question, not its rows."""
    header = _arg("header") or ""
    table = _batch(header + "\r\n")
    return _metadata(table, table.filename)


@blueprint.get("/api/crosswalk/edges.csv")
def edges():
    return _csv(edge_table(_service().edges()), url_for("crosswalk.edges_metadata", _external=True))


@blueprint.get("/api/crosswalk/edges.csv-metadata.json", endpoint="edges_metadata")
def edges_metadata():
    return _metadata(edge_table(_service().edges()), url_for("crosswalk.edges", _external=True))


@blueprint.get("/crosswalk")
def page():
    """Pick a date and a kind; see the first rows and download the whole table as CSV."""
    to = _arg("to") or ""
    answer = _answer(to) if to else None
    return html_page("crosswalk.html", dataset=current_app.config["DATASET"], kinds=_service().kinds(), to=to,
                     kind=_arg("kind") or "", code=_arg("code") or "", splits=_arg("splits") or "all",
                     answer=answer, preview=PREVIEW)
