"""The NHS ODS registry end to end: the real files imported, built and checked once per session,
then asked as users ask (the lineage service, the CLI); and the registry's terms for the reasoners.

The rooms have their own tests (test_registry_read, _kinds, _graph, _compare, test_crosswalk);
the real files are read from ../shared/ods/ and the tests that need them skip, saying why, when absent.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import run_cli
from registry_rows import DERIVED, EVENT, ORG, etr_row, import_small, succ_row

from derbygraph import vocab
from derbygraph.answers.lineage import LineageService
from derbygraph.build import build_store
from derbygraph.registry import graph
from derbygraph.registry.compare import RECONCILIATION_NS
from derbygraph.registry.read import RECORD_NS

DHCFT = vocab.ID + "org/derbyshire-healthcare-nhs-foundation-trust"


@pytest.fixture(scope="module")
def service(registry_dataset):
    return LineageService(registry_dataset)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="") as stream:
        return list(csv.reader(stream))


def test_full_import_counts(registry_files, registry_import):
    out, summary, seconds = registry_import
    rows = read_csv(registry_files / "succ.csv")
    trusts = read_csv(registry_files / "etr.csv")
    listed = read_csv(registry_files / "trust-listing.csv")[1:]  # below its header row
    groups = {(r[3], r[1]) for r in rows}
    assert len(rows) == 11537 and len(listed) == 534
    assert f"imported {len(rows):,} succession rows" in summary and f"{len(trusts):,} trusts" in summary
    assert f"{len(groups):,} events" in summary and "(observed 2021-09-30)" in summary
    assert seconds < 30, f"the import took {seconds:.1f} s"
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    count = lambda query: int(next(iter(store.query(vocab.sparql_prologue() + query)))["n"].value)  # noqa: E731
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?r a dg:RegistryRecord }") == len(rows) + len(trusts) + len(listed)
    assert "534 listed trusts from trust-listing.csv (328 names etr.csv does not give, 11 of 216 shared codes named otherwise)" \
        in summary
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?o a dg:ListedName }") == 328
    assert count("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e dg:date ?d }") == len(groups)
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?o a dg:NamePeriod }") == sum(1 for t in trusts if t[1])
    codes = {c for r in rows for c in r[:2]} | {t[0] for t in trusts}
    assert count("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?o skos:notation ?c ; dg:registryKind ?k }") == len(codes)


def test_the_built_store_passed_the_checks(registry_dataset):
    """`derbygraph build` refuses data that breaks a shape; the fixture's build succeeded."""
    assert registry_dataset.has_type(ox.NamedNode(ORG + "RXM"), vocab.DG + "RegistryOrganisation")


