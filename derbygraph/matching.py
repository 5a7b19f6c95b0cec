"""The one rule for comparing names: a name as its words, its core (without the words that say
what kind of body it is), and how well a query's words fit a name (`score`, 0 to 1).

The name index (`derbygraph.answers.names`), search and the registry's comparison with the
documents all match by this rule, and nothing else does.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from derbygraph import dates

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

# Every word of the query found in the name (a partial match scores below this and is only suggested).
RESOLVE_AT = 0.5
# The name itself, give or take "NHS", "Trust", case and punctuation: picked without asking.
EXACT_AT = 0.95
# The initials of a name ("DHCFT"): sure enough to pick, not so sure as the name itself.
ACRONYM = 0.9
# What a query word weighs when a name holds it only as the start of a word ("derb"), or as a
# likely typo of one: in tenths, so that a search's bound on a score counts a typo's weight exactly
# (`names._bound`; a prefix it counts as a whole word).
PREFIX_TENTHS, TYPO_TENTHS = 8, 6
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


@dataclass(frozen=True, slots=True)
class Entry:
    org: str
    name: str
    kind: str  # label, name (of a name period), variant (a spelling of one) or code
    tokens: tuple[str, ...] = field(compare=False)
    core: tuple[str, ...] = field(compare=False)
    start: str | None = None  # when the name was borne, for the name of a dated name period
    end: str | None = None
    # when the name is in force, in days, as the build derived it (`dates.Window`, `derbygraph.build.derive`)
    window: dates.Window | None = field(default=None, compare=False)

    @property
    def dated(self) -> bool:
        """The sources support the name on some date (a label or code has no period)."""
        return self.kind in ("name", "variant") and self.window is not None and self.window.possibly_from is not None

    def borne_at(self, at: str) -> bool:
        """The name may have been in force at `at` (on some day of it), by the build's window."""
        return self.dated and self.window.may_hold(at)


def _token_weight(query_token: str, name_tokens: tuple[str, ...], typos: frozenset[str]) -> float:
    """How well one query word is found among a name's words: 1 exact, less for a prefix or a
    typo (`typos`: the words close to it, looked up once per query, not once per name)."""
    best = 0.0
    for token in name_tokens:
        if token == query_token:
            return 1.0
        if len(query_token) >= 3 and token.startswith(query_token):
            best = max(best, PREFIX_TENTHS / 10)
        elif token in typos:
            best = max(best, TYPO_TENTHS / 10)
    return best


def close_words(token: str, vocabulary: list[str]) -> frozenset[str]:
    """Words of `vocabulary` a typo of `token` may mean (four letters or more, 80% alike by
    difflib's ratio). rapidfuzz's ratio (twice the longest common subsequence over both lengths)
    is never below difflib's (the same over its matching blocks, a common subsequence), so it
    picks the few candidates in C, and difflib decides among them as it did among all (at 1M
    triples, 35,000 words: 66 ms a typo, most of a search)."""
    if len(token) < 4:
        return frozenset()
    # imported here: 36 ms, which a command that looks up no typo never pays
    from rapidfuzz import fuzz, process

    near = [word for word, _, _ in process.extract(token, vocabulary, scorer=fuzz.ratio, score_cutoff=79.9, limit=None)]
    return frozenset(difflib.get_close_matches(token, near, n=8, cutoff=0.8))


def score(query: str | list[str], entry: Entry, typos: dict[str, frozenset[str]] | None = None) -> float:
    """0 (no match) to 1 (the name exactly); `query` as text or as its words (`Scoring`)."""
    return Scoring(query, typos).of(entry)


class Scoring:
    """One query scored against many names: its words read once, and each name (its words, and
    whether it is a code: all a score reads of it) scored once. At 1M triples a common word has
    6,000 candidates, and a label and the name period it comes from share their words.

    `typos`: the words close to each query word, looked up once in the whole vocabulary; without
    them, each name's own words are searched for typos."""

    def __init__(self, query: str | list[str], typos: dict[str, frozenset[str]] | None = None):
        self.tokens = tuple(words(query) if isinstance(query, str) else query)
        self.wanted = tuple(core(list(self.tokens)))
        self.typos = typos
        self._names: dict[tuple, float] = {}

    def of(self, entry: Entry) -> float:
        """0 (no match) to 1 (the name exactly)."""
        key = (entry.tokens, entry.core, entry.kind == "code")
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = self._score(entry)
        return found

    def _score(self, entry: Entry) -> float:
        wanted = self.wanted
        if not self.tokens:
            return 0.0
        if self.tokens == entry.tokens:
            return 1.0
        if not wanted:
            return 0.0
        if wanted == entry.core:
            return 0.95
        if entry.kind == "code":  # acronyms and codes match whole, as handled above
            return 0.0
        if len(wanted) == 1 and wanted[0] in initials(entry):
            return ACRONYM
        typos = self.typos if self.typos is not None else {t: close_words(t, list(entry.core)) for t in wanted}
        weights = [_token_weight(t, entry.core, typos.get(t, frozenset())) for t in wanted]
        found = [w for w in weights if w > 0]
        if not entry.core or len(found) < max(1, (len(wanted) + 1) // 2):
            return 0.0
        coverage = sum(weights) / len(wanted)
        precision = min(1.0, len(found) / len(entry.core))
        full = len(found) == len(wanted)
        return round((0.5 if full else 0.25) + 0.4 * coverage * precision ** 0.5, 4)


def initials(entry: Entry) -> frozenset[str]:
    """The acronyms people make of a name: of its distinctive words ("DCHS"), of all but "NHS"
    ("DHCFT") and of every word, with compounds ("healthcare") counting as their parts."""
    return _initials(entry.tokens, entry.core, entry.kind == "code")


@functools.lru_cache(maxsize=1 << 17)
def _initials(tokens: tuple[str, ...], distinctive: tuple[str, ...], code: bool) -> frozenset[str]:
    """`initials` of a name's words, made once a name (a label and its name period share them)."""
    if code or len(distinctive) < 2:
        return frozenset()
    spelt = [part for token in tokens for part in COMPOUNDS.get(token, (token,))]
    found = {"".join(t[0] for t in distinctive),
             "".join(t[0] for t in spelt if t != "nhs"),
             "".join(t[0] for t in spelt),
             "".join(t[0] for t in spelt if t not in ("nhs", "the", "of", "and", "for", "in"))}
    return frozenset(a for a in found if len(a) > 1)
