"""Source documents as a reader checks them: what each is, every quotation taken from it, and
what rests on each quotation.

A quotation is a blank node in the data (`dg:evidence [ oa:hasSource …; oa:hasSelector [ oa:exact … ] ]`),
so it gets a stable IRI here, made from its document and its exact words: the same words of the same
document are the same quotation, whichever statements cite it, and the IRI survives rebuilds.

The documents' texts are not shipped with derbygraph (their licences are not recorded), so a
source's page shows its metadata and its quotations, not the full text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import vocab
from .dataset import Dataset, iri
from .errors import NotFound

DG, DCT, OA = vocab.DG, vocab.DCT, vocab.OA
QUOTE_PATH = "/quote/"

_QUOTATIONS = """
SELECT ?node ?exact WHERE {
  ?node dg:evidence ?quote .
  ?quote oa:hasSource ?document ; oa:hasSelector/oa:exact ?exact .
}"""

# What a source page says about each piece of metadata, in order; None where the data records none.
METADATA = (("Title", DCT + "title"), ("Kind", DCT + "type"), ("Description", DCT + "description"),
            ("Address", DCT + "source"), ("Publisher", DCT + "publisher"), ("Date", DCT + "date"),
            ("Licence", DCT + "license"), ("Format", DCT + "format"), ("File", DCT + "identifier"),
            ("SHA-256", DG + "sha256"))


class UnknownQuote(NotFound):
    """No quotation of that document has that IRI."""


def quote_key(exact: str) -> str:
    return hashlib.sha256(exact.encode("utf-8")).hexdigest()[:16]


def quote_iri(document: str, exact: str) -> str:
    """The stable IRI of the words `exact` quoted from `document`."""
    return document + QUOTE_PATH + quote_key(exact)


def credit(dataset: Dataset, document: str) -> str:
    """How a quotation is credited: "document title (kind)", so a title is never read as a name."""
    node = iri(document)
    title = dataset.value(node, DCT + "title")
    kind = dataset.value(node, DCT + "type")
    text = title.value if title is not None else dataset.label(node)
    return f"{text} ({kind.value})" if kind is not None else text


@dataclass
class Quotation:
    iri: str
    exact: str
    statements: list[dict] = field(default_factory=list)  # {iri, label, types} of each node it supports


def document_metadata(dataset: Dataset, document: str) -> list[tuple[str, str | None, bool]]:
    """(what, value or None, value is a link) for each piece of METADATA."""
    rows = []
    for heading, predicate in METADATA:
        value = dataset.value(iri(document), predicate)
        rows.append((heading, value.value if value is not None else None, isinstance(value, ox.NamedNode)))
    return rows


def quotations(dataset: Dataset, document: str) -> list[Quotation]:
    """Every quotation of `document`, in the order of its words, each with the statements it supports."""
    found: dict[str, Quotation] = {}
    rows = dataset.query(vocab.sparql_prologue() + _QUOTATIONS.replace("?document", f"<{document}>"))
    for row in rows:
        exact = row["exact"].value
        quote = found.setdefault(exact, Quotation(quote_iri(document, exact), exact))
        node = row["node"]
        if isinstance(node, ox.NamedNode) and all(s["iri"] != node.value for s in quote.statements):
            quote.statements.append({"iri": node.value, "label": dataset.label(node)})
    for quote in found.values():
        quote.statements.sort(key=lambda s: s["label"])
    return sorted(found.values(), key=lambda q: q.exact)


def quotation(dataset: Dataset, quote: str) -> tuple[str, Quotation]:
    """(document, quotation) for a quotation IRI; raises UnknownQuote."""
    document, _, key = quote.rpartition(QUOTE_PATH)
    if not document or not dataset.has_type(iri(document), DG + "SourceDocument"):
        raise UnknownQuote(quote)
    for found in quotations(dataset, document):
        if found.iri == quote:
            return document, found
    raise UnknownQuote(quote)
