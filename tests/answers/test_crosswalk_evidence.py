"""What the crosswalk prints around its mapping, checked against the registry files themselves for
every code at three target dates: names in force (or empty with the reason), notes from the open
and close dates, last evidence and successions on several dates (each naming its rows), shares
by the declared policy."""

from __future__ import annotations

import csv
import datetime
import re
from collections import defaultdict

import pytest

from derbygraph.answers.crosswalk import CrosswalkService, SplitPolicy
from derbygraph.answers.names import NameIndex
from derbygraph.registry.graph import ORG_NS

DATES = ["2005-04-01", "2013-04-01", "2024-04-01"]
OBSERVED = "2021-09-30"  # the etr.csv snapshot's date, the latest date it states


def day(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def cite(file: str, lines: list[int]) -> str:
    lines = sorted(set(lines))
    return f"{file} line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"


@pytest.fixture(scope="module")
def files(registry_files):
    """The files as an analyst would read them: etr.csv by code; succ.csv rows with their line numbers."""
    with (registry_files / "etr.csv").open(newline="") as stream:
        etr = {row[0]: {"line": n, "name": row[1], "opened": day(row[10]) if row[10] else None,
                        "closed": day(row[11]) if row[11] else None}
               for n, row in enumerate(csv.reader(stream), start=1)}
    with (registry_files / "succ.csv").open(newline="") as stream:
        succ = [(n, row[0], row[1], day(row[3])) for n, row in enumerate(csv.reader(stream), start=1)]
    with (registry_files / "trust-listing.csv").open(newline="") as stream:
        listing = {row[0]: (n, row[1]) for n, row in enumerate(csv.reader(stream), start=1)
                   if n > 1}  # under its header
    listed = {code: n for code, (n, _) in listing.items()}

    def words(name: str) -> list[str]:  # case carries nothing
        return re.findall(r"[a-z0-9]+", name.lower().replace("&", " and "))

    differ = {code: (n, name) for code, (n, name) in listing.items()
              if etr.get(code, {}).get("name") and words(name) != words(etr[code]["name"])}
    mentions, onward = defaultdict(list), defaultdict(list)
    for line, predecessor, successor, date in succ:
        mentions[predecessor].append((date, line))
        mentions[successor].append((date, line))
        onward[predecessor].append((date, successor, line))
    return {"etr": etr, "listed": listed, "differ": differ, "mentions": mentions, "onward": onward}


@pytest.fixture(scope="module")
def service(registry_dataset):
    return CrosswalkService(registry_dataset)


@pytest.fixture(scope="module", params=DATES)
def answered(request, service):
    to = request.param
    return to, service.crosswalk(to), service.crosswalk(to, splits=SplitPolicy("equal"))


def test_no_generated_label_stands_in_a_name(answered):
    _, answer, _ = answered
    names = [r["name"] for r in answer["rows"]] + [t["name"] for r in answer["rows"] for t in r["targets"]]
    assert not [n for n in names if n and (n.startswith("ODS ") or n == "")]
    assert all(r["kind"] for r in answer["rows"]) and all(t["kind"] for r in answer["rows"] for t in r["targets"])


def test_an_unnamed_target_says_why(answered, files):
    to, answer, _ = answered
    for row in answer["rows"]:
        for target in row["targets"]:
            if target["name"] is not None:
                continue
            code, known = target["code"], files["etr"].get(target["code"])
            reason = next(n for n in row["notes"] if n.startswith(f"no name known for {code} on {to}"))
            if known:
                assert f"last observed {known['name'].lower()!r} on {OBSERVED} (etr.csv line {known['line']})" \
                    in reason.lower(), reason
            elif code in files["listed"]:  # the third listing's undated name, cited, never the name
                assert "trust-listing.csv (undated, error rate " in reason, reason
                assert reason.endswith(f"(trust-listing.csv line {files['listed'][code]})"), reason
            else:
                assert reason.endswith("the files give it none"), reason


def test_a_linked_code_is_named_as_the_documents_name_it_then(service):
    named = {to: service.crosswalk(to, code="RKX")["rows"][0]["targets"][0]["name"] for to in DATES}
    assert named == {"2005-04-01": "Derbyshire Mental Health Services NHS Trust",
                     "2013-04-01": "Derbyshire Healthcare NHS Foundation Trust",
                     "2024-04-01": "Derbyshire Healthcare NHS Foundation Trust"}


def test_snapshot_names_only_on_their_date(answered, service):
    """The registry names a code only on the snapshot's date: at these dates only the codes linked
    to the documents have names."""
    assert NameIndex.of(service.dataset).name_at(ORG_NS + "RW6", "2005-04-01") is None  # observed 2021-09-30 only
    _, answer, _ = answered
    linked = set(service.facts.lineage)
    named = {t["code"] for r in answer["rows"] for t in r["targets"] if t["name"]}
    assert named <= linked, sorted(named - linked)[:10]


def test_closures_are_told_from_the_close_dates(answered, files):
    to, answer, _ = answered
    for row in answer["rows"]:
        for target in row["targets"]:
            known = files["etr"].get(target["code"])
            if not known or not known["closed"] or known["closed"] > to:
                continue
            about = [n for n in row["notes"] if f"(etr.csv line {known['line']})" in n and target["code"] in n
                     and not n.startswith("no name known")]
            assert about, (row["code"], target["code"])
            successor_next_day = any(d == (datetime.date.fromisoformat(known["closed"]) + datetime.timedelta(1)).isoformat()
                                     for d, _, _ in files["onward"][target["code"]])
            if successor_next_day:
                assert not any("with no successor" in n for n in about), about


CLOSED_WITH_NEXT_DAY_SUCCESSORS = ["RW6", "RD3", "RDZ", "RT3", "RTV", "RXH"]  # etr.csv's six close dates


@pytest.mark.parametrize("code", CLOSED_WITH_NEXT_DAY_SUCCESSORS)
def test_a_close_date_and_a_next_day_successor_are_one_change(service, files, code):
    """On its close date (its last day) the code maps to itself (named where etr.csv observed its name
    that day), and the note names every successor of the next day (RW6's two) as one change."""
    known = files["etr"][code]
    next_day = (datetime.date.fromisoformat(known["closed"]) + datetime.timedelta(1)).isoformat()
    successors = sorted((successor, line) for date, successor, line in files["onward"][code] if date == next_day)
    [row] = service.crosswalk(known["closed"], code=code)["rows"]
    assert [t["code"] for t in row["targets"]] == [code]
    if known["closed"] == OBSERVED:  # RW6: its last day is the snapshot's, the one day its name is known to hold
        assert row["name"].lower() == known["name"].lower()
    else:
        assert row["name"] is None
    [note] = [n for n in row["notes"] if "last day" in n]
    who = " and ".join(s for s, _ in successors)
    assert f"its successor{'s' if len(successors) > 1 else ''} {who} take" in note and "one change" in note
    assert cite("succ.csv", [line for _, line in successors]) in note and "no successor" not in note
    [after] = service.crosswalk(next_day, code=code)["rows"]
    assert {t["code"] for t in after["targets"]} >= {s for s, _ in successors} and after["name"] is None


def test_an_unnamed_code_says_why(answered, files):
    """The code's own name column, empty on the date, has its reason in the notes (RKX at 2005 is
    no longer, and the listing's undated name is no name in force)."""
    to, answer, _ = answered
    unnamed = [row for row in answer["rows"] if row["name"] is None]
    assert unnamed
    for row in unnamed:
        code = row["code"]
        assert any(n.startswith(f"no name known for {code} on {to}") for n in row["notes"]), (code, row["notes"])


def test_a_code_with_no_successor_and_no_closure_gives_its_last_evidence(answered, files):
    to, answer, _ = answered
    noted = 0
    for row in answer["rows"]:
        for target in row["targets"]:
            code = target["code"]
            said = [n for n in row["notes"] if n.startswith(f"the files record no successor and no closure for {code};")]
            later = [d for d, _, _ in files["onward"][code] if d > to]
            if code in files["etr"] or later or max(d for d, _ in files["mentions"][code]) >= to:
                assert not said, (row["code"], said)
                continue
            last = max(d for d, _ in files["mentions"][code])
            lines = [line for d, line in files["mentions"][code] if d == last]
            assert said == [f"the files record no successor and no closure for {code}; last evidence {last} "
                            f"({cite('succ.csv', lines)})"], (row["code"], code)
            noted += 1
    assert noted > 100


def test_pcts_at_2024_say_the_files_record_no_successor(service):
    answer = service.crosswalk("2024-04-01", kind="pct")
    mapped_to_pcts = [r for r in answer["rows"] if any(t["kind"] == "pct" for t in r["targets"])]
    assert len(mapped_to_pcts) > 300
    assert all(any("no successor and no closure" in n for n in r["notes"]) for r in mapped_to_pcts)


def test_a_code_opened_after_the_date_says_so(answered, files):
    to, answer, _ = answered
    for row in answer["rows"]:
        known = files["etr"].get(row["code"])
        said = [n for n in row["notes"] if n.startswith(f"{row['code']} opened on")]
        if known and known["opened"] and known["opened"] > to:
            assert said == [f"{row['code']} opened on {known['opened']} (etr.csv line {known['line']}), after {to}: "
                            f"it maps to itself though it was not in force then"]
        else:
            assert not said
        if known:  # etr.csv gives its opening: never "first appears" from succ.csv alone (RAX, 1991)
            assert not any("first appears" in n for n in row["notes"]), row["code"]


def test_a_code_succeeded_on_several_dates_says_so(answered, files):
    to, answer, _ = answered
    for row in answer["rows"]:
        steps = files["onward"][row["code"]]
        said = [n for n in row["notes"] if n.startswith(f"{row['code']} is succeeded on")]
        if len({d for d, _, _ in steps}) < 2:
            assert not said
            continue
        [note] = said
        assert note.startswith(f"{row['code']} is succeeded on {len({d for d, _, _ in steps})} dates")
        assert all("succ.csv line" in note and str(line) in note for _, _, line in steps)
    notes = {r["code"]: r["notes"] for r in answer["rows"] if r["code"] in ("12J", "12K", "V03684")}
    assert all(any("is succeeded on 2 dates" in n for n in found) for found in notes.values()) and len(notes) == 3


def test_shares_follow_the_declared_policy(answered):
    to, kept, equal = answered
    assert kept["splits"] == "all" and equal["splits"] == "equal" and "equal" in equal["split_policy"]
    for row, same in zip(kept["rows"], equal["rows"]):
        shares, equal_shares = [t["share"] for t in row["targets"]], [t["share"] for t in same["targets"]]
        if row["split"]:
            assert shares == [None] * len(shares)  # the files give no share: none is invented
            assert equal_shares == pytest.approx([1 / len(shares)] * len(shares))
        else:
            assert shares == equal_shares == [1.0]
        assert sum(equal_shares) == pytest.approx(1.0)
    if to == "2024-04-01":
        assert sum(r["split"] for r in kept["rows"]) > 300


def test_weights_divide_a_split_in_proportion(service):
    policy = SplitPolicy.parse("weights=w.csv", read_file=lambda name: "code,weight\nR0A,3\nRM3,1\n")
    [row] = service.crosswalk("2024-04-01", code="RW6", splits=policy)["rows"]
    assert {t["code"]: t["share"] for t in row["targets"]} == {"R0A": 0.75, "RM3": 0.25}
    partial = SplitPolicy.parse("weights=w.csv", read_file=lambda name: "code,weight\nR0A,3\n")
    [row] = service.crosswalk("2024-04-01", code="RW6", splits=partial)["rows"]
    assert [t["share"] for t in row["targets"]] == [None, None]
    assert any("no shares: w.csv gives no weight for RM3" in n for n in row["notes"])


def test_a_listed_name_is_shown_as_the_listings_never_as_the_name(service, files):
    """The third listing's undated name for a closed trust (`dg:ListedName`) is shown apart, with
    its row, and the name stays empty."""
    [row] = service.crosswalk("2001-04-01", code="RKX")["rows"]
    [target] = row["targets"]
    line = files["listed"]["RKX"]
    assert target["name"] is None and target["listed_name"] == {
        "name": "Community Healthcare Service (North Derbyshire) NHS Trust", "source": f"trust-listing.csv line {line}",
        "undated": True}
    assert "no name known for RKX on 2001-04-01; trust-listing.csv (undated, error rate 0.0509) lists it as " \
           f"'Community Healthcare Service (North Derbyshire) NHS Trust' (trust-listing.csv line {line})" in row["notes"]


def test_where_the_listing_and_etr_disagree_the_crosswalk_says_so(answered, files):
    """The eleven codes the third listing names otherwise than etr.csv (RAX: 'Kingston and richmond',
    etr.csv 'KINGSTON HOSPITAL'): every row that is or reaches one says so, with both rows."""
    to, answer, _ = answered
    assert len(files["differ"]) == 11 and "RAX" in files["differ"]
    seen = set()
    for row in answer["rows"]:
        for code in {row["code"]} | {t["code"] for t in row["targets"]}:
            said = [n for n in row["notes"] if n.startswith(f"the sources disagree: trust-listing.csv names {code} ")]
            if code not in files["differ"]:
                assert not said, (row["code"], said)
                continue
            listed_line, listed_name = files["differ"][code]
            [note] = said
            assert f"{code} {listed_name!r}; etr.csv names it {files['etr'][code]['name']!r}" in note
            assert f"(etr.csv line {files['etr'][code]['line']}; trust-listing.csv line {listed_line})" in note
            seen.add(code)
    assert seen == set(files["differ"])