def test_lineage_by_code_on_the_command_line(registry_store):
    result = run_cli("lineage", "RXM", "--json", "--store", registry_store, check=True)
    answer = json.loads(result.stdout)
    merger = next(e for e in answer["events"] if e["iri"] == EVENT + "2002-04-01-RXM")
    assert merger["type"] == "Merger" and merger["date"] == "2002-04-01"
    assert merger["label"] == "RKX and RW2 merge into RXM"  # no name of 2021 on an event of 2002
    assert {(p["iri"], p["role"]) for p in merger["participants"]} == {
        (ORG + "RKX", "originalOrganization"), (ORG + "RW2", "originalOrganization"), (ORG + "RXM", "resultingOrganization")}
    assert {s["quote"] for s in merger["sources"]} == {succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401")}
    assert {s["title"] for s in merger["sources"]} == {"NHS ODS succ.csv"}
    # the codes that merged are shown once: RW2 is the lineage's own 2001-02 trust by its listed name, and
    # RKX what the documents' body that passed services on may be (a transfer, not a predecessor: issue 26)
    assert {c["code"] for p in answer["predecessors"] + answer["transfers"] for c in p.get("candidates", [])} == {"RKX"}
    assert "RW2" in {link["registry"]["code"] for link in answer["reconciliation"]["links"]}


@pytest.mark.parametrize("code, at, name", [
    ("RW1", "2005", "Southern Health NHS Foundation Trust"),  # the snapshot is of 2021-2022
    ("R1C", "2030", "Solent NHS Trust"),                      # succeeded by RW1 on 2024-10-01
    ("R1C", "2025", "Solent NHS Trust"),
])
def test_no_name_for_a_date_the_files_cannot_support(service, code, at, name):
    answer = service.lineage(code, at=at)
    assert name not in [n["label"] for n in answer["names"]] and answer["organisation"]["label"] != name


def test_a_snapshot_name_is_given_as_observed(service):
    [name] = [n for n in service.lineage("RW1")["names"] if not n.get("listed")]
    assert (name["label"], name["start"], name["end"], name["observed"]) == (
        "Southern Health NHS Foundation Trust", None, None, "2021-09-30")
    [solent] = service.lineage("R1C")["names"]
    assert (solent["start"], solent["end"], solent["observed"]) == (None, "2024-10-01", "2021-09-30")
    assert [n["label"] for n in service.lineage("R1C", at="2021-09-30")["names"]] == ["Solent NHS Trust"]


def test_every_trust_code_has_a_lineage(registry_files, service):
    trusts = read_csv(registry_files / "etr.csv")
    for row in trusts[::11]:  # 20 of the 218
        answer = service.lineage(row[0])
        assert answer["names"], row[0]
        if row[1] and "reconciliation" not in answer:
            assert answer["organisation"]["label"] == graph.title_name(row[1])
            assert answer["names"][-1]["sources"][0]["quote"].startswith(f'"{row[0]}","{row[1]}"')
    assert service.lineage(trusts[0][0].lower())["organisation"]["iri"] == ORG + trusts[0][0]


def test_successions_are_followed_both_ways(registry_files, service):
    rows = read_csv(registry_files / "succ.csv")
    successors = defaultdict(set)
    for r in rows:
        if len(r[0]) == 3 and len(r[1]) == 3:
            successors[r[0]].add((r[1], r[3]))
    chain = next((a, b, c) for a in sorted(successors) for b, first in sorted(successors[a])
                 for c, then in sorted(successors.get(b, ())) if then > first and c != a)
    first, middle, last = chain
    found = {p["iri"]: p for p in service.lineage(last)["predecessors"]}
    assert ORG + middle in found and ORG + first in found
    assert found[ORG + first]["via"] == ORG + middle
    assert {ORG + middle, ORG + last} <= {s["iri"] for s in service.lineage(first)["successors"]}


def test_a_site_code_has_a_lineage(service):
    answer = service.lineage("RXM44")
    assert answer["organisation"]["iri"] == ORG + "RXM44"
    assert [(p["iri"], p["relation"]) for p in answer["predecessors"]] == [(ORG + "RKXAF", "SiteSuccession")]
    assert service.lineage(ORG + "RKXAF")["successors"][0]["iri"] == ORG + "RXM44"


def test_derbyshire_healthcare_shows_both_sources_and_where_they_agree(service):
    answer = service.lineage("Derbyshire Healthcare")
    assert answer["organisation"]["iri"] == DHCFT
    assert service.lineage("RXM")["events"] == answer["events"]  # the code and the name: one lineage
    assert [n["label"] for n in answer["names"]][-1] == "Derbyshire Healthcare NHS Foundation Trust"
    assert len(answer["names"]) == 4  # the registry's name for RXM is compared, not added as a fifth name
    events = {e["iri"]: e for e in answer["events"]}
    registry = events[EVENT + "2002-04-01-RXM"]
    transfer = events[vocab.ID + "event/2002-service-transfer-from-community-health-care-north-derbyshire"]
    assert registry["sources"][0]["title"] == "NHS ODS succ.csv" and registry["sources"][0]["line"]
    # the registry records two codes closing into a new one, the documents a renaming and a transfer:
    # the date and the number of bodies agree, the kind of change does not
    assert registry["agreement"]["status"] == transfer["agreement"]["status"] == "partly agrees"
    [comparison] = [c for c in answer["reconciliation"]["comparisons"] if c["date"] == "2002-04-01"]
    date, bodies = comparison["agrees"]
    assert date == "the date (2002)" and bodies.startswith("the bodies before the change (registry: 2, ")
    assert "documents: 2, Community Health Care (North Derbyshire) NHS Trust" in bodies
    [kind] = comparison["differs"]
    assert kind == "the kind of change (registry: Establishment, Merger; documents: Renaming, ServiceTransfer)"
    # RW2 is linked by its listed name; RKX is proposed for the body left, with its evidence; never joined
    [candidate] = answer["reconciliation"]["candidates"]
    assert (candidate["code"], candidate["document"].rsplit("/", 1)[1], candidate["confidence"]) == (
        "RKX", "community-health-care-north-derbyshire-nhs-trust", 0.8)
    assert any("trust-listing.csv lists RKX" in e for e in candidate["evidence"])
    # each body once: RKX and RW2 are not predecessors beside the bodies they are or may be, and the
    # body that passed services on is a transfer entry (issue 26)
    assert not [p for p in answer["predecessors"] + answer["successors"] + answer["transfers"]
                if p.get("code") in ("RKX", "RW2")]
    [north] = [t for t in answer["transfers"] if t["iri"].endswith("/community-health-care-north-derbyshire-nhs-trust")]
    assert [(c["code"], c["confidence"]) for c in north["candidates"]] == [("RKX", 0.8)]
    links = {link["registry"]["code"]: link for link in answer["reconciliation"]["links"]}
    assert set(links) == {"RXM", "RW2"} and links["RXM"]["document"]["iri"] == DHCFT
    assert links["RXM"]["registry"]["opened"] == "2002-04-01" and links["RXM"]["status"] == "differs"
    assert links["RW2"]["document"]["iri"] == vocab.ID + "org/southern-derbyshire-mental-health-nhs-trust"


def test_dchs_is_linked_to_its_code(service):
    answer = service.lineage("DCHS")
    [link] = answer["reconciliation"]["links"]
    assert link["registry"]["code"] == "RY8"
    establishment = next(e for e in answer["events"] if e["type"] == "Establishment")
    assert establishment["agreement"]["status"] == "agrees"  # "standalone in 2011"; RY8 opened 2011-04-01
    assert "the kind of change (registry: Establishment; documents: Establishment)" in establishment["agreement"]["note"]


def test_rkx_and_rw2_are_candidates_with_their_evidence(registry_dataset):
    found = {}
    for row in registry_dataset.query(vocab.sparql_prologue() + """
            SELECT ?code ?doc ?confidence ?asserted WHERE {
              ?r dg:registryOrganisation/skos:notation ?code ; dg:documentOrganisation ?doc ;
                 dg:confidence ?confidence ; dg:linkAsserted ?asserted }"""):
        found[(row["code"].value, row["doc"].value.rsplit("/", 1)[1])] = (float(row["confidence"].value), row["asserted"].value)
    assert found[("RXM", "derbyshire-healthcare-nhs-foundation-trust")] == (0.9, "true")
    # with the third listing's names: RW2 by the same words, RKX by its close name and structure
    assert found[("RW2", "southern-derbyshire-mental-health-nhs-trust")] == (0.9, "true")
    assert found[("RKX", "community-health-care-north-derbyshire-nhs-trust")] == (0.8, "false")
    assert ("RKX", "southern-derbyshire-mental-health-nhs-trust") not in found
    assert ("RW2", "community-health-care-north-derbyshire-nhs-trust") not in found


CLOSED = ("RKX", "RJF", "RA3", "RAF")  # a document trust's 2002 predecessor, and closed trusts elsewhere


@pytest.mark.parametrize("code", CLOSED)
def test_a_closed_trusts_listed_name_is_shown_undated(registry_store, registry_files, code):
    """`/api/lineage?org=CODE` and the CLI's --json: the listing's name, marked as its, with its row; never for at=."""
    [row] = [r for r in read_csv(registry_files / "trust-listing.csv") if r[0] == code]
    assert code not in {r[0] for r in read_csv(registry_files / "etr.csv")}
    answer = json.loads(run_cli("lineage", code, "--json", "--store", registry_store, check=True).stdout)
    [name] = answer["names"]
    assert name["label"] == graph.title_name(row[1]) and (name["start"], name["end"]) == (None, None)
    assert "observed" not in name and name["listed"] == {"by": graph.FILE_NS + "listing", "undated": True,
                                                         "errorRate": 0.0509}
    [source] = name["sources"]
    assert source["title"] == "Third listing of NHS trusts (trust-listing.csv)" and source["quote"].startswith(f'"{code}","')
    assert answer["organisation"]["label"] == f"ODS {code}, listed as {graph.title_name(row[1])}"  # never as its name
    for at in ("1995", "2002-03-31", "2026-08-13"):
        dated = json.loads(run_cli("lineage", code, "--json", "--at", at, "--store", registry_store, check=True).stdout)
        assert dated["names"] == [], at


def test_a_code_or_its_iri_names_its_body_exactly_with_no_name_index(registry_store):
    """`derbygraph lineage RKX` reads no name index: a command run once built it for nothing."""
    from derbygraph.answers.names import NameIndex, choose_lineage
    from derbygraph.store.dataset import Dataset

    dataset = Dataset.open(Path(registry_store))  # opened here: no index made yet
    service = LineageService(dataset)
    for query in (" rkx", ORG + "RKX"):
        choice = choose_lineage(service, query)
        assert choice.exact and choice.best.iri == ORG + "RKX" and choice.others == (), query
        assert service.resolve(query) == ORG + "RKX"
    assert not any(isinstance(made, NameIndex) for made in dataset._memos.values())
    assert choose_lineage(service, "Southern Derbyshire Mental Health NHS Trust").exact  # a name reads the index


def test_rw2_linked_by_its_listed_name_has_the_documents_names(registry_store):
    answer = json.loads(run_cli("lineage", "RW2", "--json", "--store", registry_store, check=True).stdout)
    assert ("Southern Derbyshire Community and Mental Health Services NHS Trust", "2001", "2002") in {
        (n["label"], n["start"], n["end"]) for n in answer["names"]}
    assert not [n for n in answer["names"] if n.get("listed")]  # the listing's words are the documents' here


def test_the_lineage_page_shows_a_listed_name_as_the_listings(registry_dataset):
    import html

    from derbygraph.web.app import create_app

    client = create_app(registry_dataset).test_client()
    page = html.unescape(client.get("/lineage?org=RKX").get_data(as_text=True))
    assert "Community Healthcare Service (North Derbyshire) NHS Trust" in page
    assert "undated: what a listing says, not a dated name (it names 5.1% of the codes" in page
    assert "Third listing of NHS trusts (trust-listing.csv)" in page
    api = client.get("/api/lineage?org=RKX").get_json()
    assert api["names"][0]["listed"]["undated"] is True


def file_line(path: Path, fields: tuple[str, ...]) -> tuple[int, str]:
    """(line number, text) of the one line of a registry file that begins with these fields."""
    start = ",".join(f'"{f}"' for f in fields)
    [found] = [(n, line.rstrip("\r\n")) for n, line in enumerate(path.open(encoding="utf-8"), start=1)
               if line.startswith(start + ",")]
    return found


NORTH = vocab.ID + "org/community-health-care-north-derbyshire-nhs-trust"


def test_rkx_shows_the_body_of_the_documents_it_may_be(registry_dataset, registry_store, registry_files):
    """RKX's own lineage (JSON, page, command line) and that body's: the link the third listing and the
    structure propose, with its confidence and the rows and quotations it rests on, never as a link."""
    from derbygraph.web.app import create_app

    listed = file_line(registry_files / "trust-listing.csv", ("RKX",))
    merged = file_line(registry_files / "succ.csv", ("RKX", "RXM"))
    client = create_app(registry_dataset).test_client()
    for org in ("RKX", "Community Health Care (North Derbyshire) NHS Trust"):
        answer = client.get("/api/lineage", query_string={"org": org}).get_json()
        [proposal] = answer["reconciliation"]["candidates"]
        assert (proposal["code"], proposal["document"], proposal["confidence"]) == ("RKX", NORTH, 0.8), org
        assert answer["reconciliation"]["links"] == []  # proposed, not asserted: the lineages stay apart
        rows = {(s["title"], s["line"], s["quote"]) for s in proposal["sources"] if s.get("line")}
        assert rows == {("Third listing of NHS trusts (trust-listing.csv)", *listed), ("NHS ODS succ.csv", *merged)}
        assert any("Community Health Care (North Derbyshire) NHS Trust which was dissolved" in s["quote"]
                   for s in proposal["sources"])
        assert any(e.startswith("listing: undated") for e in proposal["evidence"])
        assert len(proposal["sources"]) == len({(s["iri"], s["quote"]) for s in proposal["sources"]})
    assert "reconciliation" not in client.get("/api/lineage?org=RJF").get_json()  # a closed trust with no proposal
    import html

    page = html.unescape(client.get("/lineage?org=RKX").get_data(as_text=True))
    section = page[page.index('id="reconciliation"'):]
    assert "ODS RKX may be Community Health Care (North Derbyshire) NHS Trust of the documents (80%, proposed, not linked" \
        in section and listed[1] in section and merged[1] in section
    text = run_cli("lineage", "RKX", "--store", registry_store, check=True).stdout
    assert "ODS RKX may be Community Health Care (North Derbyshire) NHS Trust of the documents (80%)" in text
    assert f"(Third listing of NHS trusts (trust-listing.csv), line {listed[0]})" in text


def test_a_lineage_says_where_the_listing_and_etr_disagree(registry_dataset, registry_store, registry_files):
    """RAX: etr.csv names it 'KINGSTON HOSPITAL NHS FOUNDATION TRUST', the undated listing 'Kingston and
    richmond NHS Foundation Trust'; the listed name says so, with both rows (JSON, page, command line)."""
    import html

    from derbygraph.web.app import create_app

    etr = file_line(registry_files / "etr.csv", ("RAX",))
    listed = file_line(registry_files / "trust-listing.csv", ("RAX",))
    client = create_app(registry_dataset).test_client()
    answer = client.get("/api/lineage?org=RAX").get_json()
    [name] = [n for n in answer["names"] if n.get("listed")]
    said = "trust-listing.csv names RAX 'Kingston and richmond NHS Foundation Trust'; etr.csv names it " \
           "'KINGSTON HOSPITAL NHS FOUNDATION TRUST'"
    assert name["listed"]["disagrees"]["said"] == said
    assert {(s["title"], s["line"], s["quote"]) for s in name["listed"]["disagrees"]["sources"]} == {
        ("NHS ODS etr.csv", *etr), ("Third listing of NHS trusts (trust-listing.csv)", *listed)}
    assert not [n for n in client.get("/api/lineage?org=RKX").get_json()["names"] if "disagrees" in n["listed"]]
    page = html.unescape(client.get("/lineage?org=RAX").get_data(as_text=True))
    assert f"The sources disagree: {said}." in page and etr[1] in page
    text = run_cli("lineage", "RAX", "--store", registry_store, check=True).stdout
    assert f"the sources disagree: {said}" in text


def test_where_the_listing_and_etr_disagree_is_stated(registry_dataset):
    said = {row["code"].value: row["said"].value for row in registry_dataset.query(vocab.sparql_prologue() + """
        SELECT ?code ?said WHERE { ?d a dg:SourceDisagreement ; dg:disagreement ?said ; prov:wasDerivedFrom ?row .
                                   ?row dct:source ?file . ?file dct:identifier "trust-listing.csv" .
                                   OPTIONAL { ?d dct:subject/skos:notation ?c } BIND (COALESCE(?c, "none") AS ?code) }""")}
    assert len(said) == 12 and said["none"].startswith("trust-listing.csv lists R0C")
    assert said["RRF"] == ("trust-listing.csv names RRF 'Wrightington, Wigan and Keigh NHS Foundation Trust'; "
                           "etr.csv names it 'WRIGHTINGTON, WIGAN AND LEIGH NHS FOUNDATION TRUST'")
    assert {"RAX", "RBN", "RH8", "RJC", "RQX", "RRE", "RRF", "RW1", "RWD", "RWP", "RXF"} == set(said) - {"none"}


TYPES = {"RFS": "NHSFoundationTrust", "RXM": "NHSFoundationTrust", "R1C": "NHSTrust", "RKX": "NHSTrust",
         "5K9": "PrimaryCareTrust", "03A": "ClinicalCommissioningGroup", "X2C4Y": "ClinicalCommissioningGroup",
         "Q01": "AreaHealthBody", "D7T5G": "AreaHealthBody", "RXM44": "Site"}


def test_registry_bodies_carry_the_documents_classes(registry_dataset):
    """In the built store (reasoning included): a search by the documents' types finds registry bodies."""
    def codes(cls: str) -> set[str]:
        return {row["c"].value for row in registry_dataset.query(
            vocab.sparql_prologue() + f"SELECT ?c WHERE {{ ?o a dg:{cls} ; skos:notation ?c }}")}

    for code, cls in TYPES.items():
        assert code in codes(cls), (code, cls)
    bodies, trusts, foundation = codes("NHSBody"), codes("NHSTrust"), codes("NHSFoundationTrust")
    assert {"RFS", "RXM", "R1C", "5K9", "03A", "Q01"} <= bodies and "RXM44" not in bodies
    assert not trusts & foundation and "RFS" not in trusts
    assert len(foundation) > 100 and len(trusts) > 300
    assert not codes("NHSBody") & {"4AE02", "001", "V001"}  # the files do not show what these are


def test_void_names_each_source_with_its_licence(registry_dataset):
    from derbygraph.answers.linkeddata import void_description

    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in void_description(registry_dataset, "http://x")}
    assert (vocab.DATASET, vocab.DCT + "source", graph.FILE_NS + "succ") in triples
    assert (graph.FILE_NS + "succ", vocab.DCT + "license", graph.OGL) in triples
    assert (graph.FILE_NS + "etr", vocab.DCT + "license", graph.OGL) in triples


