"""What a node rests on: the quotations of the documents and the registry's rows (for the lineage,
resource pages and reconciliation previews)."""

from __future__ import annotations

from derbygraph import vocab
from derbygraph.store.dataset import Dataset

DG, PROV = vocab.DG, vocab.PROV


def sources(dataset: Dataset, node) -> list[dict]:
    """Each quotation a node rests on (document IRI, title and exact words), then its registry rows."""
    found = []
    for quote in dataset.objects(node, DG + "evidence"):
        document = dataset.value(quote, vocab.OA + "hasSource")
        selector = dataset.value(quote, vocab.OA + "hasSelector")
        exact = dataset.text(selector, vocab.OA + "exact") if selector is not None else None
        if document is None or exact is None:
            continue
        title = dataset.text(document, vocab.DCT + "title") or dataset.label(document)
        found.append({"iri": document.value, "title": title, "quote": exact})
    found += records(dataset, node)
    return sorted(found, key=lambda s: (s["iri"], s.get("line") or 0, s["quote"]))


def records(dataset: Dataset, node) -> list[dict]:
    """Each registry row a node rests on: the file's IRI and title, the row's text and line."""
    found = []
    for record in dataset.objects(node, PROV + "wasDerivedFrom"):
        if not dataset.has_type(record, DG + "RegistryRecord"):
            continue
        file = dataset.value(record, vocab.DCT + "source")
        text, line = dataset.text(record, PROV + "value"), dataset.text(record, DG + "line")
        if file is None or text is None:
            continue
        found.append({"iri": file.value, "title": dataset.text(file, vocab.DCT + "title") or dataset.label(file),
                      "quote": text, "record": record.value, "line": int(line) if line else None})
    return found


def from_registry(dataset: Dataset, node) -> bool:
    """The node rests on registry rows (a registry organisation, site, name or event)."""
    return any(dataset.has_type(record, DG + "RegistryRecord")
               for record in dataset.objects(node, PROV + "wasDerivedFrom"))
