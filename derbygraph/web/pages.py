"""HTML pages for people: the home page, the lineage view and the SPARQL query page."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.parse

from flask import Blueprint, Response, current_app, render_template, request

from derbygraph import resources, vocab
from derbygraph.answers import canned as queries
from derbygraph.answers import timeline
from derbygraph.answers.names import Choice, NameIndex, choose_lineage
from derbygraph.answers.search import FieldIndex
from derbygraph.errors import BadInput
from derbygraph.store import formats
from derbygraph.store.dataset import iri

from .negotiation import chosen, html_page
from .results import download_links, local_href, run_for_page

blueprint = Blueprint("pages", __name__)
FOUND_BY_FIELDS = 50  # organisations listed when the search box is given a postcode, street or code

NO_NAME = "Type the name of an organisation, or part of it, as ?org=NAME (any of its names, an acronym or its IRI)."


@blueprint.get("/")
def home():
    dataset = current_app.config["DATASET"]
    # The organisations the documents tell of; registry-only ones (thousands) are found by search.
    everything = NameIndex.of(dataset).organisations()
    described = [o for o in everything if dataset.objects(iri(o), vocab.DG + "evidence")]
    organisations = sorted(((o, NameIndex.of(dataset).names_of(o)) for o in described), key=lambda entry: entry[1][0])
    documents = [(d.value, dataset.label(d)) for d in dataset.subjects(vocab.RDF + "type", iri(vocab.DG + "SourceDocument"))]
    return html_page("home.html", dataset=dataset, organisations=organisations, documents=documents,
                     others=len(everything) - len(described),
                     queries=queries.catalogue(), local_href=local_href, ontology=vocab.ONTOLOGY)


@blueprint.get("/query")
def query_page():
    """The query editor: the permalink /query?query=... reproduces the query and its results."""
    dataset = current_app.config["DATASET"]
    text = request.args.get("query", "").strip()
    started = time.perf_counter()
    result = run_for_page(text) if text else None
    elapsed = time.perf_counter() - started
    if result is not None and result.error:
        result.error = readable_error(result.error, text)
    form = "graph" if result is not None and result.graph is not None else "solutions"
    return html_page("query.html", dataset=dataset, query=text or resources.sparql(__file__, "starter", prologue=False), result=result,
                     downloads=download_links(text, form) if text and not (result and result.error) else [],
                     elapsed=elapsed, labels=_labels(result), prefixes=vocab.PREFIXES,
                     prefixes_json=json.dumps(vocab.PREFIXES), queries=queries.catalogue())


_SYNTAX = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)$")


def readable_error(message: str, query: str) -> str:
    """A parser's "error at 2:7: expected one of HAVING, OFFSET, [_]" as one sentence a person reads."""
    found = _SYNTAX.search(message)
    if not found:
        return message[:1].upper() + message[1:]
    line = int(found.group(1))
    lines = query.splitlines() or [""]
    shown = lines[min(max(line, 1), len(lines)) - 1].strip()
    expected = [t for t in found.group(3).split(", ") if t.isalpha()]
    hint = f" (the parser expected {', '.join(expected[:-1]) + ' or ' + expected[-1] if len(expected) > 1 else expected[0]} there)" \
        if expected else ""
    return f"This is not valid SPARQL: line {line}, “{shown}”, could not be read{hint}. " \
           "Check the spelling of keywords and that braces, dots and quotes are balanced."


def _labels(result) -> dict[str, str]:
    """The label of each of our resources in a result table (keyed by the IRI the cell shows), to
    show beside it; prefixed names (ontology terms) speak for themselves."""
    if result is None or not result.rows:
        return {}
    dataset, found = current_app.config["DATASET"], {}
    for row in result.rows:
        for cell in row:
            if cell is not None and cell.href and cell.text.startswith(vocab.BASE) and cell.text not in found:
                label = dataset.label(iri(cell.text))
                if label != cell.text.rstrip("/#").rsplit("/", 1)[-1]:
                    found[cell.text] = label
    return found


def _heads(choice: Choice) -> list[dict]:
    """The lineages a choice offers, each under its current name, with the name that matched."""
    dataset, service = current_app.config["DATASET"], current_app.config["LINEAGE"]
    heads: dict[str, dict] = {}
    for match in (choice.best, *choice.others):
        head = service.members(match.iri)[-1]
        heads.setdefault(head, {"iri": head, "label": dataset.label(iri(head)), "matched": match.name,
                                "score": match.score, "tie": match is choice.best or match in choice.ties})
    return list(heads.values())


