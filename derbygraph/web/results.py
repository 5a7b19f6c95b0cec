"""Running a query for an HTML page: the answer as rows of display cells, and download links."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field

from flask import current_app, request

from derbygraph import vocab
from derbygraph.errors import UserError
from derbygraph.store import formats


PAGE_READS = [formats.RESULTS_JSON, formats.TURTLE]  # what a page asks the executor for: JSON results, Turtle


@dataclass
class Cell:
    text: str
    href: str | None = None
    note: str | None = None  # datatype or language, shown small


@dataclass
class PageResult:
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: str | None = None
    truncated: str | None = None  # the limit that cut the answer: "rows" or "bytes"
    error: str | None = None


def local_href(iri: str) -> str | None:
    """The app's own page for one of our IRIs: its path (w3id IRIs dereference on the app)."""
    if iri.startswith(vocab.BASE):
        parts = urllib.parse.urlsplit(iri)
        return parts.path + (f"#{parts.fragment}" if parts.fragment else "")
    return None


def _cell(binding: dict) -> Cell:
    if binding["type"] == "uri":
        return Cell(vocab.shorten(binding["value"]), local_href(binding["value"]) or binding["value"])
    if binding["type"] == "bnode":
        return Cell("_:" + binding["value"])
    note = binding.get("xml:lang") or (vocab.shorten(binding["datatype"]) if "datatype" in binding else None)
    return Cell(binding["value"], note=note)


def run_for_page(query: str) -> PageResult:
    """Answer `query` for display. The query editor's answer *is* the query's outcome, so a
    refusal is shown on the page, where the query can be corrected (the one place an error
    is not left to the app's error table)."""
    try:
        reply = current_app.config["EXECUTOR"].run(query, client=request.remote_addr,
                                                   accept=formats.accept_header(PAGE_READS))
        body = reply.read()
    except UserError as error:
        return PageResult(error=str(error))
    answer = reply.answer
    if answer.form == "graph":
        return PageResult(graph=body.decode("utf-8"), truncated=answer.truncated)
    data = json.loads(body)
    if "boolean" in data:
        return PageResult(boolean=data["boolean"])
    columns = data["head"]["vars"]
    rows = [[_cell(b[c]) if c in b else None for c in columns] for b in data["results"]["bindings"]]
    return PageResult(columns, rows, truncated=answer.truncated)


def download_links(query: str, form: str) -> list[tuple[str, str]]:
    """(format name, /sparql URL) for every format this kind of answer comes in."""
    return [(f.name, "/sparql?" + urllib.parse.urlencode({"query": query, "format": f.name}))
            for f in formats.for_form(form)]
