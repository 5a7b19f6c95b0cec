"""Linked data: every IRI of the dataset at its own path, the ontology, VoID and dumps.

An IRI https://w3id.org/derbygraph/PATH is answered at /derbygraph/PATH on whatever host the
app runs, in HTML or RDF by content negotiation (or ?format=turtle|nt|jsonld|xml|html).
"""

from __future__ import annotations

import itertools
import json

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, send_file

from derbygraph import vocab
from derbygraph.answers import evidence, linkeddata
from derbygraph.answers.why import WhyService
from derbygraph.errors import NotFound
from derbygraph.store import formats
from derbygraph.store.dataset import iri
from derbygraph.store.dumps import DUMPS, dump_file

from .negotiation import chosen, html_page
from .results import local_href

blueprint = Blueprint("linked", __name__)

PAGE_SIZE = 50
MAX_PAGES = 200  # a resource page lists at most this many pages of incoming links
INFERRED = ox.NamedNode(vocab.GRAPH_INFERRED)
DERIVED = ox.NamedNode(vocab.GRAPH_DERIVED)
GRAPH_LINKS = [(f.name, f"?format={f.name}") for f in formats.GRAPHS]  # a page's links to its RDF
HIDDEN = {vocab.RDF + "type", vocab.RDFS + "label", vocab.SKOS + "prefLabel", vocab.DG + "evidence",
          vocab.RDFS + "comment"}


def _rdf_response(triples: list[ox.Triple], fmt: formats.Format) -> Response:
    body = ox.serialize(triples, format=fmt.oxigraph, prefixes=vocab.PREFIXES)
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _term_view(dataset, term) -> dict:
    """How a value is shown: its label, and a link when it is a resource."""
    if isinstance(term, ox.NamedNode):
        return {"text": dataset.label(term) if term.value.startswith(vocab.BASE) else vocab.shorten(term.value),
                "href": local_href(term.value) or term.value, "iri": term.value}
    if isinstance(term, ox.BlankNode):
        return {"text": "(details)", "href": None, "iri": None}
    note = term.language or (vocab.shorten(term.datatype.value) if term.datatype.value != vocab.XSD + "string" else None)
    return {"text": term.value, "href": None, "iri": None, "note": note}


def _facts(dataset, node) -> tuple[list[dict], list[dict], list[dict]]:
    """(stated, derived, inferred) statements about `node`, grouped by property, in plain words;
    each stated or derived value carries the quotations its statement rests on. A statement
    that is also derived or inferred is shown once, where it is strongest."""
    graphs: tuple[dict, dict, dict] = ({}, {}, {})
    for quad in dataset.store.quads_for_pattern(node, None, None, None):
        if quad.predicate.value not in HIDDEN and not isinstance(quad.graph_name, ox.DefaultGraph):
            kind = 2 if quad.graph_name == INFERRED else 1 if quad.graph_name == DERIVED else 0
            graphs[kind].setdefault(quad.predicate.value, {})[quad.object] = None
    for weaker in (1, 2):
        for predicate, objects in list(graphs[weaker].items()):
            for stronger in range(weaker):
                for term in graphs[stronger].get(predicate, {}):
                    objects.pop(term, None)
            if not objects:
                del graphs[weaker][predicate]
    quotes = WhyService(dataset).quotes_about(node)

    def rows(groups: dict) -> list[dict]:
        found = [{"property": _property_view(dataset, p),
                  "objects": sorted(({**_term_view(dataset, t), "quotes": quotes.get((p, t), [])} for t in terms),
                                    key=lambda v: v["text"])}
                 for p, terms in groups.items()]
        return sorted(found, key=lambda r: r["property"]["text"])

    return rows(graphs[0]), rows(graphs[1]), rows(graphs[2])


def _property_view(dataset, predicate: str) -> dict:
    label = dataset.label(iri(predicate)) if dataset.objects(iri(predicate), vocab.RDFS + "label") else vocab.shorten(predicate)
    return {"text": label, "href": local_href(predicate) or predicate, "iri": predicate}


def _sources(dataset, node) -> list[dict]:
    return evidence.sources(dataset, node)


