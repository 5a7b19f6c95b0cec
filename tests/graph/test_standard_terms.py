"""Questions an analyst who knows only W3C ORG, PROV-O and OWL-Time would ask, with their answers.

No derbygraph term appears in a question (only `dg:restsOn` in the provenance ones, which the
README documents): each is what someone reading the standards would write first.
"""

from __future__ import annotations

import pytest
from iris import CHCND, DCHS, DCHS_2011, DHCFT, EVENT, SOUTHERN
from iris import ORG as ORG_ID

from derbygraph import vocab

ID = vocab.ID


def ask(dataset, query: str) -> bool:
    return bool(dataset.query(vocab.sparql_prologue() + query))


def select(dataset, query: str) -> list[dict[str, str]]:
    solutions = dataset.query(vocab.sparql_prologue() + query)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


def values(dataset, query: str, name: str) -> set[str]:
    return {row[name] for row in select(dataset, query) if name in row}


# --- ORG: change events -------------------------------------------------------------------

def test_q01_every_change_event_an_organisation_took_part_in_renamings_included(dataset):
    found = values(dataset, f"""SELECT ?event WHERE {{
        {{ ?event org:originalOrganization <{SOUTHERN}> }} UNION {{ ?event org:resultingOrganization <{SOUTHERN}> }} }}""",
                   "event")
    assert found == {EVENT + "1992-establishment-southern-derbyshire-mental-health-nhs-trust",
                     EVENT + "2001-renaming-southern-derbyshire-community-and-mental-health-services",
                     EVENT + "2002-renaming-derbyshire-mental-health-services",
                     EVENT + "2011-foundation-trust-authorisation-derbyshire-healthcare"}


def test_q02_what_changed_an_organisation_through_org_changedBy(dataset):
    found = values(dataset, f"SELECT ?event WHERE {{ <{SOUTHERN}> org:changedBy ?event }}", "event")
    assert EVENT + "2001-renaming-southern-derbyshire-community-and-mental-health-services" in found
    assert EVENT + "2011-foundation-trust-authorisation-derbyshire-healthcare" in found


def test_q02b_a_service_transfer_changes_neither_organisation(dataset):
    """"Services ... from NHS Derby City were transferred into the organisation": NHS Derby City
    goes on as it was, and the trust was not made by the transfer (issue 26)."""
    transfer = EVENT + "2011-service-transfer-from-nhs-derby-city"
    assert values(dataset, f"SELECT ?e WHERE {{ <{ORG_ID}nhs-derby-city> org:changedBy ?e }}", "e") == set()
    assert transfer not in values(dataset, f"SELECT ?e WHERE {{ <{DHCFT}> org:resultedFrom ?e }}", "e")
    assert not ask(dataset, f"ASK {{ <{transfer}> a org:ChangeEvent }}")
    assert ask(dataset, f"ASK {{ <{transfer}> a prov:Activity ; prov:wasAssociatedWith <{ORG_ID}nhs-derby-city> , <{DHCFT}> }}")


def test_q03_what_an_organisation_resulted_from(dataset):
    assert values(dataset, f"""SELECT ?event WHERE {{ <{DHCFT}> org:resultedFrom ?event .
        ?event a ?kind . ?kind rdfs:label "foundation-trust authorisation"@en }}""", "event") == {
        EVENT + "2011-foundation-trust-authorisation-derbyshire-healthcare"}


def test_q04_both_trusts_became_foundation_trusts_the_same_way(dataset):
    rows = select(dataset, """SELECT ?before ?after WHERE {
        ?event a ?change ; org:originalOrganization ?before ; org:resultingOrganization ?after .
        ?change rdfs:label "foundation-trust authorisation"@en . FILTER (?before != ?after) }""")
    assert {(r["before"], r["after"]) for r in rows} == {(SOUTHERN, DHCFT), (DCHS_2011, DCHS)}