@blueprint.get("/lineage")
def lineage_page():
    dataset, service = current_app.config["DATASET"], current_app.config["LINEAGE"]
    name = request.args.get("org", "").strip()
    at = request.args.get("at", "").strip() or None
    if not name:
        raise BadInput(NO_NAME)
    choice = choose_lineage(service, name)
    if choice.ties and not request.args.get("exact"):
        return html_page("lineage_choose.html", dataset=dataset, query=name, at=at, candidates=_heads(choice))
    found = _found_by_fields(name) if service.resolve(name) is None else []
    if found:  # no name, but a postcode, an address, a code: the organisations it belongs to
        return html_page("lineage_missing.html", dataset=dataset, query=name, found=found,
                         message=f"No organisation is called “{name}”; by their registry details it matches:")
    answer, full = service.lineages(name, at)
    wording = _wording(full)
    picture = timeline.layout(full, wording["types"], at)
    closest = None  # a name matched only roughly: say so, and offer the other lineages it may mean
    if choice.best is not None and not choice.exact and not request.args.get("exact"):
        closest = {"matched": choice.best.name, "initials": choice.initials, "others": _heads(choice)[1:]}
    query_string = urllib.parse.urlencode({k: v for k, v in (("org", name), ("at", at)) if v})
    return html_page("lineage.html", dataset=dataset, answer=answer, picture=picture, name=name, at=at,
                     closest=closest, words=wording, when=timeline.when, dated=timeline.dated, local_href=local_href,
                     query_string=query_string)


def _found_by_fields(text: str) -> list[dict]:
    """Organisations whose registry details (postcode, address, region or ICS code) match a query
    that names none: the search box takes a postcode as well as a name."""
    dataset = current_app.config["DATASET"]
    return [{"iri": hit.iri, "label": dataset.label(iri(hit.iri)), "field": hit.field, "matched": hit.matched}
            for hit in FieldIndex.of(dataset).search(text, FOUND_BY_FIELDS)]


def _wording(answer: dict) -> dict:
    """Everything the lineage page names in words rather than codes: event types and relations, roles
    and the kinds of events (sources are credited by the `cited` template global)."""
    dataset = current_app.config["DATASET"]

    def label(local: str) -> str | None:
        node = iri(vocab.DG + local)
        return dataset.label(node) if dataset.objects(node, vocab.RDFS + "label") else None

    events = answer["events"]
    types = {t: label(t) for t in {e["type"] for e in events} |
             {link["relation"] for link in answer["predecessors"] + answer["successors"]}}
    roles = {p["role"]: timeline.role_words(p["role"], label(p["role"])) for e in events for p in e["participants"]}
    return {"types": {t: timeline.words(t, text) for t, text in types.items()}, "roles": roles,
            "kinds": {e["iri"]: timeline.event_kind(e["type"]) for e in events}}


def _lineages() -> tuple[dict, dict]:
    """The lineage (as of `at`, and whole) that the request's ?org= names."""
    name = request.args.get("org", "").strip()
    if not name:
        raise BadInput(NO_NAME)
    return current_app.config["LINEAGE"].lineages(name, request.args.get("at", "").strip() or None)


@blueprint.get("/lineage.svg")
def lineage_svg():
    """The timeline picture as a file of its own, styled inline so it reads anywhere."""
    full, at = _lineages()[1], request.args.get("at", "").strip() or None
    fmt = chosen([formats.SVG], "svg")
    picture = timeline.layout(full, _wording(full)["types"], at)
    svg = render_template("timeline.svg", answer=full, picture=picture, standalone=True, at=at)
    return Response(svg, mimetype=fmt.media_type, headers={
        "Content-Disposition": f'attachment; filename="lineage-{full["organisation"]["iri"].rsplit("/", 1)[-1]}.svg"'})


@blueprint.get("/lineage.csv")
def lineage_csv():
    """The lineage as one table: a row per name, event, predecessor and successor."""
    answer = _lineages()[0]
    fmt = chosen([formats.CSV], "csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "date_or_start", "end", "label", "type_or_relation", "iri", "source", "quote"])
    for n in answer["names"]:
        for source in n["sources"] or [{}]:
            writer.writerow(["name", n["start"], n["end"], n["label"], "", n["organisation"],
                             source.get("title", ""), source.get("quote", "")])
    for e in answer["events"]:
        for source in e["sources"] or [{}]:
            writer.writerow(["event", e["date"], "", e["label"], e["type"], e["iri"],
                             source.get("title", ""), source.get("quote", "")])
    for kind in ("predecessors", "successors"):
        for link in answer[kind]:
            writer.writerow([kind[:-1], link["date"], "", link["label"], link["relation"], link["iri"], "", ""])
    for transfer in answer.get("transfers", []):
        writer.writerow(["transfer", transfer["date"], "", transfer["label"], f"ServiceTransfer {transfer['direction']}",
                         transfer["iri"], "", ", ".join(transfer["services"])])
    return Response(out.getvalue(), mimetype=fmt.media_type)
