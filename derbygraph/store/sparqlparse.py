"""The one reading of a SPARQL query: parsed (`sparqlgrammar`), measured, printed back.

The query check decides on this reading, and the engine is given the query printed from it,
never the client's text, so no engine can read the text differently from the check (a `<`
taken for an IRI by one and for less-than by the other, a `#` that starts a comment for one
only, an escape decoded by one only). The printed text is the tree's tokens separated by single
spaces: comments are gone; keywords are upper case; every prefix is renamed `p0:`, `p1:`...
(declared in the same order, the app's predeclared ones first when used), so the only bare
words left are the grammar's keywords and the word SERVICE appears only where the tree holds a
SERVICE; strings are written `"..."` with `\\u` escapes decoded (as pyoxigraph decodes them
inside strings and IRIs) and only the standard escapes; IRIs hold no escapes and no spaces, so
a `<` that is less-than, always spaced, never reads as the start of an IRI.

Depth is measured as the engine builds its tree: each bracket, group, function call and unary
operator is a level, and a left-deep chain (operands of `||`, `&&`, `+`, `*`, UNION branches,
the elements of a group that become nested joins, path sequences and alternatives, the members
of a list, the triple patterns of a basic pattern) is as deep as it is long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark import Token, Tree

from derbygraph.errors import BadInput

from .sparqlgrammar import parse

FORMS = {"select_query": "SELECT", "construct_query": "CONSTRUCT", "describe_query": "DESCRIBE",
         "ask_query": "ASK"}


@dataclass
class Reading:
    """A query as the check read it."""

    text: str                       # printed from the tree: what an engine is given
    form: str                       # SELECT, CONSTRUCT, DESCRIBE or ASK
    service: bool                   # the tree holds a SERVICE pattern
    depth: int                      # nesting as the engine builds it
    deepest: str                    # the construct that makes it that deep
    tokens: list[str] = field(repr=False)
    dataset: list[tuple[int, int]] = field(repr=False)   # FROM clauses: token index ranges

    @property
    def states_dataset(self) -> bool:
        """The query names its own dataset (FROM or FROM NAMED)."""
        return bool(self.dataset)

    def mentions(self, keyword: str) -> bool:
        """The keyword (upper case) is one of the printed tokens."""
        return keyword in self.tokens

    def without_dataset(self) -> str:
        """The printed text with its FROM clauses left out."""
        dropped = {i for start, end in self.dataset for i in range(start, end)}
        return " ".join(t for i, t in enumerate(self.tokens) if i not in dropped)


def read(text: str, predeclared: dict[str, str]) -> Reading:
    """Parse, measure and print a query; BadInput says where it is not SPARQL, Update
    (403) that it is an update. `predeclared` are the prefixes a query may use undeclared."""
    return _Printer(predeclared).reading(parse(text))


# --- printing and measuring -------------------------------------------------------------------

_WEIGHTS = {  # levels a node adds; chains add their length less one (below)
    "group_graph_pattern": 1, "sub_select": 1, "bracketted_expression": 1, "builtin_call": 1,
    "function_call": 1, "aggregate": 1, "projected_expression": 1, "relational": 1, "unary": 1,
    "inverse_path": 1, "bracketted_path": 1, "negated_property_set": 1, "path_elt": 1,
    "blank_node_property_list": 1,
    "blank_node_property_list_path": 1, "group_condition": 1, "order_condition": 1,
}
_CHAINS = {
    "or_chain": "operands of ||", "and_chain": "operands of &&", "additive": "operands of + and -",
    "multiplicative": "operands of * and /", "group_or_union": "UNION branches",
    "group_graph_pattern_sub": "elements of one group (OPTIONAL, MINUS, BIND, VALUES, sub-groups, triples)",
    "path": "alternatives in a path (|)", "path_sequence": "steps in a path (/)",
    "collection": "members of a list ( ... )", "collection_path": "members of a list ( ... )",
}
_OBJECTS = frozenset({"object_list", "object_list_path"})
_BASIC_PATTERNS = frozenset({"triples_block", "triples_template"})
_NESTING = "brackets, groups, function calls and unary operators inside each other"
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_NOT_IN_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_CASE_SENSITIVE = frozenset({"a", "true", "false"})


class _Printer:
    """One query's printing: the prefix names given so far and the text printed."""

    def __init__(self, predeclared: dict[str, str]):
        self.predeclared = predeclared
        self.names: dict[str, tuple[list, str]] = {}  # prefix as written -> (its printed name, IRI)
        self.declared: list[list] = []                # printed names, in the order declared
        self.implied: list = []                       # declarations of predeclared prefixes used
        self.undeclared: list[str] = []

    def reading(self, tree: Tree) -> Reading:
        prologue, query = tree.children[0], tree.children[1]
        tokens = self._prologue(prologue)
        dataset: list[tuple[int, int]] = []
        depth, deepest, service = self._walk(tree.children[1:], tokens, dataset)
        if self.undeclared:
            raise BadInput(_undeclared_message(self.undeclared, self.predeclared))
        # Names in the order the printed text declares them, so that printing it again gives it back.
        for number, name in enumerate([self.implied[i + 1][0] for i in range(0, len(self.implied), 3)] + self.declared):
            name[0] = f"p{number}:"
        tokens = [t if type(t) is str else t[0][0] + t[1] for t in self.implied + tokens]
        offset = len(self.implied)
        dataset = [(start + offset, end + offset) for start, end in dataset]
        return Reading(" ".join(tokens), FORMS[query.data], service, depth, deepest, tokens, dataset)

    def _prologue(self, prologue: Tree) -> list:
        printed: list = []
        for declaration in prologue.children:
            keyword, *rest = declaration.children
            if declaration.data == "prefix_decl":
                name, iri = [""], _iri(rest[1].value)
                self.names[rest[0].value[:-1]] = (name, iri)
                self.declared.append(name)
                printed += ["PREFIX", (name, ""), iri]
            else:
                printed += ["BASE", _iri(rest[0].value)]
        return printed

    def _walk(self, roots: list, tokens: list[str], dataset: list) -> tuple[int, str, bool]:
        """Print the tokens under `roots` into `tokens`, and measure: (depth, deepest, service)."""
        order: list[Tree] = []
        stack = list(reversed(roots))
        service = False
        while stack:
            node = stack.pop()
            if type(node) is Token:
                tokens.append(self._token(node, tokens))
            elif type(node) is Tree:
                order.append(node)
                if node.data == "service_pattern":
                    service = True
                elif node.data == "dataset_clause":
                    stack.append(_Mark(dataset, len(tokens)))
                stack.extend(reversed(node.children))
            else:  # the end of a FROM clause
                node.dataset.append((node.start, len(tokens)))
        # id(node) -> (depth, longest chain, its kind, triple patterns within)
        measured: dict[int, tuple[int, int, str, int]] = {}
        for node in reversed(order):  # children before their parents
            depth, heaviest, label, patterns = 0, 0, _NESTING, 0
            for child in node.children:
                if type(child) is Tree:
                    child_depth, child_heaviest, child_label, child_patterns = measured[id(child)]
                    depth = max(depth, child_depth)
                    patterns += child_patterns
                    if child_heaviest > heaviest:
                        heaviest, label = child_heaviest, child_label
            name = node.data
            if name in _OBJECTS:  # each object makes a triple pattern (a verb-less one: a list member's)
                patterns += (len(node.children) + 1) // 2
            if name in _CHAINS:  # its operands, less one: they alternate with operators, or are
                weight = _operands(node) - 1  # a group's sub-trees, or a list's members (one more)
            elif name in _BASIC_PATTERNS:  # the engine joins a basic pattern's triples left-deep
                weight = patterns - 1
            else:
                weight = _WEIGHTS.get(name, 0)
            if weight > heaviest and (name in _CHAINS or name in _BASIC_PATTERNS):
                heaviest, label = weight, _CHAINS.get(name, "triple patterns of one basic pattern")
            measured[id(node)] = (depth + weight, heaviest, label, patterns)
        depth, heaviest, label, _ = max(measured[id(node)] for node in roots if type(node) is Tree)
        return depth, label if heaviest > 1 else _NESTING, service

    def _token(self, token: Token, tokens: list[str]) -> str:
        kind, value = token.type, token.value
        if kind == "IRIREF":
            return _iri(value)
        if kind in ("PNAME_LN", "PNAME_NS"):
            return self._prefixed(value)
        if kind.startswith("STRING_LITERAL"):
            return _string(value, 3 if "LONG" in kind else 1)
        if kind == "LANGTAG":  # written against its string
            tokens[-1] += value
            return tokens.pop()
        if kind == "NIL" or value == "(":
            opening = "()" if kind == "NIL" else "("
            if tokens and type(tokens[-1]) is str and tokens[-1] in _FUNCTIONS:  # pyoxigraph refuses `COALESCE (`
                tokens[-1] += opening
                return tokens.pop()
            return opening
        if kind == "ANON":
            return "[]"
        if kind in _VERBATIM or value in _CASE_SENSITIVE:
            return value
        return value.upper()

    def _prefixed(self, value: str):
        """A prefixed name under its printed prefix (a [name] filled in at the end), or one IRI."""
        prefix, _, local = value.partition(":")
        if prefix not in self.names:
            if prefix not in self.predeclared:
                if prefix not in self.undeclared:
                    self.undeclared.append(prefix)
                return value
            name, iri = [""], f"<{self.predeclared[prefix]}>"
            self.names[prefix] = (name, iri)
            self.implied += ["PREFIX", (name, ""), iri]
        name, iri = self.names[prefix]
        if "\\" in local:  # `\.`, `\'`... as one plain IRI, which no engine can read two ways
            return iri[:-1] + _LOCAL_ESCAPE.sub(r"\1", local) + ">"
        return (name, local)