def test_q05_dissolved_organisations_have_no_invented_date(dataset):
    rows = select(dataset, f"""SELECT ?event ?date WHERE {{
        ?event a ?kind ; org:originalOrganization <{CHCND}> . ?kind rdfs:label "dissolution"@en .
        OPTIONAL {{ ?event prov:startedAtTime|prov:endedAtTime ?date }} }}""")
    assert [r["event"] for r in rows] == [EVENT + "2002-dissolution-community-health-care-north-derbyshire"]
    assert "date" not in rows[0]


def test_q06_the_abandoned_merger_resulted_in_no_organisation(dataset):
    assert select(dataset, f"""SELECT ?event WHERE {{
        ?event org:resultingOrganization <{DHCFT}> ; org:originalOrganization <{DCHS}> }}""") == []
    assert select(dataset, f"""SELECT ?event WHERE {{
        ?event org:resultingOrganization <{DCHS}> ; org:originalOrganization <{DHCFT}> }}""") == []


# --- ORG: posts, memberships, sites --------------------------------------------------------

def test_q07_who_holds_the_posts_of_an_organisation(dataset):
    rows = select(dataset, f"""SELECT ?postName ?name WHERE {{
        ?post org:postIn <{DHCFT}> ; org:heldBy ?person ; rdfs:label ?postName . ?person foaf:name ?name }}""")
    assert {(r["postName"], r["name"]) for r in rows} == {
        ("Chair of Derbyshire Healthcare NHS Foundation Trust", "Selina Ullah"),
        ("Chief Executive of Derbyshire Healthcare NHS Foundation Trust", "Mark Powell")}


def test_q08_what_a_person_holds(dataset):
    assert values(dataset, """SELECT ?post WHERE { ?person foaf:name "Mark Powell" ; org:holds ?post }""", "post") == {
        ID + "post/dhcft-chief-executive"}


def test_q09_memberships_with_their_role(dataset):
    rows = select(dataset, f"""SELECT ?name ?roleName WHERE {{
        ?membership org:organization <{DHCFT}> ; org:member/foaf:name ?name ; org:role/skos:prefLabel ?roleName }}""")
    assert {(r["name"], r["roleName"]) for r in rows} == {("Selina Ullah", "chair"), ("Mark Powell", "chief executive")}


def test_q10_the_sites_of_an_organisation_each_with_a_reachable_quote(dataset):
    rows = select(dataset, f"""SELECT ?site ?quote WHERE {{
        <{DHCFT}> org:hasSite ?site .
        ?st rdf:subject ?provision ; rdf:predicate dg:atSite ; rdf:object ?site ; dg:restsOn/oa:hasSelector/oa:exact ?quote .
        }}""")
    sites = {r["site"].rsplit("/", 1)[-1] for r in rows}
    assert {"radbourne-unit", "hope-and-resilience-hub", "radbourne-unit-ect-suite", "hartington-unit",
            "kingsway-hospital", "tissington-house", "kingsway-specialist-dementia-ward"} <= sites
    every = values(dataset, f"SELECT ?site WHERE {{ <{DHCFT}> org:hasSite ?site }}", "site")
    assert every >= {ID + "site/radbourne-unit-enhanced-care-ward", ID + "site/hartington-unit-outpatient-unit"}


def test_q11_which_organisation_a_site_belongs_to(dataset):
    assert values(dataset, f"SELECT ?org WHERE {{ <{ID}site/radbourne-unit> org:siteOf ?org }}", "org") == {DHCFT}


def test_q12_the_enhanced_care_ward_hosts_no_acute_inpatient_care(dataset):
    ward, acute = ID + "site/radbourne-unit-enhanced-care-ward", ID + "service/acute-mental-health-inpatient-care"
    assert not ask(dataset, f"ASK {{ <{ward}> ?p <{acute}> }}")
    assert not ask(dataset, f"ASK {{ ?provision a prov:Activity ; ?at <{ward}> ; ?service <{acute}> }}")
    assert ask(dataset, f"ASK {{ <{ID}site/radbourne-unit> ?p <{acute}> }}")  # the unit itself does


# --- OWL-Time: names over time --------------------------------------------------------------

