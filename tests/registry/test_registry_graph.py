"""The registry's rows as RDF: kinds, names as observed, events by one rule, columns, row provenance.

Edge cases run on small synthetic files; the real files (../shared/ods/) check the rules at scale.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
import pytest
from registry_rows import (
    DERIVED,
    DG,
    EVENT,
    LABEL,
    ORG,
    ORIGINAL,
    RESULTING,
    TYPE,
    etr_row,
    import_small,
    listing_row,
    objects,
    succ_row,
)

from derbygraph import dates, vocab
from derbygraph.build import build_store
from derbygraph.build.checks import check
from derbygraph.registry import graph, kinds, read

KIND = DG + "registryKind"


def test_codes_without_names_get_no_invented_name(tmp_path):
    _, g, _ = import_small(tmp_path, [succ_row("AAA", "BBB", "19990401")],
                           [etr_row("BBB", "BEE HOSPITALS NHS TRUST", "19990401"), etr_row("CCC", "", "19920401")])
    assert objects(g, ORG + "AAA", LABEL) == {f"ODS {kinds.BY_KEY['other'].label} AAA"}
    assert objects(g, ORG + "AAA", TYPE) == {DG + "RegistryOrganisation"}
    assert not objects(g, ORG + "AAA", DG + "hasNamePeriod")
    assert not objects(g, ORG + "CCC", DG + "hasNamePeriod")  # a row with an empty name: still unnamed
    assert objects(g, ORG + "BBB", LABEL) == {"Bee Hospitals NHS Trust"}
    assert objects(g, ORG + "BBB", vocab.SKOS + "notation") == {"BBB"}


def test_a_snapshot_name_is_observed_not_dated_from_the_codes_opening(tmp_path):
    _, g, _ = import_small(tmp_path, [succ_row("RAA", "RBB", "20241001"), succ_row("RAA", "RCC", "20100401")],
                           [etr_row("RAA", "AY NHS FOUNDATION TRUST", "19920401"),
                            etr_row("RDD", "DEE NHS TRUST", "19940401", "20200331")], observed="2022-02-01")
    [period] = objects(g, ORG + "RAA", DG + "hasNamePeriod")
    assert objects(g, period, DG + "name") == {"Ay NHS Foundation Trust"}
    assert objects(g, period, vocab.SKOS + "altLabel") == {"AY NHS FOUNDATION TRUST"}
    assert not objects(g, period, DG + "start")
    assert objects(g, period, DG + "observed") == {"2022-02-01"}
    # ends by the succession after the snapshot, not the one before it
    assert objects(g, period, DG + "end") == {"2024-10-01"}
    assert objects(g, ORG + "RAA", DG + "opened") == {"1992-04-01"}
    [closed] = objects(g, ORG + "RDD", DG + "hasNamePeriod")
    # a close date is the code's last day: its name no longer held from the next
    assert objects(g, closed, DG + "end") == {"2020-04-01"} and objects(g, ORG + "RDD", DG + "closed") == {"2020-03-31"}


def test_without_a_snapshot_date_the_latest_date_of_the_file_is_used(tmp_path):
    summary, g, _ = import_small(tmp_path, [succ_row("AAA", "BBB", "20050401")],
                                 [etr_row("BBB", "BEE NHS TRUST", "19990401"), etr_row("CCC", "SEE NHS TRUST", "20010401", "20030930")])
    assert objects(g, graph.NAME_NS + "BBB", DG + "observed") == {"2003-09-30"}
    assert "(observed 2003-09-30)" in summary


def test_labels_name_a_code_only_where_its_name_held_then(tmp_path):
    _, g, _ = import_small(tmp_path, [succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401"),
                                      succ_row("RXM", "RZZ", "20220201")],
                           [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST")], observed="2022-02-01")
    assert objects(g, EVENT + "2002-04-01-RXM", LABEL) == {"RKX and RW2 merge into RXM"}
    assert objects(g, EVENT + "2022-02-01-RZZ", LABEL) == {"RXM (Derbyshire Healthcare NHS Foundation Trust) succeeded by RZZ"}


def test_every_column_is_data_with_its_row(tmp_path):
    _, g, _ = import_small(tmp_path, [succ_row("AAA", "RXM", "20020401", indicator="1")], [etr_row(
        "RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", c2="Y60", c3="QJ2", c4="TRUST HQ", c5="KINGSWAY",
        c7="DERBY", c9="DE22 3LZ", c14="QHM", c23="J")])
    rxm = ORG + "RXM"
    columns = ("nationalGrouping", "healthGeography", "parentCode", "region", "postcode", "address", "opened")
    assert {p: objects(g, rxm, DG + p) for p in columns} == {
        "nationalGrouping": {"Y60"}, "healthGeography": {"QJ2"}, "parentCode": {"QHM"}, "region": {"J"},
        "postcode": {"DE22 3LZ"}, "address": {"TRUST HQ, KINGSWAY, DERBY"}, "opened": {"2002-04-01"}}
    assert read.RECORD_NS + "etr/1" in objects(g, rxm, DERIVED)
    assert objects(g, read.RECORD_NS + "succ/1", DG + "successionIndicator") == {"1"}
    # each value rests on its own row: a reified statement of it, derived from the etr.csv row alone
    statements = {s for s, p, o in g if p == vocab.RDF + "subject" and o == rxm}
    cited = {(objects(g, s, vocab.RDF + "predicate").pop()[len(DG):], objects(g, s, vocab.RDF + "object").pop()):
             objects(g, s, DERIVED) for s in statements}
    assert {key: rows for key, rows in cited.items() if key[0] in columns} == {
        (p, value): {read.RECORD_NS + "etr/1"} for p in columns for value in objects(g, rxm, DG + p)}


def test_several_organisations_into_one_on_one_date_are_one_merger(tmp_path):
    _, g, _ = import_small(tmp_path, [
        succ_row("AAA", "CCC", "20050401"), succ_row("BBB", "CCC", "20050401"),
        succ_row("AAA", "DDD", "20050401"),   # AAA is split: part to CCC, part to DDD
        succ_row("CCC", "EEE", "20100401"),   # then CCC is succeeded on its own
        succ_row("4DN04", "5K9", "20020401"), succ_row("RA0", "5K9", "20020401"),  # a primary care group and a trust
    ])
    merger, split, later, pct = (EVENT + "2005-04-01-CCC", EVENT + "2005-04-01-DDD", EVENT + "2010-04-01-EEE",
                                 EVENT + "2002-04-01-5K9")
    assert objects(g, merger, TYPE) == {DG + "Merger"}
    assert objects(g, merger, ORIGINAL) == {ORG + "AAA", ORG + "BBB"} and objects(g, merger, RESULTING) == {ORG + "CCC"}
    assert len(objects(g, merger, DERIVED)) == 2  # one record per row
    assert objects(g, split, TYPE) == objects(g, later, TYPE) == {DG + "Succession"}
    assert objects(g, pct, TYPE) == {DG + "Merger"} and objects(g, pct, ORIGINAL) == {ORG + "4DN04", ORG + "RA0"}
    assert objects(g, ORG + "4DN04", KIND) == {kinds.BY_KEY["pcg"].iri}


def test_a_site_event_is_part_of_the_event_its_old_organisation_takes_part_in(tmp_path):
    _, g, _ = import_small(tmp_path, [
        succ_row("AAA", "CCC", "20050401"), succ_row("AAA01", "CCC07", "20050401"), succ_row("AAA02", "CCC07", "20050401"),
        succ_row("BBB", "CCC", "20060401"), succ_row("XXX", "CCC", "20060401"),  # CCC takes over BBB and XXX
        succ_row("ZZZ01", "CCC09", "20060401"),  # a site of ZZZ, which takes no part in CCC's event that day
        succ_row("ZZZ", "YYY", "20060401"),
    ])
    assert objects(g, ORG + "CCC07", TYPE) == {DG + "Site"} and objects(g, ORG + "CCC07", vocab.ORG + "siteOf") == {ORG + "CCC"}
    site_event = EVENT + "2005-04-01-CCC07"
    assert objects(g, site_event, TYPE) == {DG + "SiteSuccession"}
    assert objects(g, site_event, DG + "originalSite") == {ORG + "AAA01", ORG + "AAA02"}
    assert objects(g, site_event, DG + "partOfEvent") == {EVENT + "2005-04-01-CCC"}
    assert not objects(g, site_event, ORIGINAL)  # a site is not an organisation
    assert objects(g, EVENT + "2006-04-01-CCC09", DG + "partOfEvent") == {EVENT + "2006-04-01-YYY"}


def test_provenance_down_to_the_row(tmp_path):
    _, g, _ = import_small(tmp_path, ["", succ_row("AAA", "CCC", "20050401")], [etr_row("CCC", "SEE NHS TRUST")])
    record = read.RECORD_NS + "succ/2"  # line 1 is blank: lines count as in the file
    assert objects(g, EVENT + "2005-04-01-CCC", DERIVED) == {record}
    assert objects(g, record, DG + "line") == {"2"}
    assert objects(g, record, vocab.PROV + "value") == {succ_row("AAA", "CCC", "20050401")}
    assert objects(g, record, vocab.DCT + "source") == {graph.FILE_NS + "succ"}
    assert objects(g, graph.FILE_NS + "succ", vocab.DCT + "title") == {"NHS ODS succ.csv"}
    assert objects(g, graph.FILE_NS + "succ", vocab.DCT + "license") == {graph.OGL}
    assert objects(g, ORG + "CCC", DERIVED) == {record, read.RECORD_NS + "etr/1"}
    [period] = objects(g, ORG + "CCC", DG + "hasNamePeriod")
    assert objects(g, period, DERIVED) == {read.RECORD_NS + "etr/1"}


def test_every_kind_is_a_concept_with_its_rule(tmp_path):
    _, g, _ = import_small(tmp_path, [succ_row("AAA", "BBB", "20050401")])
    for kind in kinds.KINDS:
        assert objects(g, kind.iri, TYPE) == {vocab.SKOS + "Concept"}
        [definition] = objects(g, kind.iri, vocab.SKOS + "definition")
        assert kind.rule in definition


@pytest.mark.parametrize("raw, title", [
    ("DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "Derbyshire Healthcare NHS Foundation Trust"),
    ("GUY'S AND ST THOMAS' NHS FOUNDATION TRUST", "Guy's and St Thomas' NHS Foundation Trust"),
    ("THE NEWCASTLE UPON TYNE HOSPITALS NHS FOUNDATION TRUST", "The Newcastle upon Tyne Hospitals NHS Foundation Trust"),
    ("STOKE-ON-TRENT NHS TRUST", "Stoke-on-Trent NHS Trust"),
    ("COMMUNITY HEALTH CARE (NORTH DERBYSHIRE) NHS TRUST", "Community Health Care (North Derbyshire) NHS Trust"),
])
def test_registry_names_are_title_cased(raw, title):
    assert graph.title_name(raw) == title


def test_small_import_passes_the_checks(tmp_path):
    _, _, out = import_small(tmp_path, [
        succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401"),
        succ_row("RKXAF", "RXM44", "20020401"), succ_row("AAA", "BBB", "20050401"),
        succ_row("BBB", "RXM", "20100401"), succ_row("03A", "X2C4Y", "20210401"), succ_row("03J", "X2C4Y", "20210401"),
    ], [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401"),
        etr_row("BBB", "BEE NHS TRUST", "20050401", "20100331")], documents=None)
    store, found = build_store([out])
    assert check(store, found) == []


def test_each_kind_is_of_the_documents_class_for_it(tmp_path):
    _, g, _ = import_small(tmp_path, [
        succ_row("5K9", "03A", "20130401"), succ_row("03A", "X2C4Y", "20210401"), succ_row("03J", "X2C4Y", "20210401"),
        succ_row("Q01", "QH8", "20060701"), succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401"),
        succ_row("RKXAF", "RXM44", "20020401"), succ_row("4AE02", "5K9", "20020401"), succ_row("001", "RXM", "20020401"),
        succ_row("RAA", "TAC", "20020401")],
        [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST"), etr_row("R1C", "SOLENT NHS TRUST")],
        listing=[listing_row("RKX", "Community Healthcare service (north derbyshire) NHS Trust"),
                 listing_row("R1C", "Solent NHS Foundation Trust")])  # etr.csv's name decides, not the listing's
    classes = {code: objects(g, ORG + code, TYPE) - {DG + "RegistryOrganisation"} for code in (
        "5K9", "03A", "X2C4Y", "Q01", "RXM", "R1C", "RKX", "RW2", "RKXAF", "4AE02", "001", "TAC")}
    assert classes == {
        "5K9": {DG + "PrimaryCareTrust"}, "03A": {DG + "ClinicalCommissioningGroup"},
        "X2C4Y": {DG + "ClinicalCommissioningGroup"}, "Q01": {DG + "AreaHealthBody"},
        "RXM": {DG + "NHSFoundationTrust"}, "R1C": {DG + "NHSTrust"}, "RKX": {DG + "NHSTrust"},  # the listing's name
        "RW2": {DG + "NHSBody"}, "TAC": {DG + "NHSBody"},  # trusts the files do not name
        "RKXAF": {DG + "Site"}, "4AE02": set(), "001": set()}
    assert DG + "RegistryOrganisation" not in objects(g, ORG + "RKXAF", TYPE)


def test_a_listed_name_is_an_undated_statement_of_its_listing(tmp_path):
    _, g, _ = import_small(
        tmp_path, [succ_row("RKX", "RXM", "20020401"), succ_row("RAX", "RXM", "20020401")],
        [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST"), etr_row("RAX", "KINGSTON HOSPITAL NHS FOUNDATION TRUST")],
        listing=[listing_row("RKX", "Community Healthcare service (north derbyshire) NHS Trust"),
                 listing_row("RXM", "Derbyshire healthcare NHS Foundation Trust"),
                 listing_row("RAX", "Kingston and richmond NHS Foundation Trust"),
                 listing_row("R0C", "Project nightingale NHS Trust")])
    [name] = objects(g, ORG + "RKX", DG + "hasNamePeriod")
    assert objects(g, name, TYPE) == {DG + "ListedName"}
    assert objects(g, name, DG + "name") == {"Community Healthcare Service (North Derbyshire) NHS Trust"}
    assert objects(g, name, vocab.SKOS + "altLabel") == {"Community Healthcare service (north derbyshire) NHS Trust"}
    assert not objects(g, name, DG + "start") | objects(g, name, DG + "end") | objects(g, name, DG + "observed")
    assert objects(g, name, DG + "errorRate") == {"0.5000"}  # one of the two codes shared with etr.csv named otherwise
    [file] = objects(g, name, DG + "listedIn")
    assert objects(g, file, TYPE) == {DG + "RegistryFile"} and objects(g, file, vocab.DCT + "identifier") == {"trust-listing.csv"}
    assert objects(g, file, vocab.DCT + "license") == {"https://spdx.org/licenses/MIT.html"}
    assert len(objects(g, file, vocab.DCT + "rights")) == 1
    [checksum] = objects(g, file, graph.SPDX + "checksum")
    assert {len(v) for v in objects(g, checksum, graph.SPDX + "checksumValue")} == {64}
    [row] = objects(g, name, DERIVED)
    assert objects(g, row, vocab.PROV + "value") == {'"RKX","Community Healthcare service (north derbyshire) NHS Trust",'
                                                     '"Trust hq","Derby","DE22 3LZ"'}
    assert objects(g, row, DG + "line") == {"2"} and objects(g, row, vocab.DCT + "source") == {file}
    assert objects(g, ORG + "RKX", LABEL) == {"ODS RKX, listed as Community Healthcare Service (North Derbyshire) NHS Trust"}
    # etr.csv's own name stands where the two agree; where they differ, both, and the disagreement with both rows
    assert len(objects(g, ORG + "RXM", DG + "hasNamePeriod")) == 1 and len(objects(g, ORG + "RAX", DG + "hasNamePeriod")) == 2
    disagreements = {s for s, p, o in g if p == TYPE and o == DG + "SourceDisagreement"}
    said = {next(iter(objects(g, d, DG + "disagreement"))): objects(g, d, DERIVED) for d in disagreements}
    assert said == {
        "trust-listing.csv names RAX 'Kingston and richmond NHS Foundation Trust'; etr.csv names it "
        "'KINGSTON HOSPITAL NHS FOUNDATION TRUST'": {read.RECORD_NS + "listing/4", read.RECORD_NS + "etr/2"},
        "trust-listing.csv lists R0C ('Project nightingale NHS Trust'); neither ODS file has that code":
            {read.RECORD_NS + "listing/5"}}
    assert not {s for s, p, o in g if s == ORG + "R0C"}  # a code of neither ODS file is no organisation


def test_small_import_with_the_listing_passes_the_checks(tmp_path):
    _, _, out = import_small(tmp_path, [succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401")],
                             [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401")], documents=None,
                             listing=[listing_row("RKX", "Community Healthcare service (north derbyshire) NHS Trust"),
                                      listing_row("RW2", "Southern derbyshire Community and mental Health services NHS Trust"),
                                      listing_row("RXM", "Derbyshire healthcare NHS Foundation Trust")])
    store, found = build_store([out])
    assert check(store, found) == []


# --- the rules at scale, on the real files -------------------------------------------------------


@pytest.fixture(scope="module")
def real_graph(registry_import):
    store = ox.Store()
    store.bulk_load(path=str(registry_import[0]), format=ox.RdfFormat.N_TRIPLES)
    return store


def test_one_rule_types_every_event(real_graph, registry_files):
    """Merger exactly when two or more organisations become one organisation on one date."""
    rows = read.read_succ(registry_files / "succ.csv")
    found = kinds.classify(rows, read.read_etr(registry_files / "etr.csv"))
    groups = defaultdict(set)
    for row in rows:
        groups[(row.date, row.successor)].add(row.predecessor)
    expected = {}
    for (date, successor), predecessors in groups.items():
        organisations = [p for p in predecessors if not found[p].site]
        expected[f"{EVENT}{date}-{successor}"] = ("SiteSuccession" if found[successor].site else
                                                  "Merger" if len(organisations) >= 2 else "Succession")
    typed = {}
    for row in real_graph.query(vocab.sparql_prologue() + "SELECT ?e ?t WHERE { ?e dg:date ?d ; a ?t }"):
        typed[row["e"].value] = row["t"].value.rsplit("#", 1)[1]
    assert typed == expected
    for code in ("5K9", "5A4", "5H8", "5J4", "5HQ", "TAC"):  # many-into-one events once typed successions
        assert any(typed[e] == "Merger" for e in typed if e.endswith("-" + code)), code
    assert sum(1 for e, (d, s) in ((f"{EVENT}{d}-{s}", (d, s)) for d, s in groups)
               if typed[e] == "Merger" and any(kinds.BY_KEY["pcg"] is found[p] for p in groups[(d, s)])) >= 55


def test_no_site_event_joins_a_trust_event_its_old_organisation_is_not_in(real_graph):
    def pairs(predicate: str) -> list[tuple[str, str]]:
        return [(q.subject.value, q.object.value) for q in real_graph.quads_for_pattern(None, ox.NamedNode(predicate), None)]

    olds = defaultdict(set)
    for predicate in (vocab.ORG + "originalOrganization", DG + "originalSite"):
        for event, old in pairs(predicate):
            olds[event].add(old)
    parent = dict(pairs(vocab.ORG + "siteOf"))
    joined = pairs(DG + "partOfEvent")
    assert len(joined) > 5000
    bad = [(site, trust) for site, trust in joined if not {parent.get(o, o) for o in olds[site]} & olds[trust]]
    assert bad == []


def test_every_trust_row_has_its_columns(real_graph, registry_files):
    trusts = read.read_etr(registry_files / "etr.csv")
    for trust in trusts[::7]:
        node = ox.NamedNode(graph.ORG_NS + trust.code)
        values = {q.predicate.value.rsplit("#", 1)[1]: q.object.value for q in real_graph.quads_for_pattern(node, None, None)
                  if q.predicate.value.startswith(DG)}
        assert values["postcode"] == trust.field(read.ETR_POSTCODE) and values["region"] == trust.field(read.ETR_REGION)
        assert values["healthGeography"] == trust.field(read.ETR_GEOGRAPHY)
        assert values["nationalGrouping"] == trust.field(read.ETR_GROUPING)
        assert values["address"] == ", ".join(trust.address)


def test_no_snapshot_name_claims_a_start(real_graph):
    assert real_graph.query(vocab.sparql_prologue() + "ASK { ?p dg:observed ?o }")
    assert not real_graph.query(vocab.sparql_prologue() + "ASK { ?p dg:observed ?o ; dg:start ?s }")


def test_every_snapshot_name_ends_by_the_next_succession(real_graph, registry_files):
    """Trusts succeeded after the snapshot (ten of them between 2022 and 2026) keep no open-ended name."""
    rows = read.read_succ(registry_files / "succ.csv")
    trusts = read.read_etr(registry_files / "etr.csv")
    found = kinds.classify(rows, trusts)
    observed = read.latest_date(trusts)
    ended = 0
    for trust in trusts:
        later = [r.date for r in rows if r.predecessor == trust.code and r.date > observed and not found[r.successor].site]
        ends = {q.object.value for q in real_graph.quads_for_pattern(
            ox.NamedNode(graph.NAME_NS + trust.code), ox.NamedNode(DG + "end"), None)}
        after_close = dates.next_day(trust.closed) if trust.closed else None  # a close date is the last day
        expected = min([d for d in (after_close, *later) if d], default=None)
        assert ends == ({expected} if expected else set()), trust.code
        ended += bool(later)
    assert ended >= 10