_FUNCTIONS = frozenset({
    "RAND", "NOW", "UUID", "STRUUID", "STRLEN", "STR", "LANG", "DATATYPE", "IRI", "URI", "ABS", "CEIL",
    "FLOOR", "ROUND", "UCASE", "LCASE", "ENCODE_FOR_URI", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES",
    "SECONDS", "TIMEZONE", "TZ", "MD5", "SHA1", "SHA256", "SHA384", "SHA512", "ISIRI", "ISURI", "ISBLANK",
    "ISLITERAL", "ISNUMERIC", "LANGMATCHES", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER",
    "STRLANG", "STRDT", "SAMETERM", "SUBSTR", "REGEX", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "REPLACE", "IF",
    "BOUND", "BNODE", "CONCAT", "COALESCE", "COUNT", "GROUP_CONCAT"})
_VERBATIM = frozenset({"VAR1", "VAR2", "INTEGER", "DECIMAL", "DOUBLE", "INTEGER_POSITIVE",
                       "DECIMAL_POSITIVE", "DOUBLE_POSITIVE", "INTEGER_NEGATIVE", "DECIMAL_NEGATIVE",
                       "DOUBLE_NEGATIVE", "BLANK_NODE_LABEL", "BOOLEAN"})


def _operands(chain: Tree) -> int:
    if chain.data == "group_graph_pattern_sub":
        return sum(type(c) is Tree for c in chain.children)
    if chain.data.startswith("collection"):  # an RDF list nests one level per member, in brackets
        return len(chain.children)
    return (len(chain.children) + 1) // 2


