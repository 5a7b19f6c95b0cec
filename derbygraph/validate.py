"""Checks that guard the data: SHACL shapes, every quotation found in its source document, and
every statement of the documents' data resting on a quotation (statement coverage).

Each problem is reported as `file:line: message`, pointing at the statement to fix.

The shapes run as SPARQL on the built store (`check_shapes_fast`): each constraint of
ontology/shapes.ttl becomes one query that finds every focus node breaking it at once, which
takes seconds on hundreds of thousands of triples (the NHS ODS registry) where pySHACL, going
node by node in Python, takes minutes. The translation covers the SHACL the shapes use (class,
datatype, pattern, min/max count, hasValue, in, node, or/and/xone/not, qualified minimum
counts, predicate/sequence/inverse/alternative paths, SPARQL constraints); shapes using anything
else are checked by pySHACL (`check_shapes`), which stays the reference the tests compare with.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
import rdflib.collection
from rdflib.namespace import RDF, SH

from . import resources, vocab
from .build import Source
from .coverage import Coverage
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


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Distinct problems by file and line; a problem with no line comes first in its file."""
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.message))


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Locator:
    """Finds the file and line where a node is described, for messages a person can act on.

    Each file is read once into an index of where every name first appears (as a line's first
    token, or after a colon anywhere), so a report of thousands of problems in a file of
    millions of lines costs one pass over the file, not one per problem.
    """

    def __init__(self, store: ox.Store, found: list[Source]):
        self._files: dict[str, Source] = {s.graph: s for s in found}
        self._store = store
        self._indexes: dict[Path, _LineIndex] = {}

    def _index(self, path: Path) -> "_LineIndex":
        if path not in self._indexes:
            self._indexes[path] = _LineIndex(path.read_text(encoding="utf-8", errors="replace"))
        return self._indexes[path]

    def owner(self, node: rdflib.BNode) -> rdflib.URIRef | None:
        """The named node whose description holds a blank node (its quotation, its selector...)."""
        term, seen = ox.BlankNode(str(node)), set()
        while isinstance(term, ox.BlankNode) and term not in seen:
            seen.add(term)
            holder = next((q for q in self._store.quads_for_pattern(None, None, term, None)  # as a source states it
                           if getattr(q.graph_name, "value", "").startswith((vocab.GRAPH_DATA, vocab.GRAPH_EXTRA))),
                          None)
            if holder is None:
                return None
            term = holder.subject
        return rdflib.URIRef(term.value) if isinstance(term, ox.NamedNode) else None

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
        """The file describing `node`, and the first line holding `text`, else the line that starts
        the node's description (`prefix:name` or `<iri>` first), else any line with `:name`."""
        source = self.source_of(node)
        if source is None:
            return "<dataset>", None
        index = self._index(source.path)
        line = index.text_line(text) if text else None
        if line is None and isinstance(node, rdflib.URIRef):
            line = index.line_of(str(node))
        return str(source.path), line


class _LineIndex:
    """One file's lines, indexed once: where each name first starts a line or follows a colon."""

    _TOKEN = re.compile(r"\S+")
    _COLON_NAME = re.compile(r":([^\s/#:]+)")

    def __init__(self, text: str):
        self._text = text
        self._starts: list[int] = []  # offset of each line, for the line number of a text match
        self.first_token: dict[str, int] = {}  # `<iri>`, and `:name` of `prefix:name` -> first line it starts
        self.after_colon: dict[str, int] = {}  # `name` wherever `:name\b` matches -> first line
        offset = 0
        for number, line in enumerate(text.splitlines(keepends=True), 1):
            self._starts.append(offset)
            offset += len(line)
            first = self._TOKEN.match(line)
            if first and first.group(0).startswith("<"):
                self.first_token.setdefault(first.group(0), number)
            elif first:
                token = first.group(0)
                for colon in (i for i, c in enumerate(token) if c == ":"):
                    self.first_token.setdefault(token[colon:], number)
            for name in self._COLON_NAME.finditer(line):
                start, end = name.span(1)
                for stop in range(start + 1, end + 1):
                    if _word_boundary(line, stop):
                        self.after_colon.setdefault(line[start:stop], number)

    def line_of(self, iri: str) -> int | None:
        """The first line starting with `<iri>` or `prefix:name`, else the first with `:name`."""
        tail = re.split(r"[/#]", iri)[-1]
        starts = [n for n in (self.first_token.get(f"<{iri}>"), self.first_token.get(":" + tail)) if n]
        return min(starts) if starts else self.after_colon.get(tail)

    def text_line(self, text: str) -> int | None:
        found = self._text.find(text)
        return bisect.bisect_right(self._starts, found) if found >= 0 else None


