"""Name matching that says what it did: one ranked matcher and its policy (names.py), as the pages,
the CLI and the reconciliation service use it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from derbygraph.answers import names
from derbygraph.answers.names import NameIndex


@pytest.fixture(scope="module")
def service(dataset):
    from derbygraph.answers.lineage import LineageService

    return LineageService(dataset)


ORG = "https://w3id.org/derbygraph/id/org/"


@pytest.mark.parametrize("query, body", [
    ("DHCFT", "derbyshire-healthcare-nhs-foundation-trust"),
    ("DCHS", "derbyshire-community-health-services-nhs-foundation-trust"),
    ("Derbyshre helthcare", "derbyshire-healthcare-nhs-foundation-trust"),
    ("southern derbyshire mental health", "southern-derbyshire-mental-health-nhs-trust"),
])
def test_acronyms_typos_and_partial_names_resolve(service, query, body):
    assert names.choose_lineage(service, query).best.iri == ORG + body


def test_the_reason_says_which_and_why(service):
    assert names.choose_lineage(service, "DHCFT").reason() == \
        "picked 'Derbyshire Healthcare NHS Foundation Trust' because the query is its initials"
    rough = names.choose_lineage(service, "Derby")
    assert not rough.exact and rough.reason().startswith("picked 'NHS Derby City' because it is the closest match (score 0.78)")
    assert "next best 'Derby City Council'" in rough.reason()
    exact = names.choose_lineage(service, "derbyshire healthcare nhs foundation trust")
    assert exact.exact and exact.others == () and exact.reason().endswith("because it is that name")
    assert names.choose_lineage(service, "Nowhere Authority").reason() == "no organisation matches 'Nowhere Authority'"


def test_a_tie_between_lineages_is_a_choice_not_a_pick(service):
    choice = names.choose_lineage(service, "Community")
    assert len(choice.ties) >= 2
    heads = {service.members(m.iri)[-1] for m in (choice.best, *choice.ties)}
    assert len(heads) == 1 + len(choice.ties)  # each offered once, as its lineage


WORDS = ["derbyshire", "southern", "mental", "health", "trust", "nhs", "community", "services", "derby", "city",
         "healthcare", "foundation", "care", "north", "dchs", "dhcft", "radbourne", "the", "x"]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5))
def test_the_policy_holds_for_any_query(service, dataset, query_words):
    """Exact means no alternatives; ties are within TIE_WITHIN of the best, of other lineages,
    and every alternative is good enough to resolve; resolve() is choose()'s pick."""
    query = " ".join(query_words)
    choice = names.choose_lineage(service, query)
    if choice.best is None:
        assert NameIndex.of(dataset).resolve(query) is None
        return
    assert choice.best.score >= names.RESOLVE_AT
    if choice.exact:
        assert choice.others == ()
    for other in choice.others:
        assert names.RESOLVE_AT <= other.score <= choice.best.score
        assert service.members(other.iri)[-1] != service.members(choice.best.iri)[-1]
    for tie in choice.ties:
        assert choice.best.score - tie.score <= names.TIE_WITHIN
    assert NameIndex.of(dataset).resolve(query).iri == choice.best.iri


def test_a_date_ranks_the_name_borne_then_first(dataset):
    then = NameIndex.of(dataset).search("Derbyshire Mental Health", 5, at="1995")
    assert then[0].borne_at and then[0].name == "Southern Derbyshire Mental Health NHS Trust"
    later = NameIndex.of(dataset).search("Derbyshire Mental Health", 5, at="2005")
    assert later[0].borne_at and later[0].name == "Derbyshire Mental Health Services NHS Trust"
    # a poor match borne then never outranks a good one that was not
    for earlier, later_match in zip(then, then[1:]):
        if earlier.borne_at and not later_match.borne_at and later_match.score >= names.RESOLVE_AT:
            assert earlier.score >= names.RESOLVE_AT