class _Mark:
    """Where a FROM clause started, on the walk's stack until its tokens are printed."""

    def __init__(self, dataset: list, start: int):
        self.dataset, self.start = dataset, start


def _decode(body: str) -> str:
    """A string's or an IRI's text with its escapes decoded (BadInput for a surrogate)."""
    def one(match: re.Match) -> str:
        if match.group(3) is not None:
            return _ECHAR[match.group(3)]
        point = int(match.group(1) or match.group(2), 16)
        if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
            raise BadInput(f"\\u{point:04X} is not a character: a query may not hold it")
        return chr(point)
    return _ESCAPE.sub(one, body) if "\\" in body else body


def _string(written: str, quotes: int) -> str:
    value = _decode(written[quotes:-quotes])
    if quotes == 1 and written[0] == '"' and value == written[1:-1]:
        return written
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _iri(written: str) -> str:
    if "\\" not in written:
        return written
    value = _decode(written[1:-1])
    bad = _NOT_IN_IRI.search(value)
    if bad:
        raise BadInput(f"an IRI may not hold {bad.group()!r}, even written as an escape: {written}")
    return f"<{value}>"


def _undeclared_message(prefixes: list[str], predeclared: dict[str, str]) -> str:
    said = f"the prefix {prefixes[0]}: is" if len(prefixes) == 1 else \
        "the prefixes " + ", ".join(f"{p}:" for p in prefixes) + " are"
    return (f"{said} not declared: add PREFIX {prefixes[0]}: <...>; "
            f"predeclared are {', '.join(predeclared)}")


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def holds_service(printed: str) -> bool:
    """Whether a printed query (strings written `"..."`, tokens spaced) holds the keyword SERVICE."""
    return "SERVICE" in printed and "SERVICE" in _STRING.sub(" ", printed).split()
