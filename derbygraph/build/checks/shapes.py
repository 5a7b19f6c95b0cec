"""The SHACL shapes of ontology/shapes.ttl, checked on a built store.

The shapes run as SPARQL on the store (`check_shapes_fast`): each constraint becomes one query
that finds every focus node breaking it at once, which takes seconds on hundreds of thousands of
triples (the NHS ODS registry) where pySHACL, going node by node in Python, takes minutes. The
translation covers the SHACL the shapes use (class, datatype, pattern, min/max count, hasValue,
in, node, or/and/xone/not, qualified minimum counts, predicate/sequence/inverse/alternative paths,
SPARQL constraints); shapes using anything else are checked by pySHACL (`check_shapes`), which
stays the reference the tests compare with.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import rdflib
import rdflib.collection
from rdflib.namespace import RDF, SH

from derbygraph import resources, vocab

from .report import Locator, Problem, _in_order, _report


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
        message = str(report.value(result, SH.resultMessage) or "violates a shape")
        template = shapes.value(report.value(result, SH.sourceShape), SH.message)  # counted by the shape's words
        problems.append(_report(focus, message, locator, kind=str(template) if template else None))
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
            problems.append(_report(node, _fill(message, solution), locator, kind=message))
    return _in_order(problems)