@blueprint.get("/derbygraph/<path:rest>")
def resource(rest: str):
    dataset = current_app.config["DATASET"]
    value = vocab.BASE + rest
    if value == vocab.ONTOLOGY:
        return ontology()
    node = linkeddata.described(dataset, value)
    fmt = chosen(formats.DOCUMENTS)
    if fmt is not formats.HTML:
        return _rdf_response(linkeddata.describe(dataset, node), fmt)
    try:
        page = min(max(int(request.args.get("page", 1)), 1), MAX_PAGES)
    except ValueError:
        page = 1
    # Incoming links in the store's order, one page of them: a resource with 100,000 links
    # costs one page's worth of work, not a sort of all of them.
    links = _unique((quad.subject, quad.predicate) for quad in dataset.asserted(obj=node)
                    if not isinstance(quad.subject, ox.BlankNode))
    seen = list(itertools.islice(links, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1))
    shown, more = seen[:PAGE_SIZE], len(seen) > PAGE_SIZE
    asserted, derived, inferred = _facts(dataset, node)
    is_organisation = dataset.has_type(node, vocab.ORG + "Organization")
    return html_page("resource.html", dataset=dataset, iri=value, label=dataset.label(node),
                     types=[_term_view(dataset, iri(t)) for t in dataset.types(node) if not t.startswith(vocab.OWL)],
                     comment=(dataset.value(node, vocab.RDFS + "comment") or ox.Literal("")).value,
                     facts=asserted, derived=derived, inferred=inferred, sources=_sources(dataset, node),
                     incoming=[{"subject": _term_view(dataset, s), "property": _property_view(dataset, p.value)} for s, p in shown],
                     page=page, pages=page + more,
                     is_organisation=is_organisation,
                     formats=GRAPH_LINKS)


def _unique(items):
    """Items in order, each once, taken lazily (a generator stops when the page is full)."""
    seen = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def ontology():
    """The ontology IRI: the OWL ontology as RDF, or its documentation page."""
    dataset = current_app.config["DATASET"]
    fmt = chosen(formats.DOCUMENTS)
    if fmt is not formats.HTML:
        return _rdf_response(linkeddata.ontology_triples(dataset), fmt)
    terms = [{**term, **{key: [_link(v) for v in term[key]] for key in ("supers", "domains", "ranges")}}
             for term in linkeddata.ontology_terms(dataset)]
    header = iri(vocab.ONTOLOGY)
    return html_page("ontology.html", dataset=dataset, terms=terms, ontology_iri=vocab.ONTOLOGY,
                     title=dataset.label(header), comment=(dataset.value(header, vocab.RDFS + "comment") or ox.Literal("")).value,
                     version=(dataset.value(header, vocab.OWL + "versionInfo") or ox.Literal("")).value,
                     formats=GRAPH_LINKS)


def _link(value: str) -> dict:
    if value.startswith(vocab.DG):
        return {"text": value[len(vocab.DG):], "href": "#" + value[len(vocab.DG):]}
    return {"text": vocab.shorten(value), "href": value}


@blueprint.get("/context.jsonld")
def jsonld_context():
    fmt = chosen([formats.JSON_LD], "jsonld")
    return Response(json.dumps(linkeddata.context(), indent=1), content_type=fmt.content_type)


@blueprint.get("/.well-known/void")
def void():
    fmt = chosen(formats.GRAPHS)
    return _rdf_response(linkeddata.void_description(current_app.config["DATASET"], request.url_root.rstrip("/")), fmt)


@blueprint.get("/dumps/<name>")
def dumps(name: str):
    dataset = current_app.config["DATASET"]
    for format_name, filename in DUMPS.items():
        if name in (filename, filename + ".sha256"):
            path, digest = dump_file(dataset, format_name)
            if name != filename:
                return Response(f"{digest}  {filename}\n", mimetype=chosen([formats.TEXT], "text").media_type)
            fmt = chosen(formats.EXPORTS, format_name)
            return send_file(path, mimetype=fmt.content_type, conditional=True,
                             etag=f"{dataset.version}-{format_name}", last_modified=path.stat().st_mtime)
    raise NotFound(f"no dump is called {name!r}; the dumps are {', '.join(DUMPS.values())}")