def test_the_cli_says_what_it_picked_on_one_stderr_line(cli, store):
    rough = cli("lineage", "Derby", "--store", store)
    assert rough.returncode == 0
    assert rough.stderr.startswith("picked 'NHS Derby City' because it is the closest match")
    assert len(rough.stderr.strip().splitlines()) == 1 and "NHS Derby City" in rough.stdout
    exact = cli("lineage", "Derbyshire Healthcare NHS Foundation Trust", "--json", "--store", store)
    assert exact.returncode == 0 and exact.stderr == ""


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(WORDS + ["derb", "derbyshre", "helthcare", "communty", "sou"]), min_size=1, max_size=4),
       st.sampled_from([None, "1995", "2005"]))
@example(["derbyshire", "community"], "1995")  # a poor name borne then once hid a good one of the same body
@example(["derby", "city", "x"], None)  # two words of three, the name's two: resolves
def test_resolving_weighs_only_the_names_that_can_resolve(dataset, query_words, at):
    """choose() asks only for matches good enough to resolve, and for one or two words weighs only
    the names holding each: the same matches, in the same order, as the whole search."""
    query = " ".join(query_words)
    whole = [m for m in NameIndex.of(dataset).search(query, 8, at) if m.score >= names.RESOLVE_AT]
    assert NameIndex.of(dataset).search(query, 8, at, resolvable=True) == whole


@pytest.mark.parametrize("written, name", [
    ("Derbyshire Healthcare NHS FT", "Derbyshire Healthcare NHS Foundation Trust"),
    ("Derbyshire Healthcare FT", "Derbyshire Healthcare NHS Foundation Trust"),
    ("DERBYSHIRE HEALTHCARE", "Derbyshire Healthcare NHS Foundation Trust"),
    ("Southern Derbys MH Tr", "Southern Derbyshire Mental Health NHS Trust"),
    ("Southern Derbyshire Community & Mental Health Services NHS Trust",
     "Southern Derbyshire Community and Mental Health Services NHS Trust"),
    ("Derbyshire Comm Hlth Svcs NHS FT", "Derbyshire Community Health Services NHS Foundation Trust"),
])
def test_the_short_forms_people_write_are_the_name_itself(dataset, written, name):
    """Abbreviations, "&", a missing "NHS" and capitals match as well as the name as written."""
    best = NameIndex.of(dataset).search(written, 3)[0]
    assert best.name == name and best.score >= names.EXACT_AT, best


@pytest.mark.parametrize("short, long", [("Chesterfield Royal Hosp", "Chesterfield Royal Hospital"), ("Univ Hosps", "University Hospitals"),
                                        ("NHS Derby City PCT", "NHS Derby City Primary Care Trust"),
                                        ("Erewash CCG", "Erewash Clinical Commissioning Group"), ("Derbyshire ICB", "Derbyshire Integrated Care Board")])
def test_abbreviations_are_read_as_their_words(short, long):
    assert names.words(short) == names.words(long)


LETTERS = "abcdehilmnorstuy"


@st.composite
def typo_vocabularies(draw):
    """A word, and a vocabulary of other words and of the word with a few letters dropped, added,
    changed or swapped (near and far from 80% alike)."""
    token = draw(st.text(alphabet=LETTERS, min_size=3, max_size=12))
    vocabulary = draw(st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=12), max_size=100))
    for _ in range(draw(st.integers(0, 60))):
        word = list(token)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(word)))
            change = draw(st.sampled_from(["drop", "add", "change", "swap"]))
            if change == "add" or not word:
                word.insert(at, draw(st.sampled_from(LETTERS)))
            elif change == "drop":
                del word[min(at, len(word) - 1)]
            elif change == "change":
                word[min(at, len(word) - 1)] = draw(st.sampled_from(LETTERS))
            elif len(word) > 1:
                at = min(at, len(word) - 2)
                word[at], word[at + 1] = word[at + 1], word[at]
        vocabulary.append("".join(word))
    return token, sorted(set(vocabulary))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(typo_vocabularies())