def test_q13_name_periods_begin_and_end_at_dated_instants(dataset):
    rows = select(dataset, f"""SELECT ?name ?began ?ended WHERE {{
        <{SOUTHERN}> ?hasName ?period . ?period a time:ProperInterval ; rdfs:label ?name .
        ?period time:hasBeginning ?b . ?b time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate ?began .
        OPTIONAL {{ ?period time:hasEnd ?e . ?e time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate ?ended }} }}""")
    assert {(r["began"], r.get("ended")) for r in rows} == {("1992", "2001"), ("2001", "2002"), ("2002", "2011-02-01")}


def test_q14_the_name_in_force_in_2012(dataset):
    rows = select(dataset, """SELECT ?name WHERE {
        ?period time:hasBeginning/time:inXSDDate ?began ; dg:name ?name .
        FILTER NOT EXISTS { ?period time:hasEnd [] }
        FILTER (?began <= "2012-01-01"^^xsd:date) }""")
    assert {r["name"] for r in rows} == {"Derbyshire Healthcare NHS Foundation Trust"}


def test_q15_instants_keep_the_precision_of_the_source(dataset):
    rows = select(dataset, """SELECT ?precision (COUNT(?i) AS ?n) WHERE {
        ?i a time:Instant . { ?i time:inXSDgYear [] BIND ("year" AS ?precision) }
        UNION { ?i time:inXSDDate [] BIND ("day" AS ?precision) } } GROUP BY ?precision""")
    counts = {r["precision"]: int(r["n"]) for r in rows}
    assert counts["year"] >= 5 and counts["day"] >= 2


# --- PROV-O ---------------------------------------------------------------------------------

def test_q16_no_entity_is_also_an_activity(dataset):
    assert select(dataset, "SELECT ?x WHERE { ?x a prov:Activity , prov:Entity }") == []


def test_q17_ratings_are_attributed_to_the_regulator(dataset):
    rows = select(dataset, """SELECT ?rating WHERE {
        ?rating a prov:Entity ; prov:wasAttributedTo/rdfs:label "Care Quality Commission"@en }""")
    assert len(rows) == 2


def test_q18_what_each_fact_was_derived_from(dataset):
    rows = select(dataset, f"""SELECT ?document WHERE {{
        <{EVENT}2011-foundation-trust-authorisation-derbyshire-healthcare> prov:wasDerivedFrom ?quotation .
        ?quotation oa:hasSource ?document }}""")
    assert {r["document"] for r in rows} == {ID + "source/dhcft-encyclopedia"}


def test_q19_who_took_part_in_the_2016_merger_proposal(dataset):
    assert values(dataset, f"""SELECT ?agent WHERE {{
        <{EVENT}2016-merger-proposal-dhcft-dchs> prov:wasAssociatedWith ?agent }}""", "agent") == {DHCFT, DCHS}


@pytest.mark.parametrize("figure, area", [("dhcft-languages-spoken", {"derbyshire", "derby"}),
                                          ("dhcft-population-served", {"derbyshire", "derby"})])
def test_q20_a_figure_of_the_area_is_not_a_figure_of_the_trust(dataset, figure, area):
    rows = select(dataset, f"""SELECT ?about WHERE {{ <{ID}figure/{figure}> ?p ?about .
        FILTER (?p IN (dg:measuredFor, dg:measuredArea)) }}""")
    assert {r["about"].rsplit("/", 1)[-1] for r in rows} == area


# --- ORG, OWL-Time and PROV-O together: which events, when (issue 26) ---------------------------
# The expected answers are read from the documents: "established in 1992", "renaming ... in 2001",
# "became ... in 2002", "which was dissolved", "became an NHS foundation trust in February 2011"
# ("Start Date: 2011-02-01"), "We became a standalone NHS organisation in 2011", "a Foundation Trust
# with greater autonomy from 2014"; "In April 2011, following a tender process, the trust became
# the provider of ..." (a contract, not a change of the organisation).