def test_void_states_every_sources_licence_or_terms(registry_dataset):
    from derbygraph.answers.linkeddata import void_description
    from derbygraph.store.dumps import DATA_LICENCE

    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in void_description(registry_dataset, "http://x")}
    assert (vocab.DATASET, vocab.DCT + "license", DATA_LICENCE) in triples
    sources = {o for s, p, o in triples if s == vocab.DATASET and p == vocab.DCT + "source"}
    assert {graph.FILE_NS + "succ", graph.FILE_NS + "etr", vocab.ID + "source/dchs-about-us"} <= sources
    for source in sources:
        terms = {o for s, p, o in triples if s == source and p in (vocab.DCT + "license", vocab.DCT + "rights")}
        assert terms, source
    assert (graph.FILE_NS + "etr", vocab.DCT + "rights", graph.ATTRIBUTION) in triples


def test_the_dumps_open_with_each_sources_licence(registry_store):
    """The dumps served (and written by the build) say who may use them, source by source."""
    for name in ("derbygraph.ttl", "derbygraph.nq"):
        with (Path(registry_store) / "dumps" / name).open(encoding="utf-8") as stream:
            header = [line for line in iter(stream.readline, "") if line.startswith("#")][:8]
        text = "".join(header)
        assert "CC BY 4.0" in text and "creativecommons.org/licenses/by/4.0" in text
        assert "NHS ODS succ.csv" in text and "open-government-licence/version/3" in text and graph.ATTRIBUTION in text
        assert "About us" in text and "publisher's own terms" in text