def _word_boundary(line: str, at: int) -> bool:
    """Whether a regular expression's `\\b` holds at offset `at` of `line`."""
    before = at > 0 and (line[at - 1].isalnum() or line[at - 1] == "_")
    after = at < len(line) and (line[at].isalnum() or line[at] == "_")
    return before != after


def _report(focus: rdflib.term.Node, message: str, locator: Locator) -> Problem:
    """A problem at the node's description; a blank node is reported at the node that holds it."""
    message = re.sub(r"https://w3id\.org/derbygraph/(id/|ontology#)", "", message)
    owner = locator.owner(focus) if isinstance(focus, rdflib.BNode) else focus
    file, line = locator.locate(owner if owner is not None else focus)
    label = re.split(r"[/#]", str(owner))[-1] if isinstance(owner, rdflib.URIRef) else "a blank node"
    return Problem(file, line, f"{label}: {message}")


def check_shapes(graph: rdflib.Graph, locator: Locator) -> list[Problem]:
    """Run ontology/shapes.ttl over `graph` (asserted plus inferred triples) with pySHACL."""
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
        problems.append(_report(focus, str(report.value(result, SH.resultMessage) or "violates a shape"), locator))
    return _in_order(problems)


# --- the shapes as SPARQL -------------------------------------------------------------------


class Unsupported(Exception):
    """The shapes use SHACL that the SPARQL translation does not cover: pySHACL checks them."""


# Lexical forms pySHACL also refuses for a datatype (an ill-typed literal breaks sh:datatype).
_LEXICAL = {
    vocab.XSD + "gYear": r"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    vocab.XSD + "gYearMonth": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    vocab.XSD + "date": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    vocab.XSD + "integer": r"^[+-]?[0-9]+$",
    vocab.XSD + "boolean": r"^(true|false|1|0)$",
    vocab.XSD + "hexBinary": r"^([0-9a-fA-F]{2})*$",
}
_DESCRIPTIVE = {RDF.type, rdflib.RDFS.label, rdflib.RDFS.comment, SH.message, SH.name, SH.description,
                SH.severity, SH.order, SH.group, SH.declare, SH.prefixes, SH.targetClass, SH.targetNode,
                SH.targetSubjectsOf, SH.targetObjectsOf, SH.sparql, SH.deactivated, SH.path,
                rdflib.OWL.imports}
_VALUE_COMPONENTS = {SH["class"], SH.datatype, SH.pattern, SH.flags, SH["in"], SH.node, SH["or"], SH["and"],
                     SH.xone, SH["not"], SH.nodeKind}
_COUNT_COMPONENTS = {SH.minCount, SH.maxCount, SH.hasValue, SH.qualifiedValueShape, SH.qualifiedMinCount,
                     SH.property}


def _term(node: rdflib.term.Node) -> str:
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return node.n3()
    raise Unsupported("a blank node as a value")


