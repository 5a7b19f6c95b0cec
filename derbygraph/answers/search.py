"""Finding organisations: by name, and by what the registry and the documents say of them.

A user types a name, or a postcode, a street, a town, a site, an ODS region or ICS code. Names are
matched by the one forgiving matcher (`names.NameIndex`); this room adds the registry's other columns
(`dg:postcode`, `dg:address`, `dg:nationalGrouping`, `dg:healthGeography`, `dg:parentCode`) and the
names of an organisation's sites, and ranks every hit by how well its field matched: a whole
postcode (0.9) or a site or address that holds every word typed (0.45 to 0.85, by how much of it the
words cover) outranks a name that holds only some of them ("Kingsway Hospital" is Derbyshire
Healthcare's site and address before it is half of "Kingston Hospital NHS Foundation Trust"), while
a name itself (0.95 to 1) stays first. Each organisation is listed once, by the best field it
matched, and each hit says which field and the value.

Region letters (etr.csv's 24th column) are not searched: a single letter is a word or an initial
in every other query.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from derbygraph import dates, deadline, matching, resources, vocab
from derbygraph.answers import indexes
from derbygraph.answers.names import NameIndex, lineage_name_at
from derbygraph.matching import core, words

# The fields searched besides names, by property: what a hit calls the field.
FIELDS = {vocab.DG + "postcode": "postcode", vocab.DG + "address": "address",
          vocab.DG + "nationalGrouping": "national grouping", vocab.DG + "healthGeography": "health geography (ICS)",
          vocab.DG + "parentCode": "parent code", vocab.ORG + "hasSite": "site"}
DISTRICT = "postcode district"
WORDED = ("address", "site")  # fields matched word by word; the others whole
# Scores of a field matched whole: a postcode is one place; a district, grouping or ICS code many.
SCORES = {"postcode": 0.9, DISTRICT: 0.5, "national grouping": 0.5, "health geography (ICS)": 0.5, "parent code": 0.5}
# A site or address holding every word typed: WORDED_FROM plus up to WORDED_SPAN by the share of its words
# the query covers; PREFIXED times that when some words are only the start of one ("kings" in "Kingsway").
WORDED_FROM, WORDED_SPAN, PREFIXED = 0.45, 0.4, 0.75

# The outward code of a UK postcode: the district ("DE22"), one or two letters, a digit, and a
# digit or letter; the inward code is a digit and two letters ("3LZ").
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


@dataclass(frozen=True)
class Hit:
    """An organisation found, by which field (`name`, `code`, `postcode`, ...) and the value matched."""

    iri: str
    score: float
    field: str
    matched: str
    then: str | None = None  # with a date asked for: the name its lineage bore then (`names.in_force`)


def compact(text: str) -> str:
    """A code or postcode as compared: upper case, without spaces ("de22 3lz" -> "DE223LZ")."""
    return re.sub(r"\s+", "", text).upper()


def district(postcode: str) -> str | None:
    """The postcode district (outward code) of a full postcode: "DE22 3LZ" -> "DE22"."""
    packed = compact(postcode)
    outward = packed[:-3]
    return outward if len(packed) > 3 and _OUTWARD.match(outward) else None


def fields_query() -> str:
    """Every value of every field searched, of every organisation."""
    return resources.sparql(__file__, "search", fields=" ".join(f"<{p}>" for p in FIELDS if p != vocab.ORG + "hasSite"))


class FieldIndex:
    """The registry's other columns of every organisation, looked up by exact code, postcode or
    district, and by address words."""

    def __init__(self, values: list[tuple[str, str, str]]):
        exact: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # compacted value -> hits
        worded: dict[tuple[str, str, str], int] = {}  # an (org, field, value) matched by words -> its number
        addresses: dict[str, list[int]] = defaultdict(list)  # word -> the worded values holding it
        for org, field, value in values:
            if field in WORDED:
                number = worded.setdefault((org, field, value), len(worded))
                for token in set(words(value)):
                    addresses[token].append(number)
                continue
            exact[compact(value)].append((org, field, value))
            if field == "postcode" and district(value):
                exact[district(value)].append((org, DISTRICT, value))
        sizes = [max(1, len(set(core(words(value))))) for _, _, value in worded]  # distinct distinctive words
        self._hold(dict(exact), list(worded), dict(addresses), sizes)

    def _hold(self, exact: dict[str, list], worded: list[tuple[str, str, str]], addresses: dict[str, list[int]],
              sizes: list[int]) -> None:
        self._exact, self._worded, self._addresses, self._sizes = exact, worded, addresses, sizes
        self._address_words = sorted(addresses)

    @classmethod
    def of(cls, dataset) -> "FieldIndex":
        """The dataset's index, made once and kept with it."""
        return dataset.memo(_fields)

    @classmethod
    def from_dataset(cls, dataset) -> "FieldIndex":
        return cls([(row["thing"].value, FIELDS[row["field"].value], row["value"].value)
                    for row in dataset.query(fields_query())])

    def state(self) -> dict:
        """The index as JSON (`from_state` reads it back)."""
        return {"exact": self._exact, "worded": self._worded, "addresses": self._addresses, "sizes": self._sizes}

    @classmethod
    def from_state(cls, state: dict) -> "FieldIndex":
        index = cls.__new__(cls)
        index._hold(state["exact"], [tuple(value) for value in state["worded"]], state["addresses"], state["sizes"])
        return index

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        """The organisations a field matches (the `limit` best), best first, each once by its best
        field (among equals, the first met: a whole value before words)."""
        best: dict[str, tuple[float, str, str]] = {}  # organisation -> (score, field, value)
        for org, field, value in self._exact.get(compact(query), []) if query.strip() else []:
            if org not in best or SCORES[field] > best[org][0]:
                best[org] = (SCORES[field], field, value)
        wanted = core(words(query))
        # a site's or address's score is one of a few (by its words and whether all are exact),
        # worked out once each: a common word ("hospital") holds 26,000 sites at 5M generated triples
        scores: dict[tuple[int, bool], float] = {}
        for number, exact in self._address_matches(wanted):
            org, field, value = self._worded[number]
            shape = (self._sizes[number], exact)
            score = scores.get(shape)
            if score is None:
                cover = min(1.0, len(set(wanted)) / shape[0])
                score = scores[shape] = round((WORDED_FROM + WORDED_SPAN * cover ** 0.5) * (1 if exact else PREFIXED), 4)
            if org not in best or score > best[org][0]:
                best[org] = (score, field, value)
        ranked = ((-score, org, field, value) for org, (score, field, value) in best.items())
        return [Hit(org, -minus_score, field, value)
                for minus_score, org, field, value in (sorted(ranked) if limit is None else heapq.nsmallest(limit, ranked))]

    def _address_matches(self, wanted: list[str]) -> list[tuple[int, bool]]:
        """(worded value, every word exact) for the addresses and sites holding every wanted word,
        whole or as the start of one of theirs (three letters or more)."""
        if not wanted:
            return []
        found: dict[int, bool] = {}
        for number, token in enumerate(deadline.checked(wanted)):
            here: dict[int, bool] = {}
            for word in self._words_like(token):
                for key in self._addresses[word]:
                    here[key] = here.get(key, False) or word == token
            found = here if number == 0 else {k: found[k] and v for k, v in here.items() if k in found}
        return list(found.items())

    def _words_like(self, token: str) -> list[str]:
        if len(token) < 3:
            return [token] if token in self._addresses else []
        at, like = bisect.bisect_left(self._address_words, token), []
        while at < len(self._address_words) and self._address_words[at].startswith(token):
            like.append(self._address_words[at])
            at += 1
        return like


