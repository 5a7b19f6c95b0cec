"""Forgiving name resolution and search over every name an organisation has borne.

The index is built once when a dataset is opened: a token table over rdfs:label, the names of
name periods (and their variant spellings, with the dates each was borne), acronyms and codes.
A lookup touches only the entries that share a token (or a token prefix) with the query, never
every label, and a search scores first the names that can score most (by how many of the query's
words each holds, and how many words it has), stopping once the rest could not be listed.

The matching policy lives here and nowhere else: how close is "the name itself", when a best
match is too close to the next one to pick silently (`choose`), and what the pages, the CLI and the
reconciliation service say about the choice they made (`Choice.reason`).
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from itertools import repeat

import pyoxigraph as ox

from derbygraph import dates, deadline, matching, resources, vocab
from derbygraph.answers import indexes
from derbygraph.answers.members import members
from derbygraph.matching import (
    ACRONYM,
    EXACT_AT,
    RESOLVE_AT,
    TIE_WITHIN,
    TYPO_TENTHS,
    Entry,
    Scoring,
    close_words,
    core,
    initials,
    words,
)

ORGANISATIONS, SITES = "org:Organization", "org:Site"  # the classes whose names an index holds
_WINDOW_VARIABLES = ("possiblyFrom", "possiblyUntil", "certainlyFrom", "certainlyUntil")


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


def in_force(periods, at: str):
    """The name in force on `at`: the one rule, read by every answer. Of the name periods (anything
    with the `window` the build derived, its `start` as the source gives it and its `name`) that may
    have been in force on some day of `at`, the later begun: in a year of renaming both names may
    have been, and the new one is the name of that year. None when none may have been."""
    held = [p for p in periods if p.window is not None and p.window.may_hold(at)]
    return max(held, key=lambda p: (p.window.possibly_from, p.start or "", p.name), default=None)


def window_of(dataset, period) -> dates.Window:
    """When one name period is in force, as the build derived it (`derbygraph.vocab.NAME_WINDOW`)."""
    days = {side: dataset.value(period, term) for side, term in vocab.NAME_WINDOW.items()}
    return dates.Window(**{side: day.value if day is not None else None for side, day in days.items()})


def lineage_name_at(dataset, org: str, at: str) -> str | None:
    """The name the lineage of `org` bore at `at` (`in_force` over every body of it), or None."""
    return NameIndex.of(dataset).name_in(members(dataset, org), at)


def _names_query(things: str) -> str:
    return resources.sparql(__file__, "names", **{"class": things})


def name_queries() -> list[str]:
    """The queries the name indexes are made from, one per kind of thing named."""
    return [_names_query(things) for things in (ORGANISATIONS, SITES)]


class NameIndex:
    """Every name of every organisation, searchable by forgiving word match."""

    def __init__(self, entries: list[Entry]):
        """The index of `entries`, in the order `from_dataset` gives them."""
        by_token, names, periods, exact = defaultdict(list), defaultdict(list), defaultdict(list), {}
        initialisms = set()
        for number, entry in enumerate(entries):
            initialisms |= initials(entry)
            for token in set(entry.core) | initials(entry):
                by_token[token].append(number)
            if entry.kind != "code" and entry.name not in names[entry.org]:
                names[entry.org].append(entry.name)
            if entry.kind == "name" and entry.dated:
                periods[entry.org].append(number)
            exact.setdefault(" ".join(entry.tokens), number)  # the first entry of a name, as search orders them
        for numbers in periods.values():  # oldest first: by the first day each may be in force
            numbers.sort(key=lambda n: (entries[n].window.possibly_from, entries[n].start or "", entries[n].name))
        self._hold(entries, dict(by_token), dict(names), dict(periods), exact,
                   sorted(initialisms.intersection(word for entry in entries for word in entry.core)))

    def _hold(self, entries: list[Entry], by_token: dict[str, list[int]], names: dict[str, list[str]],
              periods: dict[str, list[int]], exact: dict[str, int], both: list[str]) -> None:
        self.entries = entries
        self._by_token = by_token  # a word (or initials) -> the entries holding it, in order
        self._names = names        # an organisation -> its names, labels first
        self._periods = periods    # an organisation -> its dated names, oldest first
        self._exact = exact        # a name's words, space-separated -> its first entry
        self._sorted_tokens = sorted(by_token)
        # the words a typo may mean: the names' own words, not their initials (which a score never
        # reads as words: at 5M generated triples 6,874 of 85,070 tokens, so a typo is looked up
        # among a twelfth of them)
        self._words = sorted({word for entry in entries for word in entry.core})
        self._both = frozenset(both)  # the tokens that are one name's word and another's initials
        self._sizes = [len(entry.core) for entry in entries]  # each name's distinctive words: its score's bound

    @classmethod
    def of(cls, dataset) -> "NameIndex":
        """The dataset's index of organisations' names, made once and kept with it."""
        return dataset.memo(_organisations)

    @classmethod
    def of_sites(cls, dataset) -> "NameIndex":
        """The dataset's index of sites' names, made once and kept with it."""
        return dataset.memo(_sites)

    @classmethod
    def from_dataset(cls, dataset, things: str = ORGANISATIONS) -> "NameIndex":
        """The names of every organisation (or, with `things=SITES`, every site)."""
        entries, read = [], {}  # read: a name's words and distinctive words, read once a name
        for row in dataset.query(_names_query(things)):
            org, name, kind = row["thing"], row["name"].value, row["kind"].value
            if isinstance(org, ox.NamedNode):
                if name not in read:
                    tokens = tuple(words(name))
                    read[name] = tokens, tuple(core(list(tokens)))
                tokens, distinctive = read[name]
                window = dates.Window(*(row[v].value if row[v] else None for v in _WINDOW_VARIABLES)) \
                    if kind != "label" and kind != "code" else None
                entries.append(Entry(org.value, name, kind, tokens, distinctive,
                                     row["start"].value if row["start"] else None,
                                     row["end"].value if row["end"] else None, window))
        entries.sort(key=lambda e: (e.org, e.kind != "label", e.start or "", e.name))
        return cls(entries)

    def state(self) -> dict:
        """The index as JSON (`from_state` reads it back): each name's words once, the entries
        naming them by number, and the lookups as made."""
        spelt: dict[str, int] = {}
        for entry in self.entries:
            spelt.setdefault(entry.name, len(spelt))
        firsts = {entry.name: entry for entry in reversed(self.entries)}
        return {"names": [[name, firsts[name].tokens, firsts[name].core] for name in spelt],
                "entries": [[e.org, spelt[e.name], e.kind, e.start, e.end,
                             astuple(e.window) if e.window is not None else None] for e in self.entries],
                "by_token": self._by_token, "names_of": self._names, "periods": self._periods, "exact": self._exact,
                "both": sorted(self._both)}

    @classmethod
    def from_state(cls, state: dict) -> "NameIndex":
        """The index `state` gave: nothing is worked out again."""
        spelt = [(name, tuple(tokens), tuple(distinctive)) for name, tokens, distinctive in state["names"]]
        windows: dict[tuple, dates.Window] = {}  # a name period's window, shared by its name and spellings
        entries = []
        for org, name, kind, start, end, window in state["entries"]:
            if window is not None:
                window = tuple(window)
                window = windows.get(window) or windows.setdefault(window, dates.Window(*window))
            text, tokens, distinctive = spelt[name]
            entries.append(Entry(org, text, kind, tokens, distinctive, start, end, window))
        index = cls.__new__(cls)
        index._hold(entries, state["by_token"], state["names_of"], state["periods"], state["exact"], state["both"])
        return index

    def periods_of(self, org: str) -> list[Entry]:
        """The dated names of `org`, oldest first."""
        return [self.entries[n] for n in self._periods.get(org, [])]

    def name_at(self, org: str, at: str) -> str | None:
        """The name `org` bore at `at` (`in_force`), or None."""
        return self.name_in((org,), at)

    def name_in(self, orgs, at: str) -> str | None:
        """The name in force at `at` among the dated names of the bodies `orgs` (`in_force`), or None."""
        found = in_force((entry for org in orgs for entry in self.periods_of(org)), at)
        return found.name if found is not None else None

    def names_of(self, org: str) -> list[str]:
        return list(self._names.get(org, []))

    def organisations(self) -> list[str]:
        return sorted(self._names)

    def _candidates(self, tokens: list[str], every_word: bool = False) \
            -> tuple[dict[int, set[int]], dict[str, frozenset[str]], Counter]:
        """Entries sharing a word, a word's prefix or a likely typo with the query's `tokens` (with
        `every_word`, with each of its words; else with at least half its words, as a name must
        to score at all: `matching.Scoring`), by how many of the query's words (as often as typed)
        each holds, as its word, a prefix or a typo; the typos; and, in tenths, how much less than
        words the typos each entry holds weigh (`matching.TYPO_TENTHS`): what `_bound` reads."""
        each: list[set[int]] = []
        typed: list[set[int]] = []  # the entries each word finds only as a typo
        typos: dict[str, frozenset[str]] = {}
        wanted = core(tokens)
        searched = list(set(wanted) or set(tokens))
        for token in deadline.checked(searched):
            found = set(self._by_token.get(token, ()))
            if len(token) >= 3:  # prefixes: "derb" finds "derbyshire"
                at = bisect.bisect_left(self._sorted_tokens, token)
                while at < len(self._sorted_tokens) and self._sorted_tokens[at].startswith(token):
                    found.update(self._by_token[self._sorted_tokens[at]])
                    at += 1
            typo = set()
            if token not in self._by_token:  # typos
                typos[token] = close_words(token, self._words)
                for close in typos[token]:
                    typo.update(self._by_token[close])
                typo -= found
                found |= typo
            each.append(found)
            typed.append(typo)
        times = Counter(wanted or searched)
        # at_least[k - 1]: the entries holding at least k of the words, counted by set operations
        # (in C: at 5M generated triples a full name's common words hold 74,000 names, which a
        # Counter and a pass over it took 13 ms to count and sift, these 6)
        at_least: list[set[int]] = []
        short = Counter()
        for token, found, typo in deadline.checked(zip(searched, each, typed)):
            for _ in range(times[token]):
                at_least.append(set())
                for k in range(len(at_least) - 1, 0, -1):
                    at_least[k] |= at_least[k - 1] & found
                at_least[0] |= found
                for _ in range(10 - TYPO_TENTHS):
                    short.update(typo)  # a typo is a rare word's few names
        # A name scores only if at least half the query's words (counted as often as typed) are
        # among its words, prefixes or typos, so only those are scored (at 1M triples, a full name's
        # common words "community", "health", "services" found 24,000 names, most sharing one).
        needed = max(1, len(at_least) if every_word else (len(wanted) + 1) // 2)
        tiers = {k: at_least[k - 1] - (at_least[k] if k < len(at_least) else set())
                 for k in range(needed, len(at_least) + 1)}
        return {k: numbers for k, numbers in tiers.items() if numbers}, typos, short

    def _initialled(self, word: str) -> list[int]:
        """The entries whose initials `word` is: all that hold it if it is no name's word, none if
        it is no name's initials, else those whose initials it is (at 5M generated triples, reading
        the initials of each of the 43,000 names holding "community" took 70 ms)."""
        holders = self._by_token.get(word, [])
        at = bisect.bisect_left(self._words, word)
        if at == len(self._words) or self._words[at] != word:
            return holders
        if word not in self._both:
            return []
        return [number for number in holders if word in initials(self.entries[number])]

    def _levels(self, tiers: dict[int, set[int]], short: Counter, n: int) -> Iterator[tuple[float, list[int]]]:
        """The candidates (`tiers`: by the words each holds) grouped by the most each can score
        (`_bound`), best first, so that the best are scored first. The names holding `h` of the
        query's `n` words score at most what a name of `h` words all held scores, and those of one
        size (distinctive words) at most the bound of that size, so a tier is split by size, and a
        part grouped, only once the search reaches the best it could score: at 5M generated triples
        a full name's 13,000 candidates (most holding half its words) took 18 ms to group, and a
        common word's 84,000 ("health") 68 ms, where a search reads a few hundred or thousand."""
        levels: dict[float, list[int]] = defaultdict(list)  # the names grouped so far
        # tiers and their parts of one size not yet grouped: (-the most they score, order, held, size, names)
        waiting = [(-_bound(held, 0, min(held, n), n), order, held, None, numbers)
                   for order, (held, numbers) in enumerate(tiers.items())]
        heapq.heapify(waiting)
        order = len(waiting)
        while waiting:
            most = -waiting[0][0]
            while levels and max(levels) >= most:
                yield max(levels), levels.pop(max(levels))
            _, _, held, size, numbers = heapq.heappop(waiting)
            if size is None:  # a tier: its names by size, each size bounded on its own
                numbers = sorted(numbers, key=self._sizes.__getitem__)
                sizes = list(map(self._sizes.__getitem__, numbers))
                start = 0
                while start < len(numbers):
                    end = bisect.bisect_right(sizes, sizes[start], start)
                    heapq.heappush(waiting, (-_bound(held, 0, sizes[start], n), order, held, sizes[start], numbers[start:end]))
                    order, start = order + 1, end
                continue
            # (a Counter's missing key is a call into Python: `get` stays in C)
            shorts = list(map(short.get, numbers, repeat(0)))
            bounds = {tenths: _bound(held, tenths, size, n) for tenths in set(shorts)}
            for number, tenths in zip(numbers, shorts):
                levels[bounds[tenths]].append(number)
        for bound in sorted(levels, reverse=True):
            yield bound, levels[bound]

    def scored(self, query: str) -> list[tuple[Entry, float]]:
        """Every name matching `query` with its score, best first: each name of an organisation on
        its own, for a caller that weighs each name's dates (reconciliation)."""
        tokens = words(query)
        tiers, typos, _ = self._candidates(tokens)
        scoring = Scoring(tokens, typos)
        # among equal names of one organisation, as `search` ranks them: a name as the sources give
        # it before a variant, then the first in the index's order (its label, then its names oldest
        # first); reconciliation keeps the first of equals, whatever the order sets are met in
        found = ((self.entries[number], number, scoring.of(self.entries[number]))
                 for numbers in tiers.values() for number in deadline.checked(numbers))
        ranked = sorted((f for f in found if f[2] > 0),
                        key=lambda f: (-f[2], f[0].org, f[0].name, f[0].kind == "variant", f[1]))
        return [(entry, value) for entry, _, value in ranked]

    def search(self, query: str, limit: int = 10, at: str | None = None, resolvable: bool = False) -> list[Match]:
        """Organisations whose names match `query`, best first, one match per organisation (with
        `resolvable`, only matches good enough to resolve: what `choose` reads).

        With `at` (a date), among the matches good enough to resolve, a name borne then outranks
        any name that was not: the body that bore the name at that time comes first, and its match
        says so (`borne_at`).
        """
        best: dict[str, tuple[tuple, int, bool]] = {}  # organisation -> (rank, entry number, borne then)
        tokens = words(query)
        wanted = core(tokens)
        # A name lacking one of the query's words scores at most 0.25 + 0.4 (n - 1) / n (`score`),
        # below RESOLVE_AT for n <= 2 words: then only the names holding every word can resolve,
        # and they are all there is to score (a two-word name among 100,000 is a few entries).
        tiers, typos, short = self._candidates(tokens, every_word=resolvable and len(wanted) <= 2)
        scoring = Scoring(tokens, typos)

        def listed(key: tuple) -> bool:
            """Whether a match ranked `key` (good enough to resolve, borne then, score) could still
            be listed: not once `limit` organisations rank above anything it could be."""
            if resolvable and key[0]:
                return False
            found = [(not rank[0], not borne, -rank[2]) for rank, _, borne in best.values() if rank[0] or not resolvable]
            return len(found) < limit or heapq.nsmallest(limit, found)[-1] >= key

        levels = self._levels(tiers, short, len(wanted)) if wanted else [(1.0, set().union(*tiers.values()))]
        for bound, numbers in levels:
            last = not listed((bound < RESOLVE_AT, at is None, -bound))
            if last:
                # the rest score at most `bound`, but a name whose initials a one-word query is
                # (`matching.ACRONYM`): those hold the word as an initialism, so are among its own
                # entries (each holding the one word once, and bounded as `_levels` bounds it)
                word = wanted[0] if len(wanted) == 1 else None
                numbers = [number for number in self._initialled(word)
                           if _bound(1, short.get(number, 0), self._sizes[number], 1) <= bound] \
                    if word is not None and listed((ACRONYM < RESOLVE_AT, at is None, -ACRONYM)) else []
            for number in deadline.checked(numbers):
                entry = self.entries[number]
                value = scoring.of(entry)
                if value <= 0:
                    continue
                borne = at is not None and entry.borne_at(at)
                # An organisation's match is its best as the list ranks them (good enough to resolve,
                # borne then, score), and among equals a name as the sources give it before a variant,
                # then the first in the index's order (its label, then its names oldest first): not
                # whichever the candidate set, ordered by the process's string hashing, met first.
                rank = (value >= RESOLVE_AT, borne, value, entry.kind != "variant", -number)
                kept = best.get(entry.org)
                if kept is None or rank > kept[0]:
                    best[entry.org] = (rank, number, borne)
            if last:
                break
        # only the few listed become matches (a common word's thousands of organisations do not)
        ranked = heapq.nsmallest(limit, ((not rank[0], not borne, -rank[2], self.entries[number].name, org, number)
                                         for org, (rank, number, borne) in best.items() if rank[0] or not resolvable))
        return [Match(org, -minus_score, self.entries[number].name, not not_borne,
                      "code" if self.entries[number].kind == "code" else "name")
                for _, not_borne, minus_score, _, org, number in ranked]

    def choose(self, query: str, same=lambda org: org, at: str | None = None, limit: int = 8) -> Choice:
        """The organisation `query` most likely means and, unless it is named exactly, the other
        organisations (of other lineages, by `same`) good enough to resolve, best first."""
        query = query.strip()
        if query in self._names:  # an organisation's IRI
            return Choice(query, Match(query, 1.0, self._names[query][0]))
        exact = self._exact.get(" ".join(words(query))) if at is None else None
        if exact is not None:  # a name as written: no need to weigh every candidate
            return Choice(query, Match(self.entries[exact].org, 1.0, self.entries[exact].name))
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