ROW_FACTS = {"dg:postcode": "DE22 3LZ", "dg:nationalGrouping": "Y60", "dg:healthGeography": "QJ2", "dg:region": "E",
             "dg:address": "TRUST HEADQUARTERS, KINGSWAY HOSPITAL, KINGSWAY, DERBY", "dg:opened": "2002-04-01"}


def test_a_codes_page_shows_its_columns_each_with_its_row(registry_dataset, registry_files):
    """The registry code's page: every column of its etr.csv row, with that row quoted beside it."""
    import html
    import re

    from derbygraph.web.app import create_app

    line, row = next((n, text.rstrip("\r\n")) for n, text in enumerate(
        (registry_files / "etr.csv").open(encoding="utf-8"), 1) if text.startswith('"RXM"'))
    page = create_app(registry_dataset).test_client().get("/derbygraph/id/ods/org/RXM")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    for prop, value in ROW_FACTS.items():
        label = registry_dataset.label(ox.NamedNode(vocab.DG + prop[3:]))
        entry = re.search(r"<dt><a [^>]*>" + re.escape(label) + r"</a></dt>\s*<dd>" + re.escape(value) + r"(.*?)</dd>",
                          text, re.S)
        assert entry, (prop, value)
        quotes = re.findall(r'<q class="because" cite="([^"]+)" title="([^"]+)">(.*?)</q>', entry.group(1), re.S)
        assert quotes == [(graph.FILE_NS + "etr", f"NHS ODS etr.csv, line {line}", row)], prop