class _Compiler:
    """SPARQL conditions that hold when a variable's value conforms to a shape."""

    def __init__(self, shapes: rdflib.Graph, store: ox.Store | None = None):
        self.g, self.store = shapes, store
        self.count = 0
        self._subclasses: dict = {}

    def subclasses(self, cls) -> list[str]:
        """`cls` and every class below it in the data's rdfs:subClassOf hierarchy."""
        if cls not in self._subclasses:
            query = f"SELECT DISTINCT ?c WHERE {{ ?c <{rdflib.RDFS.subClassOf}>* {_term(cls)} }}"
            found = {f"<{row['c'].value}>" for row in self.store.query(query)
                     if isinstance(row["c"], ox.NamedNode)}
            self._subclasses[cls] = sorted(found | {_term(cls)})
        return self._subclasses[cls]

    def var(self) -> str:
        self.count += 1
        return f"?_v{self.count}"

    def items(self, node) -> list:
        return list(rdflib.collection.Collection(self.g, node))

    def path(self, node) -> str:
        if isinstance(node, rdflib.URIRef):
            return f"<{node}>"
        if self.g.value(node, RDF.first) is not None:
            return "/".join(self.path(i) for i in self.items(node))
        for predicate, shape in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"),
                                 (SH.oneOrMorePath, "({})+"), (SH.zeroOrOnePath, "({})?")):
            inner = self.g.value(node, predicate)
            if inner is not None:
                return shape.format(self.path(inner))
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(i) for i in self.items(alternatives)) + ")"
        raise Unsupported("a path")

    def _check_known(self, shape, top: bool = False) -> None:
        for predicate in set(self.g.predicates(shape)):
            if predicate not in _DESCRIPTIVE | _VALUE_COMPONENTS | _COUNT_COMPONENTS:
                raise Unsupported(str(predicate))
        if not top and self.g.value(shape, SH.sparql) is not None:
            raise Unsupported("a SPARQL constraint inside another shape")

    def conforms(self, shape, v: str) -> str:
        """The value `v` conforms to `shape` (every component of it)."""
        parts = [self.component(shape, c, v) for c in self.components(shape)]
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def components(self, shape, top: bool = False) -> list:
        self._check_known(shape, top)
        found = []
        if self.g.value(shape, SH.path) is not None:
            found.append(("property", shape))
        else:
            for predicate in (SH["class"], SH.datatype, SH.pattern, SH["in"], SH.node, SH["or"], SH["and"],
                              SH.xone, SH["not"], SH.nodeKind, SH.hasValue):
                found += [(predicate, o) for o in self.g.objects(shape, predicate)]
            found += [(SH.property, o) for o in self.g.objects(shape, SH.property)]
        return found

    def component(self, shape, component, v: str) -> str:
        kind, value = component
        if kind == "property":
            return self.property(shape, v)
        if kind == SH.property:
            return self.property(value, v)
        return self.node_condition(shape, kind, value, v)

    def node_condition(self, shape, kind, value, v: str) -> str:
        """One node-level component of `shape` holds for the value `v`."""
        if kind == SH["class"]:
            if self.store is None:
                return f"EXISTS {{ {v} <{RDF.type}>/<{rdflib.RDFS.subClassOf}>* {_term(value)} }}"
            t = self.var()  # the class and its subclasses, looked up once: far faster than a path per node
            return f"EXISTS {{ {v} <{RDF.type}> {t} FILTER({t} IN ({', '.join(self.subclasses(value))})) }}"
        if kind == SH.datatype:
            test = f"isLiteral({v}) && datatype({v}) = {_term(value)}"
            if str(value) in _LEXICAL:
                test += f" && regex(str({v}), \"{_LEXICAL[str(value)]}\")"
            return f"({test})"
        if kind == SH.pattern:
            flags = self.g.value(shape, SH.flags)
            extra = f", {rdflib.Literal(str(flags)).n3()}" if flags is not None else ""
            return f"(!isBlank({v}) && regex(str({v}), {rdflib.Literal(str(value)).n3()}{extra}))"
        if kind == SH["in"]:
            return f"({v} IN ({', '.join(_term(i) for i in self.items(value))}))"
        if kind == SH.hasValue:
            return f"sameTerm({v}, {_term(value)})"
        if kind == SH.nodeKind:
            tests = {SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
                     SH.BlankNodeOrIRI: "!isLiteral({v})", SH.BlankNodeOrLiteral: "!isIRI({v})",
                     SH.IRIOrLiteral: "!isBlank({v})"}
            return "(" + tests[value].format(v=v) + ")"
        if kind == SH.node:
            return self.conforms(value, v)
        if kind == SH["not"]:
            return f"!{self.conforms(value, v)}"
        members = [self.conforms(m, v) for m in self.items(value)]
        if kind == SH["or"]:
            return "(" + " || ".join(members) + ")"
        if kind == SH["and"]:
            return "(" + " && ".join(members) + ")"
        if kind == SH.xone:
            return "((" + " + ".join(f"IF({m}, 1, 0)" for m in members) + ") = 1)"
        raise Unsupported(str(kind))

    def property(self, shape, v: str) -> str:
        """Every component of the property shape `shape` holds for the focus `v`."""
        return "(" + " && ".join(self.property_parts(shape, v)) + ")"

    def property_parts(self, shape, v: str, top: bool = False) -> list[str]:
        self._check_known(shape, top)
        path, g, parts = self.path(self.g.value(shape, SH.path)), self.g, []
        minimum, maximum = g.value(shape, SH.minCount), g.value(shape, SH.maxCount)
        if minimum is not None and int(minimum) > 0:
            names = [self.var() for _ in range(int(minimum))]
            if len(names) > 3:
                raise Unsupported("sh:minCount above 3")
            distinct = " && ".join(f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1:])
            body = " . ".join(f"{v} {path} {n}" for n in names)
            parts.append(f"EXISTS {{ {body} {'FILTER(' + distinct + ')' if distinct else ''} }}")
        if maximum is not None:
            if int(maximum) == 0:
                parts.append(f"NOT EXISTS {{ {v} {path} {self.var()} }}")
            elif int(maximum) == 1:
                a, b = self.var(), self.var()
                parts.append(f"NOT EXISTS {{ {v} {path} {a} . {v} {path} {b} FILTER(!sameTerm({a}, {b})) }}")
            else:
                raise Unsupported("sh:maxCount above 1")
        for value in g.objects(shape, SH.hasValue):
            parts.append(f"EXISTS {{ {v} {path} {_term(value)} }}")
        qualified = g.value(shape, SH.qualifiedValueShape)
        if qualified is not None:
            least = g.value(shape, SH.qualifiedMinCount)
            if least is None or int(least) > 1 or g.value(shape, SH.qualifiedMaxCount) is not None:
                raise Unsupported("qualified counts other than a minimum of 1")
            x = self.var()
            parts.append(f"EXISTS {{ {v} {path} {x} FILTER({self.conforms(qualified, x)}) }}")
        for kind in (SH["class"], SH.datatype, SH.pattern, SH["in"], SH.node, SH["or"], SH["and"], SH.xone,
                     SH["not"], SH.nodeKind):
            for value in g.objects(shape, kind):
                x = self.var()
                parts.append(f"NOT EXISTS {{ {v} {path} {x} FILTER(!{self.node_condition(shape, kind, value, x)}) }}")
        for nested in g.objects(shape, SH.property):
            x = self.var()
            parts.append(f"NOT EXISTS {{ {v} {path} {x} FILTER(!{self.property(nested, x)}) }}")
        return parts or ["true"]