def test_typo_words_are_difflibs_close_matches(case):
    """`close_words` narrows the vocabulary in C (rapidfuzz) and lets difflib decide: the words
    are exactly difflib's 80% matches, as before the narrowing."""
    import difflib

    from derbygraph.matching import close_words

    token, vocabulary = case
    expected = frozenset(difflib.get_close_matches(token, vocabulary, n=8, cutoff=0.8)) if len(token) >= 4 else frozenset()
    assert close_words(token, vocabulary) == expected


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5))
def test_one_scoring_of_a_query_scores_each_name_as_score_does(dataset, query_words):
    """The search scores a query's candidates with one `Scoring` (each name once); every name
    scores what `score` gives it alone."""
    from derbygraph.matching import Scoring, score, words

    index = NameIndex.of(dataset)
    query = " ".join(query_words)
    tiers, typos, _ = index._candidates(words(query))
    scoring = Scoring(query, typos)
    for number in sorted(set().union(*tiers.values())) * 2:  # twice: the second time from what it kept
        entry = index.entries[number]
        assert scoring.of(entry) == score(query, entry, typos), (query, entry.name)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS + ["derbyshre", "helthcare", "communty", "mental", "mental"]), min_size=1, max_size=6))
def test_the_candidates_hold_every_name_that_scores(dataset, query_words):
    """Only names holding at least half the query's words are scored: every name with a score
    above 0, out of all the index holds, is among them."""
    from derbygraph.matching import score, words

    index = NameIndex.of(dataset)
    query = " ".join(query_words)
    tiers, typos, _ = index._candidates(words(query))
    candidates = set().union(*tiers.values())
    scoring = [n for n, entry in enumerate(index.entries) if score(query, entry, typos) > 0]
    assert set(scoring) <= candidates, [index.entries[n].name for n in set(scoring) - candidates]


def _above_their_bounds(index: NameIndex, tokens: list[str]) -> list[str]:
    """The names that score above their bound (`names._bound`) for the query `tokens`, the
    initials of a one-word query apart (looked for apart)."""
    from derbygraph.matching import Scoring, core, initials

    wanted = core(tokens)
    tiers, typos, short = index._candidates(tokens)
    scoring = Scoring(tokens, typos)
    return [entry.name for held, numbers in tiers.items() for entry, number in ((index.entries[n], n) for n in numbers)
            if wanted and not (len(wanted) == 1 and wanted[0] in initials(entry))
            and scoring.of(entry) > names._bound(held, short[number], len(entry.core), len(wanted))]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS + ["derbyshre", "helthcare", "dhcft", "dchs", "derb", "chest", "mental", "mental"]), min_size=1, max_size=6))
def test_no_name_scores_above_its_bound(dataset, query_words):
    """The search scores the names most likely to be listed first and stops when the rest cannot
    be (`names._bound`): that is exact only if no name scores above the bound of its shape."""
    from derbygraph.matching import words

    assert _above_their_bounds(NameIndex.of(dataset), words(" ".join(query_words))) == []


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS + ["derbyshre", "helthcare", "derb", "chest", "mental", "health", "care"]), min_size=1, max_size=6))
def test_the_candidates_come_once_each_best_bound_first(registry_dataset, query_words):
    """`_levels` hands the search every candidate once, in groups of one bound, the best first:
    the search stops at the first group that cannot be listed, so a name handed over after a
    lower group could be missed. The registry's names of many sizes and shapes split its tiers."""
    from derbygraph.matching import core, words

    index = NameIndex.of(registry_dataset)
    tokens = words(" ".join(query_words))
    tiers, _, short = index._candidates(tokens)
    held = {number: count for count, numbers in tiers.items() for number in numbers}
    n = len(core(tokens))
    assume(n > 0)  # a query of only "the", "nhs"...: its candidates are scored as one group, not by `_levels`
    levels = list(index._levels(tiers, short, n))
    assert [bound for bound, _ in levels] == sorted((bound for bound, _ in levels), reverse=True)
    assert sorted(number for _, numbers in levels for number in numbers) == sorted(held)
    for bound, numbers in levels:
        assert {names._bound(held[number], short.get(number, 0), index._sizes[number], n) for number in numbers} == {bound}