def _bound(held: int, short: int, size: int, n: int) -> float:
    """The most a name with `size` distinctive words can score (`matching.Scoring`) when it holds
    `held` of a query's `n` words (as words, prefixes or typos), the typos among them weighing
    `short` tenths less than words (a prefix is counted as a word: its tenths, counted for the
    thousands of names a common word's prefix finds, cost more than they save). A special score
    (the name itself, its distinctive words, a code) needs a one-word query, or a name of as many
    distinctive words as the query that holds every one of them and no typo: the other names of a
    full name's few words are bounded as any other name (at 5M generated triples, a full name's
    common words found thousands of short names, all bounded at 1.0 and all scored); the initials
    of a one-word query are looked for apart (`search`)."""
    if size <= n and (n == 1 or (size == n and held >= n and not short)):
        return 1.0
    # written as `Scoring._score` writes it, so that a name holding every word exactly scores its
    # bound to the bit; a hair above it (far below the rounding) where a typo weighs in,
    # whose weights `_score` sums in another order
    coverage = (10 * min(held, n) - short) / (10 * n) + (1e-9 if short else 0)
    return round((0.5 if held >= n else 0.25) + 0.4 * coverage * min(1.0, held / size) ** 0.5, 4)


def _made_from(things: str) -> str:
    """What the index of the names of `things` is made from (`indexes.made_from`)."""
    return indexes.made_from(f"names of {things}", (_names_query(things),), (__name__, matching.__name__, dates.__name__))


def _organisations(dataset) -> NameIndex:
    return indexes.kept_or_made(dataset, _made_from(ORGANISATIONS), NameIndex.from_state, NameIndex.from_dataset)


def _sites(dataset) -> NameIndex:
    return indexes.kept_or_made(dataset, _made_from(SITES), NameIndex.from_state,
                                lambda dataset: NameIndex.from_dataset(dataset, SITES))


def kept_indexes() -> dict:
    """The name indexes a store folder keeps whole (`indexes`): what each is made from, and its state."""
    return {_made_from(ORGANISATIONS): lambda dataset: NameIndex.of(dataset).state(),
            _made_from(SITES): lambda dataset: NameIndex.of_sites(dataset).state()}


def choose_lineage(service, query: str) -> Choice:
    """`NameIndex.choose` with the bodies of one lineage (of `service.dataset`) counted as one:
    a trust and its later foundation trust are one history, not two choices. An IRI or a registry
    code names its body exactly (`LineageService.exactly`), with no index to read."""
    exact = service.exactly(query)
    if exact is not None:
        return Choice(query, Match(exact, 1.0, query.strip(), field="name" if exact == query.strip() else "code"))
    return NameIndex.of(service.dataset).choose(query, same=lambda org: members(service.dataset, org)[-1])