def test_why_a_column_holds_names_its_row_alone(registry_dataset, registry_files):
    from derbygraph.answers.why import WhyService

    rxm = ORG + "RXM"
    answer = WhyService(registry_dataset).why(rxm, "dg:postcode", '"DE22 3LZ"')
    assert [(s["title"], s["quote"][:7]) for s in answer["sources"]] == [("NHS ODS etr.csv", '"RXM","')]
    many = WhyService(registry_dataset).why(rxm, "skos:notation", '"RXM"')["sources"]
    assert len(many) > 1  # a fact of the code itself rests on every row that names it


def test_the_crosswalk_page_is_in_the_navigation_and_works(registry_dataset):
    import re

    from derbygraph.web.app import create_app

    client = create_app(registry_dataset).test_client()
    for path in ("/", "/query", "/derbygraph/id/ods/org/RXM", "/lineage?org=RXM"):
        link = re.search(r'<nav>.*?<a href="([^"]+)">Crosswalks</a>.*?</nav>', client.get(path).get_data(as_text=True), re.S)
        assert link and link.group(1) == "/crosswalk", path
    page = client.get("/crosswalk?to=2013-04-01&kind=trust&code=RW2").get_data(as_text=True)
    assert "<td>RW2</td>" in page and "RXM (Derbyshire Healthcare NHS Foundation Trust)" in page
    download = client.get(re.search(r'href="([^"]+)">Download CSV', page).group(1).replace("&amp;", "&"))
    assert download.status_code == 200 and download.mimetype == "text/csv" and "RW2" in download.get_data(as_text=True)