def _fields(dataset) -> FieldIndex:
    return indexes.kept_or_made(dataset, _made_from(), FieldIndex.from_state, FieldIndex.from_dataset)


def _made_from() -> str:
    """What the field index is made from (`indexes.made_from`)."""
    return indexes.made_from("search fields", (fields_query(),), (__name__, matching.__name__))


def kept_indexes() -> dict:
    """The field index a store folder keeps whole (`indexes`): what it is made from, and its state."""
    return {_made_from(): lambda dataset: FieldIndex.of(dataset).state()}


def search(dataset, query: str, limit: int = 10, at: str | None = None) -> list[Hit]:
    """Organisations matching `query`, best first by how well each matched, each once by its best
    field; with `at` (a date), a name borne then matches before one that was not, and each hit says
    the name its lineage bore then (`then`, None if none)."""
    at = dates.parse(at) if at is not None else None
    best: dict[str, Hit] = {}
    for hit in [Hit(m.iri, m.score, m.field, m.name) for m in NameIndex.of(dataset).search(query, limit, at=at)] + \
            FieldIndex.of(dataset).search(query, limit):
        if hit.iri not in best or hit.score > best[hit.iri].score:
            best[hit.iri] = hit
    found = sorted(best.values(), key=lambda h: (-h.score, h.field not in ("name", "code"), h.iri))[:limit]
    return found if at is None else [replace(hit, then=lineage_name_at(dataset, hit.iri, at)) for hit in found]
