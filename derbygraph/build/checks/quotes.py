"""Every quotation found, word for word, in its source document; every statement of the
documents' data resting on a quotation (statement coverage)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF

from derbygraph import resources, vocab
from derbygraph.build.coverage import Coverage
from derbygraph.build.reasoning import to_rdflib
from derbygraph.resources import document_file

from .report import Locator, Problem, _in_order, _report, normalise_space

DG = rdflib.Namespace(vocab.DG)
OA = rdflib.Namespace(vocab.OA)
DCT = rdflib.Namespace(vocab.DCT)


def document_for(graph: rdflib.Graph, document: rdflib.term.Node, sources_dir: Path) -> Path | None:
    """The file in `sources_dir` holding `document` (the rule is `sources.document_file`)."""
    name, digest = graph.value(document, DCT.identifier), graph.value(document, DG.sha256)
    return document_file(sources_dir, name and str(name), digest and str(digest))


def check_quotes(graph: rdflib.Graph, sources_dir: Path, locator: Locator) -> list[Problem]:
    """Every oa:exact must appear verbatim (whitespace aside) in its source document."""
    problems: list[Problem] = []
    texts: dict[rdflib.term.Node, str | None] = {}
    for document in set(graph.subjects(RDF.type, DG.SourceDocument)):
        path = document_for(graph, document, sources_dir)
        texts[document] = normalise_space(path.read_text(encoding="utf-8")) if path else None
        if path is None:
            file, line = locator.locate(document)
            problems.append(Problem(file, line, f"source document {document} not found in {sources_dir}"))
        elif str(graph.value(document, DG.sha256) or "") != hashlib.sha256(path.read_bytes()).hexdigest():
            file, line = locator.locate(document)
            problems.append(Problem(file, line, f"{path.name} differs from the text the graph was made from (SHA-256)"))
    for quotation, document in graph.subject_objects(OA.hasSource):
        text = texts.get(document)
        if text is None:
            continue
        for selector in graph.objects(quotation, OA.hasSelector):
            for exact in graph.objects(selector, OA.exact):
                if normalise_space(str(exact)) not in text:
                    file, line = locator.locate(quotation, str(exact)[:40])
                    problems.append(Problem(file, line, f"quote not found in its source: {str(exact)[:80]!r}",
                                            "quote not found in its source"))
    return _in_order(problems)


def quoted(store: ox.Store) -> rdflib.Graph:
    """Just what the quote check reads: documents, quotations and their exact words."""
    return to_rdflib(store.query(resources.sparql(__file__, "quoted")))


def check_coverage(found: Coverage, locator: Locator) -> list[Problem]:
    """A problem for each statement of the documents' data that no quotation's words hold."""
    return _in_order([_report(rdflib.URIRef(s.value), f"no quotation's words hold {_short(p)} {_short(o)} "
                              f"(add the quote whose words hold it, or name the stated rule that gives it with dg:byRule)",
                              locator, kind=f"no quotation's words hold {_short(p)}") for s, p, o in found.unquoted])


_SUBJECT, _PREDICATE = ox.NamedNode(vocab.RDF + "subject"), ox.NamedNode(vocab.RDF + "predicate")
_RESTS_ON, _RESTS_ON_RULE = ox.NamedNode(vocab.DG + "restsOn"), ox.NamedNode(vocab.DG + "restsOnRule")
_DERIVED = ox.NamedNode(vocab.GRAPH_DERIVED)


def check_markers(store: ox.Store, locator: Locator, provenance: ox.Store | None = None) -> list[Problem]:
    """A problem for each dg:supports marker whose quotation's words hold no statement it claims.
    The statement provenance is read from `provenance` where the build put it apart from `store`."""
    provenance = store if provenance is None else provenance
    unheld = dict.fromkeys((row["s"], row["p"], row["exact"]) for row in store.query(resources.sparql(__file__, "markers"))
                           if not _claim_held(provenance, row["s"], row["p"], row["q"]))
    return _in_order([_report(rdflib.URIRef(s.value), f"dg:supports claims {_short(p)} on the quote \"{exact.value}\", "
                              f"but its words do not hold it", locator, kind="a dg:supports claim its words do not hold")
                      for s, p, exact in unheld])


def _claim_held(provenance: ox.Store, s, p, q) -> bool:
    """A statement node of `s` and `p` in the derived graph rests on the quotation `q`, or on a stated rule."""
    for quad in provenance.quads_for_pattern(None, _SUBJECT, s, _DERIVED):
        node = quad.subject
        if ox.Quad(node, _PREDICATE, p, _DERIVED) in provenance and (
                ox.Quad(node, _RESTS_ON, q, _DERIVED) in provenance
                or next(provenance.quads_for_pattern(node, _RESTS_ON_RULE, None, _DERIVED), None) is not None):
            return True
    return False


def _short(term) -> str:
    """A term of a message: an IRI as its prefixed name (`vocab.shorten`), a literal as N-Triples writes it."""
    return vocab.shorten(term.value) if isinstance(term, ox.NamedNode) else str(term)