def test_import_ods_help_names_what_is_imported():
    """The help says what the import keeps: every etr.csv column it turns into data, and the indicator."""
    import re

    help_text = " ".join(run_cli("import-ods", "--help", check=True).stdout.split())
    for said in ("name", "open and close dates", "national grouping", "health geography", "address", "postcode",
                 "region", "succession indicator", "row"):
        assert re.search(said, help_text, re.I), said


def test_the_forward_succession_flag_is_what_the_readme_says(registry_files):
    """README and ontology: a row flagged 1 is one whose successor the file shows succeeded in turn."""
    rows = read_csv(registry_files / "succ.csv")
    predecessors = {row[0] for row in rows}
    counted = {flag: (sum(1 for r in rows if r[4] == flag),
                      sum(1 for r in rows if r[4] == flag and r[1] in predecessors)) for flag in "01"}
    assert counted == {"1": (498, 491), "0": (11039, 7)}
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert "491 of its 498 rows flagged 1" in readme and "7 of the 11,039 flagged 0" in readme


def test_lineage_without_the_registry_is_unchanged(dataset):
    answer = LineageService(dataset).lineage("Derbyshire Healthcare")
    assert "reconciliation" not in answer
    assert all("agreement" not in e for e in answer["events"])


# --- validation at registry scale: the shapes as SPARQL give pySHACL's answers ----------------------