CHANGES = {EVENT + e for e in (
    "1992-establishment-southern-derbyshire-mental-health-nhs-trust",
    "2001-renaming-southern-derbyshire-community-and-mental-health-services",
    "2002-renaming-derbyshire-mental-health-services",
    "2002-dissolution-community-health-care-north-derbyshire",
    "2011-foundation-trust-authorisation-derbyshire-healthcare",
    "2011-establishment-dchs",
    "2014-foundation-trust-authorisation-dchs")}


def test_q21_the_changes_of_an_organisation_are_the_org_change_events(dataset):
    assert values(dataset, "SELECT ?e WHERE { ?e a org:ChangeEvent FILTER (STRSTARTS(STR(?e), STR(<%s>))) }"
                  % EVENT, "e") == CHANGES


def test_q22_change_events_in_2011_by_owl_time(dataset):
    found = values(dataset, """SELECT ?e WHERE { ?e a org:ChangeEvent ;
        time:hasTime/time:inDateTime/time:year "2011"^^xsd:gYear }""", "e")
    assert found == {EVENT + "2011-foundation-trust-authorisation-derbyshire-healthcare", EVENT + "2011-establishment-dchs"}


def test_q23_every_activity_of_2011_by_owl_time(dataset):
    found = values(dataset, """SELECT ?e WHERE { ?e a prov:Activity ;
        time:hasTime/time:inDateTime/time:year "2011"^^xsd:gYear }""", "e")
    assert found == {EVENT + "2011-foundation-trust-authorisation-derbyshire-healthcare", EVENT + "2011-establishment-dchs",
                     EVENT + "2011-contract-award-childrens-services-derby"}


def test_q24_the_precision_of_each_2011_event(dataset):
    rows = select(dataset, """SELECT ?e ?unit WHERE { ?e a prov:Activity ;
        time:hasTime/time:inDateTime [ time:year "2011"^^xsd:gYear ; time:unitType ?unit ] }""")
    assert {(r["e"].rsplit("/", 1)[-1], r["unit"].rsplit("#", 1)[-1]) for r in rows} == {
        ("2011-foundation-trust-authorisation-derbyshire-healthcare", "unitDay"),
        ("2011-establishment-dchs", "unitYear"), ("2011-contract-award-childrens-services-derby", "unitMonth")}


def test_q25_prov_times_only_where_the_day_is_given(dataset):
    rows = select(dataset, "SELECT ?e ?t WHERE { ?e prov:startedAtTime ?t }")
    assert {(r["e"], r["t"]) for r in rows} == {
        (EVENT + "2011-foundation-trust-authorisation-derbyshire-healthcare", "2011-02-01T00:00:00")}


def test_q26_the_month_of_the_childrens_contract(dataset):
    rows = select(dataset, """SELECT ?e WHERE { ?e time:hasTime ?t . ?t time:inXSDgYearMonth "2011-04"^^xsd:gYearMonth }""")
    assert [r["e"] for r in rows] == [EVENT + "2011-contract-award-childrens-services-derby"]


def test_q27_no_transfer_makes_a_predecessor(dataset):
    """Nothing the data says in ORG terms makes NHS Derby City or Community Health Care (North
    Derbyshire) an original organisation of a change that resulted in the trust."""
    for giver in (ORG_ID + "nhs-derby-city", CHCND):
        assert not ask(dataset, f"""ASK {{ ?e org:originalOrganization <{giver}> ; org:resultingOrganization ?r .
            FILTER (?r != <{giver}>) }}""")


def test_q28_the_dchs_name_has_no_dated_beginning(dataset):
    """"a Foundation Trust with greater autonomy from 2014" dates the status, not the name."""
    assert not ask(dataset, f"ASK {{ <{DCHS}> dg:hasNamePeriod/time:hasBeginning ?b }}")
    assert values(dataset, f"""SELECT ?e WHERE {{ ?e org:resultingOrganization <{DCHS}> ;
        time:hasTime/time:inXSDgYear "2014"^^xsd:gYear }}""", "e") == {EVENT + "2014-foundation-trust-authorisation-dchs"}
