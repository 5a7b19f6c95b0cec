"""What each registry code is, from the evidence of the files: the rule, stated once.

The ODS files say nothing in words about what a code names, but three kinds of evidence do:
the shape of the code (the ODS gives each kind of body its own pattern), which file names it
(etr.csv lists NHS trusts), and what it succeeds (a new-style code that succeeds three ICBs is an
ICB). `KINDS` is the rule, first match wins; the README's table is this list, and
`tests/registry/test_registry_kinds.py` checks every example it gives.

`classes` says which of the documents' classes a code of each kind is, so a search for NHS trusts
or primary care trusts finds the registry's too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from derbygraph import vocab
from derbygraph.matching import words

from .read import ODS, Row, Trust

KIND_NS = ODS + "kind/"
# The kinds that are sites, not organisations: what a code succeeds only sites of is no merged body.
SITE_KINDS = frozenset({"site", "unplaced-site"})
# A code of the 2020s: letter, digit, letter, digit, letter (X2C4Y, D7T5G, G6V2S).
NEW_STYLE = re.compile(r"^[A-Z][0-9][A-Z][0-9][A-Z]$")


@dataclass(frozen=True)
class Evidence:
    """What the files say about one code, as the rule reads it."""

    code: str
    named: bool                 # etr.csv lists it
    parent: str | None          # its first three characters, when they are a code of the files
    predecessor_kinds: tuple[str, ...]  # the kinds (by shape alone) of the codes it succeeds


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    site: bool        # a site of an organisation, not an organisation
    rule: str         # the evidence, in words (the README's table)
    examples: tuple[str, ...]  # codes of the real files that the rule gives this kind
    test: Callable[[Evidence], bool]

    @property
    def iri(self) -> str:
        return KIND_NS + self.key


def _three(pattern: str) -> Callable[[Evidence], bool]:
    shape = re.compile(pattern)
    return lambda e: len(e.code) == 3 and bool(shape.match(e.code))


KINDS: tuple[Kind, ...] = (
    Kind("trust", "NHS trust or care trust", False,
         "named in etr.csv, or three characters beginning R or T",
         ("RXM", "RW1", "R1C", "TAC", "RKX", "G6V2S"), lambda e: e.named or (len(e.code) == 3 and e.code[0] in "RT")),
    Kind("pct", "primary care trust", False,
         "three characters: 5, a letter, and a letter or digit",
         ("5K9", "5A4", "5H8", "5J4", "5HQ"), _three(r"^5[A-Z][A-Z0-9]$")),
    Kind("ccg", "clinical commissioning group (from 2022 a sub-ICB location)", False,
         "three characters: two digits and a letter",
         ("03A", "15D", "52R", "X2C4Y"), _three(r"^[0-9]{2}[A-Z]$")),
    Kind("area", "strategic health authority, area team, ICB or other area body", False,
         "three characters beginning Q",
         ("Q01", "QH8", "D7T5G", "S0E4D", "S9B9J"), _three(r"^Q[A-Z0-9]{2}$")),
    Kind("pcg", "primary care group", False,
         "five characters: 4, two letters, two digits",
         ("4AE02", "4DN04", "4YD16"), lambda e: bool(re.match(r"^4[A-Z]{2}[0-9]{2}$", e.code))),
    Kind("site", "site of an organisation", True,
         "five characters whose first three are a code of the files (its organisation)",
         ("RXM44", "RKXAF", "5A101"), lambda e: len(e.code) == 5 and e.parent is not None),
    Kind("merged", "organisation with a code of the 2020s", False,
         "letter-digit-letter-digit-letter, succeeding at least one organisation (a site is not one); it is "
         "of the kind its organisations share when they share one (`other` too), else of this kind",
         (), lambda e: bool(NEW_STYLE.match(e.code)) and any(k not in SITE_KINDS for k in e.predecessor_kinds)),
    Kind("unplaced-site", "site of an organisation not in the files", True,
         "any other five characters", ("HLV01", "8A333", "A1G3F"), lambda e: len(e.code) == 5),
    Kind("other", "registry organisation of a kind the files do not show", False,
         "any other code (three digits, four, six or nine characters, other three-character codes)",
         ("001", "V001", "U00639", "AD7"), lambda e: True),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def _first(evidence: Evidence) -> Kind:
    return next(kind for kind in KINDS if kind.test(evidence))


def classify(rows: Iterable[Row], trusts: Iterable[Trust]) -> dict[str, Kind]:
    """The kind of every code of the files. A merged code takes the kind its predecessors share."""
    rows = list(rows)
    named = {t.code for t in trusts}
    codes = named | {c for r in rows for c in (r.predecessor, r.successor)}
    predecessors: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        predecessors[row.successor].add(row.predecessor)

    def evidence(code: str, context: bool) -> Evidence:
        parent = code[:3] if len(code) > 3 and code[:3] in codes else None
        before = tuple(sorted({_first(evidence(p, False)).key for p in predecessors[code]})) if context else ()
        return Evidence(code, code in named, parent, before)

    found = {}
    for code in sorted(codes):
        kind = _first(evidence(code, True))
        if kind.key == "merged":
            shared = {k for k in evidence(code, True).predecessor_kinds if k not in SITE_KINDS}
            if len(shared) == 1:
                kind = BY_KEY[next(iter(shared))]
        found[code] = kind
    return found


def parent_of(code: str, kinds: dict[str, Kind]) -> str | None:
    """The organisation a site code belongs to, when the files hold it."""
    kind = kinds.get(code)
    if kind is not None and kind.key == "site" and not kinds[code[:3]].site:
        return code[:3]
    return None


def kind_triples(add, lit) -> None:
    """Each kind as a SKOS concept with its label and its rule, so data users can read the rule."""
    for kind in KINDS:
        add(kind.iri, vocab.RDF + "type", vocab.SKOS + "Concept")
        add(kind.iri, vocab.SKOS + "prefLabel", lit(kind.label, language="en"))
        add(kind.iri, vocab.RDFS + "label", lit(kind.label, language="en"))
        add(kind.iri, vocab.SKOS + "notation", lit(kind.key))
        add(kind.iri, vocab.SKOS + "definition", lit(f"An ODS code is taken to be a {kind.label} when it is "
                                                     f"{kind.rule} (first matching rule wins).", language="en"))


# The documents' class of each kind that names one kind of body; a trust's class is read from its name.
_CLASS = {"pct": vocab.DG + "PrimaryCareTrust", "ccg": vocab.DG + "ClinicalCommissioningGroup",
          "area": vocab.DG + "AreaHealthBody"}


def classes(kind: Kind, name: str | None) -> tuple[str, ...]:
    """The classes of a code of this kind: a site is a dg:Site; an organisation is a
    dg:RegistryOrganisation and, where the files show its kind, of the documents' class for it.

    Whether a trust is an NHS trust or a foundation trust only its name in the files tells (etr.csv's,
    else the third listing's): "... NHS Foundation Trust" is a dg:NHSFoundationTrust, "... NHS Trust" a
    dg:NHSTrust, any other or no name only a dg:NHSBody. That name is a snapshot, so the class is
    what the body was when the file named it: a trust that became a foundation trust is typed as the
    foundation trust its code names now (the documents keep the two as bodies of one lineage)."""
    if kind.site:
        return (vocab.DG + "Site",)
    found = vocab.DG + "RegistryOrganisation"
    if kind.key == "trust":
        said = " ".join(words(name or ""))
        return found, vocab.DG + ("NHSFoundationTrust" if "nhs foundation trust" in said
                                  else "NHSTrust" if "nhs trust" in said else "NHSBody")
    return (found, _CLASS[kind.key]) if kind.key in _CLASS else (found,)