from turtle_snippets import PREFIXES as _PREFIXES  # noqa: E402
from turtle_snippets import QUOTE as _QUOTE

SHAPE_BREAKERS = [  # each breaks shapes; their nodes are distinct, so they can share one file
    f"""o:x a dg:NHSTrust ; rdfs:label "X" ; dg:evidence {_QUOTE} ; dg:hasNamePeriod n:x1 , n:x2 .
        n:x1 dg:name "X One" ; dg:start "1990"^^xsd:gYear ; dg:end "2000"^^xsd:gYear ; dg:evidence {_QUOTE} .
        n:x2 dg:name "X Two"@en ; dg:start "1995-05"^^xsd:gYearMonth , "1996"^^xsd:gYear ; dg:evidence {_QUOTE} .
        e:y a dg:Merger ; rdfs:label "Y" ; dg:date "2002" .""",
    f"""o:old a dg:NHSTrust ; rdfs:label "Old" ; dg:evidence {_QUOTE} ; dg:hasNamePeriod n:old .
        n:old dg:name "Old" ; dg:start "2005"^^xsd:gYear ; dg:end "2004"^^xsd:gYear ; dg:evidence {_QUOTE} .
        o:new a dg:NHSTrust ; rdfs:label "New" ; dg:evidence {_QUOTE} ; dg:hasNamePeriod n:new .
        n:new dg:name "New" ; dg:start "1999"^^xsd:gYear ; dg:evidence {_QUOTE} .
        e:m a dg:Merger ; rdfs:label "M" ; dg:date "2006"^^xsd:gYear , "2007"^^xsd:gYear ; dg:evidence {_QUOTE} ;
            org:originalOrganization o:old ; org:resultingOrganization o:new .""",
    f"""o:z a dg:NHSTrust ; rdfs:label "Z" ; dg:evidence {_QUOTE} ; dg:hasNamePeriod n:z .
        n:z dg:name "Z" ; dg:evidence {_QUOTE} .
        e:z a org:ChangeEvent ; dg:evidence {_QUOTE} ; dg:subject o:z ; dg:date "2002-13-01"^^xsd:date .
        e:w a dg:Renaming ; rdfs:label "W" ; dg:dateStated false ; dg:evidence [ a dg:Quotation ; oa:hasSource o:z ] .
        o:q a dg:Charity . <https://w3id.org/derbygraph/id/site/s> a dg:Site .
        src:bad a dg:SourceDocument ; dg:sha256 "ABC" .""",
    """<https://w3id.org/derbygraph/id/figure/f> a dg:Measurement ; rdfs:label "F" ; dg:value 1 , 2 ;
            dg:valueStated false ; prov:wasDerivedFrom src:dhcft-encyclopedia .""",
]