def compile_shapes(shapes: rdflib.Graph, store: ox.Store | None = None) -> list[tuple[str, str, rdflib.term.Node]]:
    """(query, message, shape) for every constraint: the query's ?this are the focus nodes that break it.
    With `store`, class hierarchies are read from it once. Raises Unsupported when a shape uses
    SHACL the translation does not cover."""
    compiler, found = _Compiler(shapes, store), []
    g = shapes
    roots = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    for shape in sorted(roots, key=str):
        if g.value(shape, SH.deactivated) == rdflib.Literal(True):
            continue
        targets = [f"{{ ?this <{RDF.type}>/<{rdflib.RDFS.subClassOf}>* {_term(c)} }}"
                   for c in g.objects(shape, SH.targetClass)]
        targets += [f"{{ VALUES ?this {{ {_term(n)} }} }}" for n in g.objects(shape, SH.targetNode)]
        targets += [f"{{ ?this {_term(p)} [] }}" for p in g.objects(shape, SH.targetSubjectsOf)]
        targets += [f"{{ [] {_term(p)} ?this }}" for p in g.objects(shape, SH.targetObjectsOf)]
        if (shape, RDF.type, rdflib.RDFS.Class) in g or (shape, RDF.type, rdflib.OWL.Class) in g:
            targets.append(f"{{ ?this <{RDF.type}>/<{rdflib.RDFS.subClassOf}>* {_term(shape)} }}")
        if g.value(shape, SH.target) is not None:
            raise Unsupported("sh:target")
        if not targets:
            continue
        focus = " UNION ".join(targets)
        own = str(g.value(shape, SH.message) or "")

        def add(condition: str, message: str | None, where=shape) -> None:
            found.append((f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(!{condition}) }}",
                          message or f"violates {where}", shape))

        if g.value(shape, SH.path) is not None:  # a property shape with targets of its own
            for part in compiler.property_parts(shape, "?this", top=True):
                add(part, own)
            continue
        for kind, value in compiler.components(shape, top=True):
            if kind == SH.property:
                message = str(g.value(value, SH.message) or "") or None
                for part in compiler.property_parts(value, "?this"):
                    add(part, message, value)
            else:
                add(compiler.node_condition(shape, kind, value, "?this"), own)
        for constraint in g.objects(shape, SH.sparql):
            found.append((_sparql_constraint(g, constraint, focus), str(g.value(constraint, SH.message) or
                                                                          f"violates {shape}"), shape))
    return found


