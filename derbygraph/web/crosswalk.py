"""Crosswalks on the web: `/api/crosswalk` (JSON, or CSV by Accept, `format=csv` or `.csv`; `became=`
for the reverse), a user's CSV mapped by POST, the edge table, the CSVW metadata every CSV links
(`Link: <...>; rel="describedby"`), and a page to pick a date and kind and download the table. The
answers come from `derbygraph.answers.crosswalk`; errors are raised for the app's handlers."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for

from derbygraph import deadline
from derbygraph.answers.crosswalk import (
    BadSplits,
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
    """One service per app: it reads the registry's facts once, on first use (with the
    request's clock paused: they are read for every later request)."""
    found = current_app.extensions.setdefault("derbygraph.answers.crosswalk", CrosswalkService(current_app.config["DATASET"]))
    with deadline.paused():
        found.facts  # noqa: B018 - cached on first read
    return found


def _arg(name: str) -> str | None:
    """A parameter given at most once (in the query, or a field of a posted form): `code=RKX&code=RW2`
    is refused, not half read."""
    values = request.values.getlist(name)
    if len(values) > 1:
        raise BadInput(f"give {name} once (it was given {len(values)} times): ask once per {name}, or send the "
                       f"codes as a CSV with POST /api/crosswalk")
    return values[0].strip() or None if values else None


def _to() -> str:
    to = _arg("to")
    if not to:
        raise BadInput("give the date to map onto as ?to=DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    return to


def _answer(to: str, splits: SplitPolicy) -> dict:
    return _service().crosswalk(to, code=_arg("code"), kind=_arg("kind"), splits=splits, became=_arg("became"))


def _csv(table: Table, metadata_url: str) -> Response:
    fmt = chosen([formats.CSV], "csv")
    return Response(table.csv(), mimetype=fmt.media_type, headers={
        "Content-Disposition": f'attachment; filename="{table.filename}"',
        "Link": f'<{metadata_url}>; rel="describedby"; type="{formats.CSVW.media_type}"'})


def _metadata(table: Table, csv_url: str) -> Response:
    fmt = chosen([formats.CSVW], "csvw")
    return Response(json.dumps(table.metadata(_service().citation(), url=csv_url), ensure_ascii=False, indent=1),
                    mimetype=fmt.media_type)


def _asked(names: tuple[str, ...], splits: SplitPolicy) -> list[tuple[str, str]]:
    """The question's parameters as asked, for the links between a CSV and its metadata; the split
    policy as it was applied (`weights=NAME` for a posted weights file)."""
    return [(name, value) for name in names
            if (value := str(splits) if name == "splits" and splits.name == "weights" else _arg(name))]


def _mapping(splits: SplitPolicy):
    """The crosswalk answer counted by `splits`: JSON, or CSV by Accept, `format=csv` or `.csv`."""
    answer = _answer(_to(), splits)
    if chosen(formats.RECORDS, "csv" if request.path.endswith(".csv") else None) is formats.CSV:
        query = urlencode(_asked(ASKED, splits))
        return _csv(crosswalk_table(answer), url_for("crosswalk.api_metadata", _external=True) + "?" + query)
    return json_answer(answer)


@blueprint.get("/api/crosswalk")
@blueprint.get("/api/crosswalk.csv", endpoint="api_csv")
def api():
    return _mapping(SplitPolicy.parse(_arg("splits")))


@blueprint.get("/api/crosswalk.csv-metadata.json", endpoint="api_metadata")
def api_metadata():
    splits = SplitPolicy.declared(_arg("splits"))
    answer = _answer(_to(), splits)
    return _metadata(crosswalk_table(answer), url_for("crosswalk.api_csv", _external=True) + "?"
                     + urlencode(_asked(ASKED, splits)))


@blueprint.post("/api/crosswalk")
@blueprint.post("/api/crosswalk.csv", endpoint="posted_csv")
def posted():
    """A user's CSV mapped row by row, as the command line's --input does: the CSV as a `text/csv`
    body, or as the `csv` part of a multipart form whose `weights` part is the analyst's weights
    (code,weight, read as the command line reads --splits weights=FILE). A form with weights and no
    `csv` part gives the crosswalk itself, counted by them."""
    if request.mimetype == "multipart/form-data":
        given, weights = _part("csv"), _part("weights")
    elif formats.find([formats.CSV, formats.TEXT], request.mimetype) is not None:
        given, weights = ("the CSV", request.get_data()), None
    else:
        raise BadInput("send the CSV as the request body with Content-Type: text/csv, or as a multipart/form-data "
                       "form with the CSV as its `csv` part and your weights (code,weight) as its `weights` part")
    splits = _posted_splits(weights)
    if given is None:
        if _arg("code_column"):
            raise BadInput("the form has no `csv` part: send the CSV to map as the form's `csv` part")
        return _mapping(splits)
    table = _batch(_text(*given), splits)
    query = urlencode(_asked(("to", "code_column", "date_column", "splits"), splits)
                      + [("header", Table("", "", table.columns[:-5]).csv().rstrip("\r\n"))])
    return _csv(table, url_for("crosswalk.batch_metadata", _external=True) + "?" + query)


def _part(name: str) -> tuple[str, bytes] | None:
    """(its name, its bytes) of a form part given at most once: a file, or a plain field (a file
    input left empty is no part)."""
    files = [f for f in request.files.getlist(name) if f.filename or f.content_length]
    fields = request.form.getlist(name)
    if len(files) + len(fields) > 1:
        raise BadInput(f"send the form's `{name}` part once (it was sent {len(files) + len(fields)} times)")
    if files:
        return _basename(files[0].filename) or name, files[0].read()
    return (name, fields[0].encode("utf-8")) if fields else None


def _basename(filename: str | None) -> str:
    """A sent file's own name, without the folders a browser may include."""
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{name} is not UTF-8 text") from None


def _posted_splits(weights: tuple[str, bytes] | None) -> SplitPolicy:
    """The split policy asked; with a weights part, its shares come from that file."""
    asked = _arg("splits")
    if weights is None:
        return SplitPolicy.parse(asked)
    if asked not in (None, "weights"):
        raise BadSplits(f"a weights file was sent but splits={asked}: ask splits=weights (or leave splits out) to "
                        "count splits by it, or send no weights")
    return SplitPolicy.weighted(_text(*weights), weights[0])


def _batch(text: str, splits: SplitPolicy) -> Table:
    code_column = _arg("code_column")
    if not code_column:
        raise BadInput("give the column holding the codes as ?code_column=NAME (and the CSV as the request body)")
    to = _service().target_date(_to())
    return map_csv(_service(), text, to, code_column, _arg("date_column"), splits, filename=f"mapped-{to}.csv")


@blueprint.get("/api/crosswalk/batch-metadata.json", endpoint="batch_metadata")
def batch_metadata():
    """The metadata of a mapped CSV: it depends on the input's header and the question, not its rows."""
    table = _batch((_arg("header") or "") + "\r\n", SplitPolicy.declared(_arg("splits")))
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
    answer = _answer(to, SplitPolicy.parse(_arg("splits"))) if to else None
    return html_page("crosswalk.html", dataset=current_app.config["DATASET"], kinds=_service().kinds(), to=to,
                     kind=_arg("kind") or "", code=_arg("code") or "", splits=_arg("splits") or "all",
                     answer=answer, preview=PREVIEW)