def test_shapes_as_sparql_agree_with_pyshacl(tmp_path):
    """Every breaker in one file: one build and one pySHACL run (seconds each), and every breaker
    still found broken, on its own lines."""
    from derbygraph.build.checks import Locator, check_shapes, check_shapes_fast
    from derbygraph.build.reasoning import to_rdflib

    path, text, lines = tmp_path / "extra.ttl", _PREFIXES, []
    for body in SHAPE_BREAKERS:
        first = text.count("\n") + 1
        text += body + "\n"
        lines.append(range(first, text.count("\n") + 1))
    path.write_text(text)
    store, found = build_store([path])
    locator = Locator(store, found)
    fast = check_shapes_fast(store, locator)
    for body_lines in lines:
        assert any(p.file == str(path) and p.line in body_lines for p in fast), f"no problem found on lines {body_lines}"
    assert fast == check_shapes(to_rdflib(store), locator)


def test_shapes_as_sparql_agree_with_pyshacl_on_a_registry_import(tmp_path):
    from derbygraph.build.checks import Locator, check_shapes, check_shapes_fast
    from derbygraph.build.reasoning import to_rdflib

    _, _, out = import_small(tmp_path, [succ_row("AAA", "BBB", "20050401"), succ_row("AAA01", "BBB01", "20050401"),
                                        succ_row("CCC", "BBB", "20050401"), succ_row("RKX", "RXM", "20020401")],
                             [etr_row("BBB", "BEE NHS TRUST", "19920401"),
                              etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST")], documents=None)
    gone = (f"<{ORG}BBB01> <{DERIVED}>", f"<{EVENT}2005-04-01-BBB> <{vocab.DG}date>",
            f"<{RECONCILIATION_NS}RXM/derbyshire-healthcare-nhs-foundation-trust> <{vocab.DG}matchMethod>",
            f"<{RECORD_NS}succ/1> <{vocab.DG}line>")
    broken = tmp_path / "broken.nt"  # the same import with provenance, a date, a method and a line gone
    broken.write_text("".join(line for line in out.read_text().splitlines(keepends=True) if not line.startswith(gone)))
    for data in (out, broken):
        store, found = build_store([data])
        locator = Locator(store, found)
        assert check_shapes_fast(store, locator) == check_shapes(to_rdflib(store), locator)
    assert len(check_shapes_fast(store, locator)) == 4


def test_registry_data_is_consistent_for_hermit(tmp_path):
    """The registry terms (a symmetric link, a functional line number, sites in successions) have a model."""
    from hermit import run_hermit

    _, _, out = import_small(tmp_path, [
        succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401"), succ_row("RKXAF", "RXM44", "20020401"),
        succ_row("4YD16", "RW2", "19990401"), succ_row("RXM", "Z9D4Z", "20210401"),
    ], [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST")], documents=None)
    store, _ = build_store([out])
    run_hermit(store, tmp_path)


@pytest.mark.parametrize("kind", ["NHSBody", "NHSFoundationTrust"])
def test_reconciling_by_the_documents_types_finds_registry_bodies(registry_dataset, kind):
    """The reconciliation API's types find registry-only bodies (RFS was invisible under every type)."""
    from derbygraph.web.app import create_app

    queries = {"q0": {"query": "Chesterfield Royal Hospital NHS Foundation Trust", "type": vocab.DG + kind}}
    response = create_app(registry_dataset).test_client().post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200
    assert "ods/org/RFS" in [c["id"].split("id/", 1)[-1] for c in response.get_json()["q0"]["result"]]
