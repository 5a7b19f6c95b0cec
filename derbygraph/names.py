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


def _token_weight(query_token: str, name_tokens: tuple[str, ...], typos: frozenset[str]) -> float:
    """How well one query word is found among a name's words: 1 exact, less for a prefix or a
    typo (`typos`: the words close to it, looked up once per query, not once per name)."""
    best = 0.0
    for token in name_tokens:
        if token == query_token:
            return 1.0
        if len(query_token) >= 3 and token.startswith(query_token):
            best = max(best, 0.8)
        elif token in typos:
            best = max(best, 0.6)
    return best


def close_words(token: str, vocabulary: list[str]) -> frozenset[str]:
    """Words of `vocabulary` a typo of `token` may mean (four letters or more, 80% alike)."""
    if len(token) < 4:
        return frozenset()
    return frozenset(difflib.get_close_matches(token, vocabulary, n=8, cutoff=0.8))


def score(query: str | list[str], entry: Entry, typos: dict[str, frozenset[str]] | None = None) -> float:
    """0 (no match) to 1 (the name exactly); `query` as text or as its words."""
    tokens = words(query) if isinstance(query, str) else query
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
    if typos is None:
        typos = {t: close_words(t, list(entry.core)) for t in wanted}
    weights = [_token_weight(t, entry.core, typos.get(t, frozenset())) for t in wanted]
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
        self._exact: dict[tuple[str, ...], Entry] = {}
        for entry in entries:  # the first entry of a name wins, as search's ordering would have it
            self._exact.setdefault(entry.tokens, entry)

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

    def _candidates(self, query: str) -> tuple[set[int], dict[str, frozenset[str]]]:
        """Entries sharing a word, a word's prefix or a likely typo with the query; and the typos."""
        found: set[int] = set()
        typos: dict[str, frozenset[str]] = {}
        for token in set(core(words(query))) or set(words(query)):
            found |= self._by_token.get(token, set())
            if len(token) >= 3:  # prefixes: "derb" finds "derbyshire"
                at = bisect.bisect_left(self._sorted_tokens, token)
                while at < len(self._sorted_tokens) and self._sorted_tokens[at].startswith(token):
                    found |= self._by_token[self._sorted_tokens[at]]
                    at += 1
            if token not in self._by_token:  # typos
                typos[token] = close_words(token, self._sorted_tokens)
                for close in typos[token]:
                    found |= self._by_token[close]
        return found, typos

    def search(self, query: str, limit: int = 10) -> list[Match]:
        """Organisations whose names match `query`, best first, one match per organisation."""
        best: dict[str, Match] = {}
        candidates, typos = self._candidates(query)
        tokens = words(query)
        for number in candidates:
            entry = self.entries[number]
            value = score(tokens, entry, typos)
            if value > 0 and (entry.org not in best or value > best[entry.org].score):
                best[entry.org] = Match(entry.org, value, entry.name)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.name, m.iri))
        return ranked[:limit]

    def resolve(self, query: str) -> Match | None:
        """The organisation a name, former name, acronym, code or IRI most likely means."""
        query = query.strip()
        if query in self._names:
            return Match(query, 1.0, self._names[query][0])
        exact = self._exact.get(tuple(words(query)))
        if exact is not None:  # a name as written: no need to weigh every candidate
            return Match(exact.org, 1.0, exact.name)
        found = self.search(query, limit=1)
        return found[0] if found and found[0].score >= RESOLVE_AT else None