def test_no_name_scores_above_its_bound_when_a_name_is_asked_whole(dataset):
    """A name asked whole, or by its distinctive words, scores 1 (or 0.95), above any partial
    match: its bound says so, though the other names of as many words are bounded lower."""
    index = NameIndex.of(dataset)
    for entry in index.entries:
        for tokens in {entry.tokens, entry.core}:
            assert _above_their_bounds(index, list(tokens)) == [], entry.name


def _every_candidate_scored(index, query: str, limit: int, at: str | None, resolvable: bool) -> list[tuple]:
    """What `NameIndex.search` lists, from every candidate scored (the search before its bound):
    (organisation, score, name, borne then) of each."""
    from derbygraph.matching import RESOLVE_AT, Scoring, core, words

    tokens = words(query)
    tiers, typos, _ = index._candidates(tokens, every_word=resolvable and len(core(tokens)) <= 2)
    scoring, best = Scoring(tokens, typos), {}
    for number in set().union(*tiers.values()):
        entry = index.entries[number]
        value = scoring.of(entry)
        borne = at is not None and entry.borne_at(at)
        rank = (value >= RESOLVE_AT, borne, value, entry.kind != "variant", -number)
        if value > 0 and (entry.org not in best or rank > best[entry.org][0]):
            best[entry.org] = (rank, number, borne)
    ranked = sorted((not rank[0], not borne, -rank[2], index.entries[number].name, org)
                    for org, (rank, number, borne) in best.items() if rank[0] or not resolvable)[:limit]
    return [(org, -minus_score, name, not not_borne) for _, not_borne, minus_score, name, org in ranked]


def test_the_search_lists_what_scoring_every_candidate_lists(registry_dataset):
    """On the registry's thousands of names, asked as researchers type them (whole, two words, one
    word, its start, a typo, initials; with a date, as `choose` asks, a few at a time): the same
    list, in the same order, as scoring every candidate gives."""
    import random

    from derbygraph.matching import core, words

    index = NameIndex.of(registry_dataset)
    rng = random.Random(29)
    queries = []
    for entry in rng.sample([e for e in index.entries if e.kind != "code"], 120):
        distinctive = core(words(entry.name)) or ["trust"]
        word = max(distinctive, key=len)
        cut = rng.randrange(1, max(2, len(word) - 1))
        queries += [entry.name, " ".join(distinctive[:2]), word, word[:4], word[:cut] + word[cut + 1:],
                    "".join(w[0] for w in distinctive)]
    for number, query in enumerate(queries):
        at, resolvable, limit = [(None, False, 10), ("2005", False, 10), ("1998-04", True, 8), (None, True, 3)][number % 4]
        found = [(m.iri, m.score, m.name, m.borne_at) for m in index.search(query, limit, at=at, resolvable=resolvable)]
        assert found == _every_candidate_scored(index, query, limit, at, resolvable), (query, at, resolvable)


def test_among_equal_names_the_first_in_the_index_is_the_match():
    """Two names of one organisation that match equally: the match shows the first in the index's
    order, not whichever the candidate set met first (a set of entry numbers 5 and 11 is met 11
    first), so `matched` is the same on every start of the server."""
    from derbygraph.matching import Entry, core, words

    def entry(org: str, name: str) -> Entry:
        tokens = tuple(words(name))
        return Entry(org, name, "name", tokens, tuple(core(list(tokens))))

    entries = [entry(f"org:{n}", f"Other Place {n} Trust") for n in range(12)]
    entries[5], entries[11] = entry("org:a", "Alpha Kingsway Trust"), entry("org:a", "Beta Kingsway Trust")
    [match] = NameIndex(entries).search("kingsway")
    assert (match.iri, match.name) == ("org:a", "Alpha Kingsway Trust")


