"""Source documents as a reader checks them: what each is, every quotation taken from it, and
what rests on each quotation.

A quotation is a blank node in the data (`dg:evidence [ oa:hasSource …; oa:hasSelector [ oa:exact … ] ]`),
so it gets a stable IRI here, made from its document and its exact words: the same words of the same
document are the same quotation, whichever statements cite it, and the IRI survives rebuilds.

The documents' texts are not shipped with derbygraph (their licences are not recorded). A server
given the folder that holds them (`serve --sources DIR`, as `check --sources DIR`) shows each
document's text with every quoted span marked and linked, once the file's SHA-256 is the one the
data records: the text shown is the text the quotes were checked against. The texts are read once,
at start-up, within a size limit, from files inside the folder only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from derbygraph import resources, vocab
from derbygraph.errors import BadInput, NotFound
from derbygraph.store.dataset import Dataset, iri

DG, DCT, OA = vocab.DG, vocab.DCT, vocab.OA
QUOTE_PATH = "/quote/"

# What a source page says about each piece of metadata, in order; None where the data records none.
METADATA = (("Title", DCT + "title"), ("Kind", DCT + "type"), ("Description", DCT + "description"),
            ("Address", DCT + "source"), ("Publisher", DCT + "publisher"), ("Date", DCT + "date"),
            ("Licence", DCT + "license"), ("Terms", DCT + "rights"), ("Format", DCT + "format"), ("File", DCT + "identifier"),
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
    rows = dataset.query(resources.sparql(__file__, "quotations", document=str(iri(document))))
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


def document_texts(dataset: Dataset, folder: Path, max_bytes: int) -> dict[str, str]:
    """Each source document's text from `folder`, read once (at start-up), keyed by document IRI:
    only where its bytes are the ones the data records. A file is read only if it is inside the
    folder (no link out of it is followed) and at most `max_bytes` long; a document's own file
    (its dct:identifier) that is neither is refused with BadInput, before the server starts."""
    root = Path(folder).resolve()
    readable = {path.name: path for path in sorted(root.iterdir()) if _inside(path, root, max_bytes)}
    wanted = {}
    for node in dataset.subjects(vocab.RDF + "type", iri(DG + "SourceDocument")):
        identifier, digest = dataset.value(node, DCT + "identifier"), dataset.value(node, DG + "sha256")
        if digest is None:
            continue
        name = identifier.value if identifier is not None else None
        if name and (root / name).exists() and name not in readable:
            raise BadInput(f"{root / name}: not read as the source {node.value}: a source file must be a file inside "
                           f"{root} (not a link out of it) of at most {max_bytes:,} bytes")
        wanted[digest.value] = (node.value, name)
    texts = {}
    for name, path in readable.items():
        data = path.read_bytes()
        found = wanted.get(hashlib.sha256(data).hexdigest())
        if found is not None and (found[1] == name or found[1] not in readable):
            texts[found[0]] = data.decode("utf-8", errors="replace")
    return texts


def _inside(path: Path, root: Path, max_bytes: int) -> bool:
    """A regular file within `root` once links are followed, of at most `max_bytes`."""
    real = path.resolve()
    return real.is_relative_to(root) and real.is_file() and real.stat().st_size <= max_bytes


@dataclass
class Reading:
    """A document's text cut into pieces, each quoted piece with the quotations that cover it
    (the shortest first: the one a reader most likely follows); and how much of the text the graph
    uses: the share of its sentences holding at least one quoted span."""

    pieces: list[tuple[str, list[Quotation]]]
    sentences: int
    quoted_sentences: int


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def reading(text: str, quotes: list[Quotation]) -> Reading:
    """Mark every occurrence of every quotation; where quotations nest or overlap, a piece
    names all that cover it."""
    spans = [(start, start + len(q.exact), q) for q in quotes for start in _occurrences(text, q.exact)]
    cuts = sorted({0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        covering = sorted((q for start, end, q in spans if start <= a and end >= b), key=lambda q: len(q.exact))
        pieces.append((text[a:b], covering))
    sentences = [m.span() for m in _SENTENCE.finditer(text) if m.group().strip()]
    quoted = sum(1 for a, b in sentences if any(start < b and end > a for start, end, _ in spans))
    return Reading(pieces, len(sentences), quoted)


def _occurrences(text: str, words: str):
    start = text.find(words)
    while start >= 0:
        yield start
        start = text.find(words, start + 1)
