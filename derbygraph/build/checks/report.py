"""Where a problem is, and how it is said: `file:line: message`, pointing at the statement to fix.

The Locator finds the line of a node in the file its source graph came from, reading each file
once (`_LineIndex`), so a build that breaks thousands of shapes reports them in seconds.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib

from derbygraph import vocab
from derbygraph.build.sources import Source
from derbygraph.config import DEFAULT


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    message: str
    kind: str = field(default="", compare=False)  # the message without what varies: how problems are counted

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


def summary(problems: list[Problem], shown: int | None = DEFAULT.problems_shown) -> list[str]:
    """The report a person reads, whatever the size of the data: the first `shown` problems in
    full (every one when `shown` is None), then how many more of each kind."""
    lines = [str(p) for p in problems[:shown]]
    rest = problems[len(lines):]
    if rest:
        lines.append(f"... and {len(rest)} more problem(s), by kind (`derbygraph check --all` lists every one):")
        lines += [f"{count:>8} × {kind}" for kind, count in Counter(p.kind or p.message for p in rest).most_common()]
    return lines


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


def _report(focus: rdflib.term.Node, message: str, locator: Locator, kind: str | None = None) -> Problem:
    """A problem at the node's description; a blank node is reported at the node that holds it.
    `kind`: the message with nothing particular to this node (default: `message`)."""
    def short(text: str) -> str:
        return re.sub(r"https://w3id\.org/derbygraph/(id/|ontology#)", "", text)

    owner = locator.owner(focus) if isinstance(focus, rdflib.BNode) else focus
    file, line = locator.locate(owner if owner is not None else focus)
    label = re.split(r"[/#]", str(owner))[-1] if isinstance(owner, rdflib.URIRef) else "a blank node"
    return Problem(file, line, f"{label}: {short(message)}", short(kind or message))
