"""Forgiving name resolution and search over every name an organisation has borne.

The index is built once when a dataset is opened: a token table over rdfs:label, the names of
name periods (and their variant spellings, with the dates each was borne), acronyms and codes.
A lookup touches only the entries that share a token (or a token prefix) with the query, never
every label.

The matching policy lives here and nowhere else: how close is "the name itself", when a best
match is too close to the next one to pick silently (`choose`), and what the pages, the CLI and the
reconciliation service say about the choice they made (`Choice.reason`).
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import dates, vocab

# Words that say what kind of body an organisation is, not which one: a researcher may
# leave them out or put them in ("Southern Derbyshire Trust").
STOP_WORDS = frozenset({"nhs", "trust", "foundation", "the", "of", "and", "for", "in"})

# Short words people write for longer ones in organisations' names: "DHCFT" is Derbyshire
# HealthCare Foundation Trust, so "healthcare" counts as two initials.
COMPOUNDS = {"healthcare": ("health", "care"), "childrens": ("children",)}

# Short forms NHS spreadsheets write, read as the words they stand for, in names and queries alike,
# so "Derbyshire Healthcare NHS FT", "Chesterfield Royal Hosp" and "Southern Derbys MH Tr" are the
# names themselves. Only forms that mean one thing in an NHS body's name ("St" may be Saint or
# Street, "HC" health centre or healthcare: left alone).
ABBREVIATIONS = {
    "ft": ("foundation", "trust"), "nhsft": ("nhs", "foundation", "trust"), "nhst": ("nhs", "trust"),
    "tr": ("trust",), "pct": ("primary", "care", "trust"), "ccg": ("clinical", "commissioning", "group"),
    "icb": ("integrated", "care", "board"), "mh": ("mental", "health"), "hosp": ("hospital",),
    "hosps": ("hospitals",), "univ": ("university",), "uni": ("university",), "hlth": ("health",),
    "comm": ("community",), "cmty": ("community",), "svcs": ("services",), "servs": ("services",),
    "derbys": ("derbyshire",), "nottm": ("nottingham",), "ctr": ("centre",), "center": ("centre",),
    "sth": ("south",), "nth": ("north",), "gen": ("general",), "inf": ("infirmary",),
}

ORGANISATIONS = "?thing a org:Organization ."
SITES = "?thing a org:Site ."

_NAME_SOURCES = """
SELECT DISTINCT ?thing ?name ?kind ?start ?end WHERE {
  %s
  { ?thing rdfs:label ?name BIND("label" AS ?kind) }
  UNION { ?thing dg:hasNamePeriod ?period . ?period dg:name ?name BIND("name" AS ?kind)
          OPTIONAL { ?period dg:start ?start } OPTIONAL { ?period dg:end ?end } }
  UNION { ?thing dg:hasNamePeriod ?period . ?period skos:altLabel ?name BIND("variant" AS ?kind)
          OPTIONAL { ?period dg:start ?start } OPTIONAL { ?period dg:end ?end } }
  UNION { ?thing skos:altLabel ?name BIND("variant" AS ?kind) }
  UNION { ?thing dg:acronym|skos:notation ?name BIND("code" AS ?kind) }
}"""


# Every word of the query found in the name (a partial match scores below this and is only suggested).
RESOLVE_AT = 0.5
# The name itself, give or take "NHS", "Trust", case and punctuation: picked without asking.
EXACT_AT = 0.95
# The initials of a name ("DHCFT"): sure enough to pick, not so sure as the name itself.
ACRONYM = 0.9
# A best match this close to the next organisation's is a tie: the user is asked, or told.
TIE_WITHIN = 0.05


def words(text: str) -> list[str]:
    """Lower-case ASCII words: case, accents, apostrophes and punctuation forgiven, short forms
    spelt out (`ABBREVIATIONS`)."""
    text = text.replace("\u2019", "'").replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"national health service", "nhs", text)
    text = re.sub(r"'s\b", "s", text)
    return [word for token in re.findall(r"[a-z0-9]+", text) for word in ABBREVIATIONS.get(token, (token,))]


def core(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in STOP_WORDS]


@dataclass(frozen=True)
class Entry:
    org: str
    name: str
    kind: str  # label, name (of a name period), variant (a spelling of one) or code
    tokens: tuple[str, ...] = field(compare=False)
    core: tuple[str, ...] = field(compare=False)
    start: str | None = None  # when the name was borne, for the name of a dated name period
    end: str | None = None

    def borne_at(self, at: str) -> bool:
        """The name was in force at `at`, as its period says (a label or code has no period)."""
        return self.kind in ("name", "variant") and (self.start or self.end) is not None \
            and dates.in_force(at, self.start, self.end)


@dataclass(frozen=True)
class Match:
    iri: str
    score: float
    name: str
    borne_at: bool = False  # with a date asked for: the matched name was in force then
    field: str = "name"  # what matched: a name (or label, or spelling of one), or a "code" or acronym


@dataclass(frozen=True)
class Choice:
    """What a name query picked, the others it might have meant, and why: said to the user."""

    query: str
    best: Match | None
    others: tuple[Match, ...] = ()  # other organisations the query may mean (when best is not exact)

    @property
    def exact(self) -> bool:
        return self.best is not None and self.best.score >= EXACT_AT

    @property
    def initials(self) -> bool:
        """The query was read as the initials of the name picked."""
        return self.best is not None and self.best.score == ACRONYM

    @property
    def ties(self) -> tuple[Match, ...]:
        """Others that fit within TIE_WITHIN of the best, as well dated: too close to pick silently."""
        return tuple(o for o in self.others if self.best.score - o.score <= TIE_WITHIN and o.borne_at == self.best.borne_at)

    def reason(self) -> str:
        """One sentence: which organisation, by which name, and how sure."""
        if self.best is None:
            return f"no organisation matches {self.query!r}"
        score = self.best.score
        how = ("it is that name" if score >= 1.0 else "it is that name, give or take NHS/Trust/Foundation"
               if self.exact else "the query is its initials" if self.initials
               else f"it is the closest match (score {score:.2f})")
        said = f"picked {self.best.name!r} because {how}"
        if self.ties:
            said += f"; {len(self.ties)} other{'s' if len(self.ties) > 1 else ''} fit about as well: " + \
                ", ".join(repr(o.name) for o in self.ties)
        elif self.others:
            said += f"; next best {self.others[0].name!r} ({self.others[0].score:.2f})"
        return said


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
    if len(wanted) == 1 and wanted[0] in _initials(entry):
        return ACRONYM
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


@functools.lru_cache(maxsize=None)
def _initials(entry: Entry) -> frozenset[str]:
    """The acronyms people make of a name: of its distinctive words ("DCHS"), of all but "NHS"
    ("DHCFT") and of every word, with compounds ("healthcare") counting as their parts."""
    if entry.kind == "code" or len(entry.core) < 2:
        return frozenset()
    spelt = [part for token in entry.tokens for part in COMPOUNDS.get(token, (token,))]
    found = {"".join(t[0] for t in entry.core),
             "".join(t[0] for t in spelt if t != "nhs"),
             "".join(t[0] for t in spelt),
             "".join(t[0] for t in spelt if t not in ("nhs", "the", "of", "and", "for", "in"))}
    return frozenset(a for a in found if len(a) > 1)


class NameIndex:
    """Every name of every organisation, searchable by forgiving word match."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._by_token: dict[str, set[int]] = defaultdict(set)
        self._names: dict[str, list[str]] = defaultdict(list)
        self._periods: dict[str, list[int]] = defaultdict(list)
        for number, entry in enumerate(entries):
            for token in set(entry.core) | _initials(entry):
                self._by_token[token].add(number)
            if entry.kind != "code" and entry.name not in self._names[entry.org]:
                self._names[entry.org].append(entry.name)
            if entry.kind == "name" and (entry.start or entry.end):
                self._periods[entry.org].append(number)
        self._sorted_tokens = sorted(self._by_token)
        self._exact: dict[tuple[str, ...], Entry] = {}
        for entry in entries:  # the first entry of a name wins, as search's ordering would have it
            self._exact.setdefault(entry.tokens, entry)

    @classmethod
    def from_dataset(cls, dataset, things: str = ORGANISATIONS) -> "NameIndex":
        """The names of every organisation (or, with `things=SITES`, every site)."""
        entries = []
        for row in dataset.query(vocab.sparql_prologue() + _NAME_SOURCES % things):
            org, name, kind = row["thing"], row["name"].value, row["kind"].value
            if isinstance(org, ox.NamedNode):
                tokens = tuple(words(name))
                entries.append(Entry(org.value, name, kind, tokens, tuple(core(list(tokens))),
                                     row["start"].value if row["start"] else None,
                                     row["end"].value if row["end"] else None))
        entries.sort(key=lambda e: (e.org, e.kind != "label", e.start or "", e.name))
        return cls(entries)

    def periods_of(self, org: str) -> list[Entry]:
        """The dated names of `org`, oldest first."""
        return [self.entries[n] for n in self._periods.get(org, [])]

    def name_at(self, org: str, at: str) -> str | None:
        """The name `org` bore at `at`, where a dated name period says so."""
        borne = [e for e in self.periods_of(org) if e.borne_at(at)]
        return borne[-1].name if borne else None

    def names_of(self, org: str) -> list[str]:
        return list(self._names.get(org, []))

    def organisations(self) -> list[str]:
        return sorted(self._names)

    def _candidates(self, query: str, every_word: bool = False) -> tuple[set[int], dict[str, frozenset[str]]]:
        """Entries sharing a word, a word's prefix or a likely typo with the query (with
        `every_word`, with each of its words); and the typos."""
        each: list[set[int]] = []
        typos: dict[str, frozenset[str]] = {}
        for token in set(core(words(query))) or set(words(query)):
            found = set(self._by_token.get(token, ()))
            if len(token) >= 3:  # prefixes: "derb" finds "derbyshire"
                at = bisect.bisect_left(self._sorted_tokens, token)
                while at < len(self._sorted_tokens) and self._sorted_tokens[at].startswith(token):
                    found |= self._by_token[self._sorted_tokens[at]]
                    at += 1
            if token not in self._by_token:  # typos
                typos[token] = close_words(token, self._sorted_tokens)
                for close in typos[token]:
                    found |= self._by_token[close]
            each.append(found)
        if not each:
            return set(), typos
        return (set.intersection(*each) if every_word else set.union(*each)), typos

    def scored(self, query: str) -> list[tuple[Entry, float]]:
        """Every name matching `query` with its score, best first: each name of an organisation on
        its own, for a caller that weighs each name's dates (reconciliation)."""
        tokens = words(query)
        candidates, typos = self._candidates(query)
        found = ((self.entries[number], score(tokens, self.entries[number], typos)) for number in candidates)
        return sorted((f for f in found if f[1] > 0), key=lambda f: (-f[1], f[0].org, f[0].name))

    def search(self, query: str, limit: int = 10, at: str | None = None, resolvable: bool = False) -> list[Match]:
        """Organisations whose names match `query`, best first, one match per organisation (with
        `resolvable`, only matches good enough to resolve: what `choose` reads).

        With `at` (a date), among the matches good enough to resolve, a name borne then outranks
        any name that was not: the body that bore the name at that time comes first, and its match
        says so (`borne_at`).
        """
        best: dict[str, tuple[tuple, Match]] = {}
        tokens = words(query)
        # A name lacking one of the query's words scores at most 0.25 + 0.4 (n - 1) / n (`score`),
        # below RESOLVE_AT for n <= 2 words: then only the names holding every word can resolve,
        # and they are all there is to score (a two-word name among 100,000 is a few entries).
        candidates, typos = self._candidates(query, every_word=resolvable and len(core(tokens)) <= 2)
        for number in candidates:
            entry = self.entries[number]
            value = score(tokens, entry, typos)
            if value <= 0:
                continue
            match = Match(entry.org, value, entry.name, at is not None and entry.borne_at(at),
                          "code" if entry.kind == "code" else "name")
            # An organisation's match is its best as the list ranks them (good enough to resolve,
            # borne then, score), and among equals a name as the sources give it before a variant.
            rank = (match.score >= RESOLVE_AT, match.borne_at, match.score, entry.kind != "variant")
            held = best.get(entry.org)
            if held is None or rank > held[0]:
                best[entry.org] = (rank, match)
        ranked = sorted((m for _, m in best.values() if m.score >= RESOLVE_AT or not resolvable),
                        key=lambda m: (m.score < RESOLVE_AT, not m.borne_at, -m.score, m.name, m.iri))
        return ranked[:limit]

    def choose(self, query: str, same=lambda org: org, at: str | None = None, limit: int = 8) -> Choice:
        """The organisation `query` most likely means and, unless it is named exactly, the other
        organisations (of other lineages, by `same`) good enough to resolve, best first."""
        query = query.strip()
        if query in self._names:  # an organisation's IRI
            return Choice(query, Match(query, 1.0, self._names[query][0]))
        exact = self._exact.get(tuple(words(query))) if at is None else None
        if exact is not None:  # a name as written: no need to weigh every candidate
            return Choice(query, Match(exact.org, 1.0, exact.name))
        found = self.search(query, limit, at, resolvable=True)
        if not found:
            return Choice(query, None)
        best = found[0]
        if best.score >= EXACT_AT:
            return Choice(query, best)
        chosen, others = {same(best.iri)}, []
        for match in found[1:]:
            if same(match.iri) not in chosen:
                chosen.add(same(match.iri))
                others.append(match)
        return Choice(query, best, tuple(others))

    def resolve(self, query: str) -> Match | None:
        """The organisation a name, former name, acronym, code or IRI most likely means."""
        return self.choose(query).best

def choose_lineage(service, query: str) -> Choice:
    """`NameIndex.choose` with the bodies of one lineage (`service`, a LineageService) counted as one:
    a trust and its later foundation trust are one history, not two choices."""
    return service.dataset.names.choose(query, same=lambda org: service.members(org)[-1])