def _sparql_constraint(g: rdflib.Graph, constraint, focus: str) -> str:
    """A SPARQL constraint over every focus node at once: its SELECT joined with the targets.
    Sound for constraints that bind $this in a triple pattern, as the shapes' constraints do."""
    select = str(g.value(constraint, SH.select) or "")
    if not select or g.value(constraint, SH.deactivated) == rdflib.Literal(True):
        raise Unsupported("a SPARQL constraint without sh:select")
    if re.search(r"\$(PATH|currentShape|shapesGraph|value)\b", select) or not re.search(r"\$this\s", select):
        raise Unsupported("SPARQL constraint variables other than $this")
    prologue = vocab.sparql_prologue()
    for declarer in g.objects(constraint, SH.prefixes):
        for declaration in g.objects(declarer, SH.declare):
            prologue += f"PREFIX {g.value(declaration, SH.prefix)}: <{g.value(declaration, SH.namespace)}>\n"
    body = select.replace("$this", "?this")
    return f"{prologue}SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }} {{ {body} }} }}"


def _fill(message: str, solution) -> str:
    """{?name} and {$name} in a SPARQL constraint's message, filled from its solution."""
    def value(match):
        try:
            term = solution[match.group(1)]
        except (KeyError, IndexError, TypeError):
            term = None
        return term.value if term is not None else match.group(0)
    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", value, message)


def check_shapes_fast(store: ox.Store, locator: Locator) -> list[Problem]:
    """Run ontology/shapes.ttl as SPARQL over every graph of `store` (asserted plus inferred)."""
    shapes = rdflib.Graph().parse(resources.shapes_file(), format="turtle")
    problems = []
    for query, message, _ in compile_shapes(shapes, store):
        for solution in store.query(query):
            focus = solution["this"]
            if isinstance(focus, ox.Literal):  # a value checked on its own; its owner is reported too
                continue
            node = rdflib.BNode(focus.value) if isinstance(focus, ox.BlankNode) else rdflib.URIRef(focus.value)
            problems.append(_report(node, _fill(message, solution), locator))
    return _in_order(problems)


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
    return _in_order(problems)


_QUOTED = """
CONSTRUCT { ?d a dg:SourceDocument ; dct:identifier ?name ; dg:sha256 ?digest .
            ?q oa:hasSource ?d2 ; oa:hasSelector ?s . ?s oa:exact ?exact }
WHERE {
  { ?d a dg:SourceDocument OPTIONAL { ?d dct:identifier ?name } OPTIONAL { ?d dg:sha256 ?digest } }
  UNION { ?q oa:hasSource ?d2 OPTIONAL { ?q oa:hasSelector ?s OPTIONAL { ?s oa:exact ?exact } } }
}"""


def quoted(store: ox.Store) -> rdflib.Graph:
    """Just what the quote check reads: documents, quotations and their exact words."""
    return to_rdflib(store.query(vocab.sparql_prologue() + _QUOTED))


def check_coverage(found: Coverage, locator: Locator) -> list[Problem]:
    """A problem for each statement of the documents' data that no quotation supports."""
    return _in_order([_report(rdflib.URIRef(s.value), f"no quotation supports {_short(p)} {_short(o)} "
                              f"(add a quote holding its words, or dg:supports {_short(p)} on the quote that does)",
                              locator) for s, p, o in found.unquoted])


def _short(term) -> str:
    text = str(term)
    for prefix, namespace in vocab.PREFIXES.items():
        text = text.replace(f"<{namespace}", f"{prefix}:")
    return text.replace(">", "") if text.startswith(tuple(f"{p}:" for p in vocab.PREFIXES)) else text


def check(store: ox.Store, found: list[Source], sources_dir: Path | None = None) -> list[Problem]:
    """All checks on a built store; an empty list means the data is sound."""
    locator = Locator(store, found)
    try:
        problems = check_shapes_fast(store, locator)
    except Unsupported:
        problems = check_shapes(to_rdflib(store), locator)
    problems += check_coverage(Coverage.of(store), locator)
    if sources_dir is not None:
        problems += check_quotes(quoted(store), Path(sources_dir), locator)
    return problems
