"""Source documents and their quotations as pages a reader checks a fact against.

A document's IRI (…/id/source/NAME) shows, in HTML, what the document is and every quotation
taken from it with the statements resting on it; in RDF it is the ordinary linked-data
description. Each quotation has an IRI of its own (…/id/source/NAME/quote/KEY) that dereferences
the same way.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, current_app

from derbygraph import vocab
from derbygraph.answers import linkeddata, sources
from derbygraph.store import formats
from derbygraph.store.dataset import iri

from .linked import GRAPH_LINKS, _rdf_response, resource
from .negotiation import chosen, html_page
from .results import local_href

blueprint = Blueprint("sources", __name__)


@blueprint.app_template_global("cited")
def cited(source: dict) -> dict:
    """How any page shows a SOURCE of the lineage JSON: credited as "title (kind)", and for a
    document's quotation, a link to the quotation's own page."""
    dataset = current_app.config["DATASET"]
    if source.get("record"):  # a registry row: its file is the credit, its line the place
        return {"credit": source["title"], "href": local_href(source["iri"]), "quote_href": None}
    return {"credit": sources.credit(dataset, source["iri"]), "href": local_href(source["iri"]),
            "quote_href": local_href(sources.quote_iri(source["iri"], source["quote"]))}


@blueprint.get("/derbygraph/id/source/<name>")
def source_page(name: str):
    dataset = current_app.config["DATASET"]
    document = vocab.ID + "source/" + name
    node = linkeddata.described(dataset, document)
    if not dataset.has_type(node, vocab.DG + "SourceDocument") or chosen(formats.DOCUMENTS) is not formats.HTML:
        return resource("id/source/" + name)  # not a document, or RDF: the ordinary description
    quotes = sources.quotations(dataset, document)
    text = current_app.config["SOURCE_TEXTS"].get(document)
    return html_page("source.html", dataset=dataset, iri=document, credit=sources.credit(dataset, document),
                     metadata=sources.document_metadata(dataset, document), quotes=quotes, local_href=local_href,
                     reading=sources.reading(text, quotes) if text is not None else None,
                     statements=len({s["iri"] for q in quotes for s in q.statements}),
                     formats=GRAPH_LINKS)


@blueprint.get("/derbygraph/id/source/<name>/quote/<key>")
def quote_page(name: str, key: str):
    dataset = current_app.config["DATASET"]
    document, quote = sources.quotation(dataset, f"{vocab.ID}source/{name}{sources.QUOTE_PATH}{key}")
    fmt = chosen(formats.DOCUMENTS)
    if fmt is not formats.HTML:
        return _rdf_response(_quote_triples(document, quote), fmt)
    return html_page("quote.html", dataset=dataset, quote=quote, document=document, credit=sources.credit(dataset, document),
                     local_href=local_href, formats=GRAPH_LINKS)


def _quote_triples(document: str, quote: sources.Quotation) -> list[ox.Triple]:
    """The quotation in the Web Annotation terms the data uses, with the statements citing it."""
    node, selector = iri(quote.iri), ox.BlankNode()
    triples = [ox.Triple(node, iri(vocab.RDF + "type"), iri(vocab.DG + "Quotation")),
               ox.Triple(node, iri(vocab.OA + "hasSource"), iri(document)),
               ox.Triple(node, iri(vocab.OA + "hasSelector"), selector),
               ox.Triple(selector, iri(vocab.RDF + "type"), iri(vocab.OA + "TextQuoteSelector")),
               ox.Triple(selector, iri(vocab.OA + "exact"), ox.Literal(quote.exact))]
    triples += [ox.Triple(iri(s["iri"]), iri(vocab.DG + "evidence"), node) for s in quote.statements]
    return triples
