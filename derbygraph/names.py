"""Forgiving name resolution and search over every name an organisation has borne.

The index is built once when a dataset is opened: a token table over rdfs:label, the names of
name periods (and their variant spellings), acronyms and codes. A lookup touches only the
entries that share a token (or a token prefix) with the query, never every label.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import vocab

# Words that say what kind of body an organisation is, not which one: a researcher may
# leave them out or put them in ("Southern Derbyshire Trust").
STOP_WORDS = frozenset({"nhs", "trust", "foundation", "the", "of", "and", "for", "in"})

_NAME_SOURCES = """
SELECT DISTINCT ?org ?name ?kind WHERE {
  ?org a org:Organization .
  { ?org rdfs:label ?name BIND("label" AS ?kind) }
  UNION { ?org dg:hasNamePeriod ?period . ?period dg:name|skos:altLabel ?name BIND("name" AS ?kind) }
  UNION { ?org skos:altLabel ?name BIND("name" AS ?kind) }
  UNION { ?org dg:acronym|skos:notation ?name BIND("code" AS ?kind) }
}"""


# Every word of the query found in the name (a partial match scores below this and is only suggested).
RESOLVE_AT = 0.5


def words(text: str) -> list[str]:
    """Lower-case ASCII words: case, accents, apostrophes and punctuation forgiven."""
    text = text.replace("\u2019", "'").replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"national health service", "nhs", text)
    text = re.sub(r"'s\b", "s", text)
    return re.findall(r"[a-z0-9]+", text)


def core(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in STOP_WORDS]


@dataclass(frozen=True)
class Entry:
    org: str
    name: str
    kind: str  # label, name or code
    tokens: tuple[str, ...] = field(compare=False)
    core: tuple[str, ...] = field(compare=False)


@dataclass(frozen=True)
class Match:
    iri: str
    score: float
    name: str


def _token_weight(query_token: str, name_tokens: tuple[str, ...]) -> float:
    """How well one query word is found among a name's words: 1 exact, less for a prefix or typo."""
    best = 0.0
    for token in name_tokens:
        if token == query_token:
            return 1.0
        if len(query_token) >= 3 and token.startswith(query_token):
            best = max(best, 0.8)
        elif len(query_token) >= 4 and difflib.SequenceMatcher(None, query_token, token).ratio() >= 0.8:
            best = max(best, 0.6)
    return best


def score(query: str, entry: Entry) -> float:
    """0 (no match) to 1 (the name exactly)."""
    tokens = words(query)
    if not tokens:
        return 0.0
    if tuple(tokens) == entry.tokens:
        return 1.0
    wanted = core(tokens)
    if not wanted:
        return 0.0
    if tuple(wanted) == entry.core:
        return 0.95
    if entry.kind == "code":  # acronyms and codes match whole, as handled above
        return 0.0
    if len(wanted) == 1 and wanted[0] == _initials(entry):
        return 0.9
    weights = [_token_weight(t, entry.core) for t in wanted]
    found = [w for w in weights if w > 0]
    if not entry.core or len(found) < max(1, (len(wanted) + 1) // 2):
        return 0.0
    coverage = sum(weights) / len(wanted)
    precision = min(1.0, len(found) / len(entry.core))
    full = len(found) == len(wanted)
    return round((0.5 if full else 0.25) + 0.4 * coverage * precision ** 0.5, 4)


def _initials(entry: Entry) -> str:
    return "".join(t[0] for t in entry.core) if len(entry.core) > 1 else ""


class NameIndex:
    """Every name of every organisation, searchable by forgiving word match."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._by_token: dict[str, set[int]] = defaultdict(set)
        self._names: dict[str, list[str]] = defaultdict(list)
        for number, entry in enumerate(entries):
            for token in set(entry.core) | {_initials(entry)} - {""}:
                self._by_token[token].add(number)
            if entry.kind != "code" and entry.name not in self._names[entry.org]:
                self._names[entry.org].append(entry.name)
        self._sorted_tokens = sorted(self._by_token)

    @classmethod
    def from_dataset(cls, dataset) -> "NameIndex":
        entries = []
        for row in dataset.query(vocab.sparql_prologue() + _NAME_SOURCES):
            org, name, kind = row["org"], row["name"].value, row["kind"].value
            if isinstance(org, ox.NamedNode):
                tokens = tuple(words(name))
                entries.append(Entry(org.value, name, kind, tokens, tuple(core(list(tokens)))))
        entries.sort(key=lambda e: (e.org, e.kind != "label", e.name))
        return cls(entries)

    def names_of(self, org: str) -> list[str]:
        return list(self._names.get(org, []))

    def organisations(self) -> list[str]:
        return sorted(self._names)

    def _candidates(self, query: str) -> set[int]:
        found: set[int] = set()
        for token in set(core(words(query))) or set(words(query)):
            found |= self._by_token.get(token, set())
            if len(token) >= 3:  # prefixes: "derb" finds "derbyshire"
                at = bisect.bisect_left(self._sorted_tokens, token)
                while at < len(self._sorted_tokens) and self._sorted_tokens[at].startswith(token):
                    found |= self._by_token[self._sorted_tokens[at]]
                    at += 1
            if len(token) >= 4 and token not in self._by_token:  # typos
                for close in difflib.get_close_matches(token, self._sorted_tokens, n=5, cutoff=0.8):
                    found |= self._by_token[close]
        return found

    def search(self, query: str, limit: int = 10) -> list[Match]:
        """Organisations whose names match `query`, best first, one match per organisation."""
        best: dict[str, Match] = {}
        for number in self._candidates(query):
            entry = self.entries[number]
            value = score(query, entry)
            if value > 0 and (entry.org not in best or value > best[entry.org].score):
                best[entry.org] = Match(entry.org, value, entry.name)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.name, m.iri))
        return ranked[:limit]

    def resolve(self, query: str) -> Match | None:
        """The organisation a name, former name, acronym, code or IRI most likely means."""
        query = query.strip()
        if query in self._names:
            return Match(query, 1.0, self._names[query][0])
        found = self.search(query, limit=1)
        return found[0] if found and found[0].score >= RESOLVE_AT else None