def test_a_typo_means_a_word_of_a_name_however_many_initials_are_as_close():
    """A misspelt word is looked for among the names' own words, not their initials (which a score
    never reads as words): nine names whose initials are as close to "walwck" as "walwick" is, and
    sort after it, once took all eight of the typo's places, and the search found nothing."""
    from derbygraph.matching import Entry, core, words

    def entry(org: str, name: str) -> Entry:
        tokens = tuple(words(name))
        return Entry(org, name, "name", tokens, tuple(core(list(tokens))))

    places = {"w": "Wirksworth", "a": "Ashbourne", "l": "Longford", "x": "Xenia", "y": "Youlgreave",
              "z": "Zouch", "c": "Cromford", "k": "Kedleston"}
    close = ["walxwck", "walywck", "walzwck", "waxlwck", "wyalwck", "wzalwck", "xwalwck", "ywalwck", "zwalwck"]
    entries = [entry(f"org:{spelt}", " ".join(places[letter] for letter in spelt) + " Trust") for spelt in close]
    entries.append(entry("org:walwick", "Walwick Community NHS Trust"))
    index = NameIndex(entries)
    assert all(spelt in index._by_token for spelt in close)  # the initials are indexed, for "DCHS"
    assert [match.iri for match in index.search("walwck community")][:1] == ["org:walwick"]
    assert [match.iri for match in index.search("walwck")] == ["org:walwick"]


@pytest.mark.parametrize("kept", [False, True])
def test_a_word_that_is_another_names_initials_finds_that_name(kept):
    """"ABC" is a word of "ABC Health" and the initials of "Ash Bank Care": asked for the one best
    match, the initials (0.9) outrank the word in a longer name (0.78), though the search looks
    for initials only among the names its bound has not yet reached; so also from a kept index."""
    from derbygraph.matching import ACRONYM, Entry, core, words

    def entry(org: str, name: str) -> Entry:
        tokens = tuple(words(name))
        return Entry(org, name, "name", tokens, tuple(core(list(tokens))))

    index = NameIndex([entry("org:word", "ABC Health"), entry("org:initials", "Ash Bank Care"),
                       entry("org:other", "Derby Care")])
    if kept:
        index = NameIndex.from_state(index.state())
    assert [(m.iri, m.score) for m in index.search("abc", 1)] == [("org:initials", ACRONYM)]
    assert [m.iri for m in index.search("abc")] == ["org:initials", "org:word"]
    assert [m.iri for m in index.search("dc", 1)] == ["org:other"]  # initials and no name's word


def test_equal_names_of_one_organisation_are_scored_as_the_search_ranks_them():
    """Reconciliation keeps the first of equal names (`scored`), and a variant spelling shows the
    body's label where a name shows itself: equal names come as the search ranks them, a name as
    the sources give it before a variant, then in the index's order (the label first), not in the
    order a set of entry numbers 3, 5 and 11 is met (11 first, as the registry's "Oldham NHS
    Trust" once came as its variant)."""
    from derbygraph.matching import Entry, core, words

    def entry(org: str, name: str, kind: str) -> Entry:
        tokens = tuple(words(name))
        return Entry(org, name, kind, tokens, tuple(core(list(tokens))))

    entries = [entry(f"org:{n}", f"Other Place {n} Trust", "label") for n in range(12)]
    entries[3], entries[5], entries[11] = (entry("org:a", "Kingsway Trust", "variant"), entry("org:a", "Kingsway Trust", "label"),
                                           entry("org:a", "Kingsway Trust", "name"))
    assert [found.kind for found, _ in NameIndex(entries).scored("kingsway")] == ["label", "name", "variant"]
