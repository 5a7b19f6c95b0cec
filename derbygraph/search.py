"""Finding organisations: by name first, then by what the registry says of them.

A user types a name, or a postcode, a street, a town, an ODS region or ICS code. Names are matched
by the one forgiving matcher (`names.NameIndex`); this room adds the registry's other columns
(`dg:postcode`, `dg:address`, `dg:nationalGrouping`, `dg:healthGeography`, `dg:parentCode`) and puts the two
together. The order is the promise: every name match comes before every match on another field,
and each organisation is listed once, by the best field it matched, so a postcode never pushes a
name out of the first places. Each hit says which field it matched and the value it matched.

Region letters (etr.csv's 24th column) are not searched: a single letter is a word or an initial
in every other query.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

from . import vocab
from .names import core, words

# The fields searched besides names, by property: what a hit calls the field.
FIELDS = {vocab.DG + "postcode": "postcode", vocab.DG + "address": "address",
          vocab.DG + "nationalGrouping": "national grouping", vocab.DG + "healthGeography": "health geography (ICS)",
          vocab.DG + "parentCode": "parent code"}
DISTRICT = "postcode district"
_VALUES = """
SELECT DISTINCT ?thing ?field ?value WHERE {
  ?thing a org:Organization ; ?field ?value .
  VALUES ?field { %s }
}""" % " ".join(f"<{p}>" for p in FIELDS)

# Scores of the other fields, all below any name's (a name match scores above 0.25: `names.score`),
# so "best first" and "names first" are one order.
SCORES = {"postcode": 0.25, DISTRICT: 0.2, "national grouping": 0.2, "health geography (ICS)": 0.2, "parent code": 0.2,
          "address": 0.15}
PARTIAL_ADDRESS = 0.1  # every word found, some only as the start of an address word ("kings" in "Kingsway")

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


def compact(text: str) -> str:
    """A code or postcode as compared: upper case, without spaces ("de22 3lz" -> "DE223LZ")."""
    return re.sub(r"\s+", "", text).upper()


def district(postcode: str) -> str | None:
    """The postcode district (outward code) of a full postcode: "DE22 3LZ" -> "DE22"."""
    packed = compact(postcode)
    outward = packed[:-3]
    return outward if len(packed) > 3 and _OUTWARD.match(outward) else None


class FieldIndex:
    """The registry's other columns of every organisation, looked up by exact code, postcode or
    district, and by address words."""

    def __init__(self, values: list[tuple[str, str, str]]):
        self._exact: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # compacted value -> hits
        self._addresses: dict[str, list[tuple[str, str]]] = defaultdict(list)  # address word -> (org, address)
        for org, field, value in values:
            if field == "address":
                for token in set(words(value)):
                    self._addresses[token].append((org, value))
                continue
            self._exact[compact(value)].append((org, field, value))
            if field == "postcode" and district(value):
                self._exact[district(value)].append((org, DISTRICT, value))
        self._address_words = sorted(self._addresses)

    @classmethod
    def from_dataset(cls, dataset) -> "FieldIndex":
        return cls([(row["thing"].value, FIELDS[row["field"].value], row["value"].value)
                    for row in dataset.query(vocab.sparql_prologue() + _VALUES)])

    def search(self, query: str) -> list[Hit]:
        """Every organisation a field matches, best first, each once."""
        best: dict[str, Hit] = {}

        def offer(hit: Hit) -> None:
            if hit.iri not in best or hit.score > best[hit.iri].score:
                best[hit.iri] = hit

        for org, field, value in self._exact.get(compact(query), []) if query.strip() else []:
            offer(Hit(org, SCORES[field], field, value))
        for org, address, exact in self._address_matches(core(words(query))):
            offer(Hit(org, SCORES["address"] if exact else PARTIAL_ADDRESS, "address", address))
        return sorted(best.values(), key=lambda h: (-h.score, h.iri))

    def _address_matches(self, wanted: list[str]):
        """(org, address, every word exact) for addresses holding every wanted word, whole or as
        the start of one of theirs (three letters or more)."""
        if not wanted:
            return []
        found: dict[tuple[str, str], bool] = {}
        for number, token in enumerate(wanted):
            here: dict[tuple[str, str], bool] = {}
            for word in self._words_like(token):
                for key in self._addresses[word]:
                    here[key] = here.get(key, False) or word == token
            found = here if number == 0 else {k: found[k] and v for k, v in here.items() if k in found}
        return [(org, address, exact) for (org, address), exact in found.items()]

    def _words_like(self, token: str) -> list[str]:
        if len(token) < 3:
            return [token] if token in self._addresses else []
        at, like = bisect.bisect_left(self._address_words, token), []
        while at < len(self._address_words) and self._address_words[at].startswith(token):
            like.append(self._address_words[at])
            at += 1
        return like


def search(dataset, query: str, limit: int = 10) -> list[Hit]:
    """Organisations matching `query`, best first: names (and codes) first, then other fields."""
    hits = [Hit(m.iri, m.score, m.field, m.name) for m in dataset.names.search(query, limit)]
    named = {h.iri for h in hits}
    hits += [h for h in dataset.fields.search(query) if h.iri not in named]
    return hits[:limit]
