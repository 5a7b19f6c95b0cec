"""What each registry code is: the rule in `derbygraph.registry.kinds`, on the real files and on edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from registry_rows import etr_row, succ_row, write

from derbygraph.registry import kinds, read

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real(registry_files):
    rows = read.read_succ(registry_files / "succ.csv")
    trusts = read.read_etr(registry_files / "etr.csv")
    return rows, trusts, kinds.classify(rows, trusts)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.key)
def test_every_example_of_the_table_has_its_kind(real, kind):
    found = real[2]
    assert {code: found[code].key for code in kind.examples} == {code: kind.key for code in kind.examples}


@pytest.mark.parametrize("code, key", [
    ("4AE02", "pcg"), ("X2C4Y", "ccg"), ("H6X4G", "other"), ("W8X1Q", "other"),
    ("D7T5G", "area"), ("S0E4D", "area"), ("S9B9J", "area"), ("G6V2S", "trust"),
    ("5K9", "pct"), ("5A4", "pct"), ("5H8", "pct"), ("5J4", "pct"), ("5HQ", "pct"), ("TAC", "trust"),
])
def test_the_issues_examples(real, code, key):
    """Codes that "five characters = site" got wrong, and the merged bodies of mis-typed mergers (a
    2020s code whose predecessors are all of a kind the files do not show is of that kind too)."""
    assert real[2][code].key == key and not real[2][code].site


def test_five_characters_are_not_always_a_site(real):
    rows, _, found = real
    five = {code for code, kind in found.items() if len(code) == 5 and not kind.site}
    assert len(five) >= 150  # the 140 primary care groups and the 2020s codes of merged bodies
    assert {code for code in five if found[code].key == "pcg"} == {c for c in found if re.fullmatch(r"4[A-Z]{2}\d\d", c)}


def test_a_site_belongs_to_an_organisation_of_the_files_or_says_it_does_not(real):
    found = real[2]
    for code, kind in found.items():
        if kind.key == "site":
            assert kinds.parent_of(code, found) == code[:3] and not found[code[:3]].site, code
        elif kind.site:
            assert kinds.parent_of(code, found) is None and code[:3] not in found, code


def test_a_code_the_trust_file_names_is_a_trust(real):
    _, trusts, found = real
    assert {found[t.code].key for t in trusts} == {"trust"}


def test_a_merged_code_takes_the_kind_its_predecessors_share(tmp_path):
    rows = read.read_succ(write(tmp_path / "succ.csv", [
        succ_row("03A", "X2C4Y", "20210401"), succ_row("03J", "X2C4Y", "20210401"),   # two CCGs
        succ_row("RAA", "G6V2S", "20241101"), succ_row("QH8", "G6V2S", "20241101"),  # a trust and an area: mixed
        succ_row("RXH57", "A1G3F", "20210401"),                                      # a site's new code
        succ_row("RXH", "RXM", "20210401"),
    ]))
    found = kinds.classify(rows, [])
    assert (found["X2C4Y"].key, found["G6V2S"].key, found["A1G3F"].key) == ("ccg", "merged", "unplaced-site")
    assert found["RXH57"].key == "site"


def test_the_trust_file_outranks_the_shape(tmp_path):
    trusts = read.read_etr(write(tmp_path / "etr.csv", [etr_row("NQ1", "SOME NHS TRUST")]))
    assert kinds.classify([], trusts)["NQ1"].key == "trust"


def test_the_readme_table_is_the_rule():
    """The README states each kind's rule in the words of the code, and its examples."""
    text = (ROOT / "README.md").read_text()
    for kind in kinds.KINDS:
        line = next((l for l in text.splitlines() if l.startswith(f"| `{kind.key}` |")), None)
        assert line is not None, f"README has no row for {kind.key}"
        assert kind.rule in line and all(f"`{code}`" in line for code in kind.examples), line


def _by_the_words(code: str, named: set[str], codes: set[str], predecessors: dict[str, set[str]]) -> str:
    """The README's table read afresh, row by row, first match wins."""
    def shape(c: str) -> str:  # every rule but `merged`, which looks at what a code succeeds
        if c in named or (len(c) == 3 and c[0] in "RT"):
            return "trust"
        for key, pattern in (("pct", r"5[A-Z][A-Z0-9]"), ("ccg", r"[0-9]{2}[A-Z]"), ("area", r"Q[A-Z0-9]{2}"),
                             ("pcg", r"4[A-Z]{2}[0-9]{2}")):
            if re.fullmatch(pattern, c):
                return key
        if len(c) == 5:
            return "site" if c[:3] in codes else "unplaced-site"
        return "other"

    first = shape(code)
    if first != "unplaced-site" or not re.fullmatch(r"[A-Z][0-9][A-Z][0-9][A-Z]", code):
        return first
    organisations = {shape(p) for p in predecessors.get(code, ())} - {"site", "unplaced-site"}
    if not organisations:
        return "unplaced-site"  # it succeeds no organisation
    return organisations.pop() if len(organisations) == 1 else "merged"


def test_every_code_of_the_real_files_follows_the_stated_rules(real, registry_files):
    rows, trusts, found = real
    named = {t.code for t in trusts}
    codes = named | {c for r in rows for c in (r.predecessor, r.successor)}
    predecessors: dict[str, set[str]] = {}
    for row in rows:
        predecessors.setdefault(row.successor, set()).add(row.predecessor)
    wrong = {c: (found[c].key, _by_the_words(c, named, codes, predecessors)) for c in codes
             if found[c].key != _by_the_words(c, named, codes, predecessors)}
    assert not wrong and len(found) == len(codes) == 21084


def test_the_ten_merged_codes_that_broke_the_rule(real):
    """Four succeed only codes of a kind the files do not show, so are of that kind; six succeed only
    sites, so are no merged organisation (sites of an organisation not in the files)."""
    found = real[2]
    assert {c: found[c].key for c in ("H6X4G", "U6Q5Z", "W8X1Q", "Z9D4Z")} == dict.fromkeys(
        ("H6X4G", "U6Q5Z", "W8X1Q", "Z9D4Z"), "other")
    six = ("M4G3Y", "N2K5I", "O9O6Y", "U7R1J", "V9P0J", "X8S6J")
    assert {c: found[c].key for c in six} == dict.fromkeys(six, "unplaced-site")
    assert not [c for c, k in found.items() if k.key == "merged"]  # none of the real files' codes is of mixed kinds


def test_a_2020s_code_that_succeeds_only_sites_is_no_merged_body(tmp_path):
    rows = read.read_succ(write(tmp_path / "succ.csv", [
        succ_row("DM803", "M4G3Y", "20220401"), succ_row("102", "H6X4G", "20220701"), succ_row("115", "H6X4G", "20220701")]))
    found = kinds.classify(rows, [])
    assert (found["M4G3Y"].key, found["H6X4G"].key) == ("unplaced-site", "other")
