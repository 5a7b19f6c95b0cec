"""Checks that guard the data: SHACL shapes, and every quotation found in its source document.

Each problem is reported as `file:line: message`, pointing at the statement to fix.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from . import resources, vocab
from .build import Source
from .reasoning import to_rdflib

DG = rdflib.Namespace(vocab.DG)
OA = rdflib.Namespace(vocab.OA)
DCT = rdflib.Namespace(vocab.DCT)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Locator:
    """Finds the file and line where a node is described, for messages a person can act on."""

    def __init__(self, store: ox.Store, found: list[Source]):
        self._files: dict[str, Source] = {s.graph: s for s in found}
        self._store = store
        self._lines: dict[Path, list[str]] = {}

    def _text(self, path: Path) -> list[str]:
        if path not in self._lines:
            self._lines[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
        return self._lines[path]

    def source_of(self, node: rdflib.term.Node) -> Source | None:
        if isinstance(node, rdflib.Literal):
            return None
        term = ox.BlankNode(str(node)) if isinstance(node, rdflib.BNode) else ox.NamedNode(str(node))
        for quad in self._store.quads_for_pattern(term, None, None, None):
            graph = getattr(quad.graph_name, "value", None)
            if graph in self._files and graph != vocab.GRAPH_INFERRED:
                return self._files[graph]
        for quad in self._store.quads_for_pattern(None, None, term, None):  # a blank node: its owner
            if isinstance(quad.subject, (ox.NamedNode, ox.BlankNode)) and quad.subject != term:
                return self.source_of(rdflib.BNode(quad.subject.value) if isinstance(quad.subject, ox.BlankNode)
                                      else rdflib.URIRef(quad.subject.value))
        return None

    def locate(self, node: rdflib.term.Node, text: str | None = None) -> tuple[str, int | None]:
        """The file describing `node`, and the line of `text`, else of the node's description."""
        source = self.source_of(node)
        if source is None:
            return "<dataset>", None
        patterns = [re.compile(re.escape(text))] if text else []
        if isinstance(node, rdflib.URIRef):
            tail = re.escape(re.split(r"[/#]", str(node))[-1])
            patterns += [re.compile(rf"^(\S*:{tail}|<{re.escape(str(node))}>)(\s|$)"), re.compile(rf":{tail}\b")]
        lines = self._text(source.path)
        for pattern in patterns:
            for number, line in enumerate(lines, 1):
                if pattern.search(line):
                    return str(source.path), number
        return str(source.path), None


def check_shapes(graph: rdflib.Graph, locator: Locator) -> list[Problem]:
    """Run ontology/shapes.ttl over `graph` (asserted plus inferred triples)."""
    import pyshacl

    shapes = rdflib.Graph().parse(resources.shapes_file(), format="turtle")
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True)
    if conforms:
        return []
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        if isinstance(focus, rdflib.Literal):  # a nested check on a value; its owner is reported too
            continue
        message = str(report.value(result, SH.resultMessage) or "violates a shape")
        message = re.sub(r"https://w3id\.org/derbygraph/(id/|ontology#)", "", message)
        file, line = locator.locate(focus)
        label = re.split(r"[/#]", str(focus))[-1] if isinstance(focus, rdflib.URIRef) else "a blank node"
        problems.append(Problem(file, line, f"{label}: {message}"))
    return sorted(set(problems))


def document_for(graph: rdflib.Graph, document: rdflib.term.Node, sources_dir: Path) -> Path | None:
    """The file in `sources_dir` holding `document`: by its dct:identifier, else by SHA-256."""
    name = graph.value(document, DCT.identifier)
    if name is not None and (sources_dir / str(name)).is_file():
        return sources_dir / str(name)
    digest = graph.value(document, DG.sha256)
    for path in sorted(p for p in sources_dir.iterdir() if p.is_file()):
        if digest is not None and hashlib.sha256(path.read_bytes()).hexdigest() == str(digest):
            return path
    return None


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
                    problems.append(Problem(file, line, f"quote not found in its source: {str(exact)[:80]!r}"))
    return sorted(set(problems))


def check(store: ox.Store, found: list[Source], sources_dir: Path | None = None) -> list[Problem]:
    """All checks on a built store; an empty list means the data is sound."""
    graph = to_rdflib(store)
    locator = Locator(store, found)
    problems = check_shapes(graph, locator)
    if sources_dir is not None:
        problems += check_quotes(graph, Path(sources_dir), locator)
    return problems
