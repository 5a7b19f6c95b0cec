"""Query solutions read into Python in one call, for the server's own threads.

pyoxigraph gives the interpreter up on every row it hands over while iterating solutions, and
a thread that gives it up waits for it again while another thread computes (Python's switch
interval, each time). Iterated row by row beside one busy thread, 5,000 rows took 33 s instead
of 50 ms, and a lineage of a few hundred rows took most of a second during a flood of other
requests. Serialised to SPARQL JSON in one call and read with `json`, the same rows take
100 ms beside a busy thread. Query workers, alone in their processes, still iterate.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

JSON = ox.QueryResultsFormat.JSON


class Solutions(list):
    """The rows of a SELECT, with its `variables` as pyoxigraph gives them."""

    def __init__(self, rows: list, variables: list[ox.Variable]):
        super().__init__(rows)
        self.variables = variables


class Row:
    """One solution, read as pyoxigraph's: by variable (name, `Variable` or position), iterated
    in the order of the variables; an unbound variable reads as None."""

    __slots__ = ("values", "positions")

    def __init__(self, values: list, positions: dict[str, int]):
        self.values, self.positions = values, positions

    def __getitem__(self, key: int | str | ox.Variable):
        if isinstance(key, int):
            return self.values[key]
        position = self.positions.get(key.value if isinstance(key, ox.Variable) else key)
        return None if position is None else self.values[position]

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def read(results):
    """SELECT solutions as `Solutions`, a list of `Row`; a boolean (ASK) as bool; graph triples as a list."""
    if isinstance(results, ox.QueryBoolean):
        return bool(results)
    if not isinstance(results, ox.QuerySolutions):
        return list(results)
    return from_json(results.serialize(format=JSON))


def from_json(document: bytes):
    """SPARQL JSON results (as `read` serialises them, or as a build kept them) as `Solutions`,
    or an ASK's bool."""
    parsed = json.loads(document)
    if "boolean" in parsed:
        return bool(parsed["boolean"])
    names = parsed["head"].get("vars", [])
    positions = {name: position for position, name in enumerate(names)}
    terms = _Terms()
    return Solutions([Row([terms.of(binding[name]) if name in binding else None for name in names], positions)
                      for binding in parsed["results"]["bindings"]], [ox.Variable(name) for name in names])


class _Terms:
    """SPARQL JSON terms as pyoxigraph terms, each IRI made once per answer."""

    def __init__(self):
        self.iris: dict[str, ox.NamedNode] = {}

    def iri(self, value: str) -> ox.NamedNode:
        found = self.iris.get(value)
        if found is None:
            found = self.iris[value] = ox.NamedNode(value)
        return found

    def of(self, term: dict):
        kind, value = term["type"], term["value"]
        if kind == "uri":
            return self.iri(value)
        if kind == "literal" and "its:dir" not in term:
            if "xml:lang" in term:
                return ox.Literal(value, language=term["xml:lang"])
            datatype = term.get("datatype")
            return ox.Literal(value, datatype=self.iri(datatype)) if datatype else ox.Literal(value)
        if kind == "bnode":
            return ox.BlankNode(value)
        # a quoted triple or a literal with a base direction (RDF 1.2): read by pyoxigraph itself
        document = {"head": {"vars": ["t"]}, "results": {"bindings": [{"t": term}]}}
        return next(iter(ox.parse_query_results(json.dumps(document).encode(), JSON)))["t"]
