"""Canned queries: files in queries/*.rq with a comment header, then SPARQL.

    # title: What an organisation was called on a date
    # description: The name in force on a date, with its source.
    # param: org organisation  The organisation, by any of its names
    # param: date date  A date as YYYY, YYYY-MM or YYYY-MM-DD (default: 2002)

Parameters are bound to the query's variables of the same name by a VALUES block at the top
of the WHERE clause, so every query also runs as plain SPARQL with the variable left free. A
parameter must be used in the top-level group (as a join variable, or in a top-level FILTER).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from derbygraph import dates, resources, vocab
from derbygraph.answers.names import NameIndex
from derbygraph.errors import BadInput, NotFound

KINDS = ("organisation", "iri", "string", "date", "integer")
_HEADER = re.compile(r"^#\s*(title|description|param):\s*(.*)$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_PARAM = re.compile(r"^(\w+)\s+(\w+)\s+(.*?)(?:\s*\(default:\s*(.*)\))?$")


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    description: str
    default: str | None = None


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = field(default=())

    def render(self, dataset, values: dict[str, str]) -> str:
        """The query with its parameters bound by a VALUES block opening its WHERE clause (plain
        SPARQL 1.1, so it runs on any store); defaults fill what is not given."""
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise BadInput(f"{self.name} has no parameter {', '.join(sorted(unknown))}; "
                             f"it takes: {', '.join(p.name for p in self.parameters) or 'none'}")
        bound = {}
        for parameter in self.parameters:
            value = values.get(parameter.name) or parameter.default
            if value:
                bound[parameter.name] = str(_term(dataset, parameter, value))
        if not bound:
            return self.text
        block = f"VALUES ({' '.join(f'?{name}' for name in bound)}) {{ ({' '.join(bound.values())}) }}"
        where = _WHERE.search(self.text)
        return f"{self.text[:where.end()]}\n  {block}{self.text[where.end():]}"


def _term(dataset, parameter: Parameter, value: str):
    value = value.strip()
    if parameter.kind == "organisation":
        match = NameIndex.of(dataset).resolve(value)
        if match is None:
            raise NotFound(f"{parameter.name}: no organisation matches {value!r}")
        return ox.NamedNode(match.iri)
    if parameter.kind == "iri":
        if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", value, re.IGNORECASE):
            raise BadInput(f"{parameter.name}: {value!r} is not an IRI")
        return ox.NamedNode(value)
    if parameter.kind == "date":
        try:
            value = dates.parse(value)
        except dates.BadDate as error:
            raise BadInput(f"{parameter.name}: {error}") from None
        datatype = {4: "gYear", 7: "gYearMonth", 10: "date"}[len(value)]
        return ox.Literal(value, datatype=ox.NamedNode(vocab.XSD + datatype))
    if parameter.kind == "integer":
        if not re.fullmatch(r"-?\d{1,18}", value):
            raise BadInput(f"{parameter.name}: {value!r} is not a whole number")
        return ox.Literal(value, datatype=ox.NamedNode(vocab.XSD + "integer"))
    return ox.Literal(value)


def parse(name: str, text: str) -> CannedQuery:
    header = {"title": name, "description": ""}
    parameters = []
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            if line.strip() and not line.lstrip().startswith("#"):
                break
            continue
        key, value = match.groups()
        if key == "param":
            spec = _PARAM.match(value.strip())
            if not spec or spec.group(2) not in KINDS:
                raise ValueError(f"{name}.rq: bad parameter line {value!r} (name kind description)")
            parameters.append(Parameter(spec.group(1), spec.group(2), spec.group(3), spec.group(4)))
        else:
            header[key] = value.strip()
    if parameters and not _WHERE.search(text):
        raise ValueError(f"{name}.rq: a query with parameters needs an explicit WHERE {{")
    return CannedQuery(name, header["title"], header["description"], text, tuple(parameters))


@lru_cache(maxsize=1)
def catalogue() -> dict[str, CannedQuery]:
    """Every canned query shipped with derbygraph, by name."""
    return {path.stem: parse(path.stem, path.read_text(encoding="utf-8"))
            for path in sorted(Path(resources.asset_dir("queries")).glob("*.rq"))}


def query_text(dataset, asked: str, values: dict[str, str]) -> str:
    """The SPARQL that `asked` means: a canned query's name (its parameters bound from `values`),
    a .rq or .sparql file, or the query itself."""
    canned = catalogue().get(asked)
    if canned:
        return canned.render(dataset, values)
    if values:
        raise BadInput(f"parameters work only with a canned query's name, not {asked[:40]!r}")
    if asked.endswith((".rq", ".sparql")):
        try:
            return Path(asked).read_text(encoding="utf-8")
        except OSError as error:
            raise BadInput(f"{asked}: {error.strerror or error}") from None
    return asked
