"""The NHS ODS importer: registry rows to RDF, reconciled with the documents, in the lineage.

Edge cases run on small synthetic CSV files; the full registry files are read from the shared
folder (../shared/ods/) and the tests that need them skip, saying why, when it is absent.
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import run_cli, shared_dir
from derbygraph import ods, vocab
from derbygraph.build import build_store
from derbygraph.dataset import Dataset
from derbygraph.lineage import LineageService
from derbygraph.validate import check

ORG = ods.ORG_NS
EVENT = ods.EVENT_NS
DHCFT = vocab.ID + "org/derbyshire-healthcare-nhs-foundation-trust"
DCHS = vocab.ID + "org/derbyshire-community-health-services-nhs-foundation-trust"


def succ_row(predecessor: str, successor: str, date: str, reason: str = "", indicator: str = "0") -> str:
    return ",".join(f'"{f}"' for f in (predecessor, successor, reason, date, indicator))


def etr_row(code: str, name: str, opened: str = "20020401", closed: str = "") -> str:
    fields = [""] * ods.ETR_FIELDS
    fields[ods.ETR_CODE], fields[ods.ETR_NAME], fields[ods.ETR_OPEN], fields[ods.ETR_CLOSE] = code, name, opened, closed
    return ",".join(f'"{f}"' for f in fields)


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("".join(r + "\r\n" for r in rows))
    return path


def triples(path: Path) -> set[tuple]:
    return {(t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(path=str(path))}


def objects(graph: set[tuple], subject: str, predicate: str) -> set[str]:
    return {o for s, p, o in graph if s == subject and p == predicate}


def import_small(tmp_path, succ: list[str], etr: list[str] | None = None, documents=()):
    out = tmp_path / "ods.nt"
    summary = ods.import_files(write(tmp_path / "succ.csv", succ),
                               write(tmp_path / "etr.csv", etr) if etr is not None else None, out,
                               documents=documents)
    return summary, triples(out), out


TYPE, LABEL = vocab.RDF + "type", vocab.RDFS + "label"
ORIGINAL, RESULTING = vocab.ORG + "originalOrganization", vocab.ORG + "resultingOrganization"
DERIVED = vocab.PROV + "wasDerivedFrom"


# --- edge cases on synthetic files -------------------------------------------------------------


def test_codes_without_names_get_no_invented_name(tmp_path):
    _, graph, _ = import_small(tmp_path, [succ_row("AAA", "BBB", "19990401")],
                               [etr_row("BBB", "BEE HOSPITALS NHS TRUST", "19990401"), etr_row("CCC", "", "19920401")])
    assert objects(graph, ORG + "AAA", LABEL) == {"ODS organisation AAA"}
    assert objects(graph, ORG + "AAA", TYPE) == {vocab.DG + "RegistryOrganisation"}
    assert not objects(graph, ORG + "AAA", vocab.DG + "hasNamePeriod")
    # a row of the trust file with an empty name: the code is an organisation, still unnamed
    assert objects(graph, ORG + "CCC", LABEL) == {"ODS organisation CCC"}
    assert not objects(graph, ORG + "CCC", vocab.DG + "hasNamePeriod")
    # a named trust bears a dated name, title-cased, the registry's string kept
    assert objects(graph, ORG + "BBB", TYPE) == {vocab.DG + "RegistryOrganisation", vocab.DG + "NHSTrust"}
    assert objects(graph, ORG + "BBB", LABEL) == {"Bee Hospitals NHS Trust"}
    assert objects(graph, ORG + "BBB", vocab.SKOS + "notation") == {"BBB"}
    [period] = objects(graph, ORG + "BBB", vocab.DG + "hasNamePeriod")
    assert objects(graph, period, vocab.DG + "name") == {"Bee Hospitals NHS Trust"}
    assert objects(graph, period, vocab.SKOS + "altLabel") == {"BEE HOSPITALS NHS TRUST"}
    assert objects(graph, period, vocab.DG + "start") == {"1999-04-01"}
    assert not objects(graph, period, vocab.DG + "end")


def test_close_dates_end_the_name(tmp_path):
    _, graph, _ = import_small(tmp_path, [succ_row("AAA", "BBB", "20200401")],
                               [etr_row("AAA", "AY NHS FOUNDATION TRUST", "19920401", "20200331")])
    [period] = objects(graph, ORG + "AAA", vocab.DG + "hasNamePeriod")
    assert objects(graph, period, vocab.DG + "end") == {"2020-03-31"}
    assert vocab.DG + "NHSFoundationTrust" in objects(graph, ORG + "AAA", TYPE)


def test_several_predecessors_on_one_date_are_one_merger(tmp_path):
    _, graph, _ = import_small(tmp_path, [
        succ_row("AAA", "CCC", "20050401"), succ_row("BBB", "CCC", "20050401"),
        succ_row("AAA", "DDD", "20050401"),   # AAA is split: part to CCC, part to DDD
        succ_row("CCC", "EEE", "20100401"),   # then CCC is succeeded on its own
    ])
    merger, split, later = EVENT + "2005-04-01-CCC", EVENT + "2005-04-01-DDD", EVENT + "2010-04-01-EEE"
    assert objects(graph, merger, TYPE) == {vocab.DG + "Merger"}
    assert objects(graph, merger, ORIGINAL) == {ORG + "AAA", ORG + "BBB"}
    assert objects(graph, merger, RESULTING) == {ORG + "CCC"}
    assert objects(graph, merger, vocab.DG + "date") == {"2005-04-01"}
    assert len(objects(graph, merger, DERIVED)) == 2  # one record per row
    assert objects(graph, split, TYPE) == {vocab.DG + "Succession"}
    assert objects(graph, split, ORIGINAL) == {ORG + "AAA"}
    assert objects(graph, later, TYPE) == {vocab.DG + "Succession"}
    events = {s for s, p, o in graph if p == TYPE and o in (vocab.DG + "Merger", vocab.DG + "Succession")}
    assert events == {merger, split, later}


def test_site_rows_are_sites_linked_to_their_trusts_event(tmp_path):
    _, graph, _ = import_small(tmp_path, [
        succ_row("AAA", "CCC", "20050401"), succ_row("AAA01", "CCC07", "20050401"),
        succ_row("AAA02", "CCC07", "20050401"),
        succ_row("ZZZ01", "YYY01", "20060401"),  # no trust succession that day, no trust in the files
    ])
    site_event = EVENT + "2005-04-01-CCC07"
    assert objects(graph, ORG + "CCC07", TYPE) == {vocab.DG + "Site"}
    assert objects(graph, ORG + "CCC07", vocab.ORG + "siteOf") == {ORG + "CCC"}
    assert objects(graph, ORG + "AAA01", vocab.ORG + "siteOf") == {ORG + "AAA"}
    assert objects(graph, site_event, TYPE) == {vocab.DG + "SiteSuccession"}
    assert objects(graph, site_event, vocab.DG + "originalSite") == {ORG + "AAA01", ORG + "AAA02"}
    assert objects(graph, site_event, vocab.DG + "resultingSite") == {ORG + "CCC07"}
    assert objects(graph, site_event, vocab.DG + "partOfEvent") == {EVENT + "2005-04-01-CCC"}
    assert not objects(graph, site_event, ORIGINAL)  # a site is not an organisation
    assert not objects(graph, EVENT + "2006-04-01-YYY01", vocab.DG + "partOfEvent")
    assert not objects(graph, ORG + "YYY01", vocab.ORG + "siteOf")


def test_provenance_down_to_the_row(tmp_path):
    _, graph, _ = import_small(tmp_path, ["", succ_row("AAA", "CCC", "20050401")], [etr_row("CCC", "SEE NHS TRUST")])
    record = ods.RECORD_NS + "succ/2"  # line 1 is blank: lines count as in the file
    assert objects(graph, EVENT + "2005-04-01-CCC", DERIVED) == {record}
    assert objects(graph, record, vocab.DG + "line") == {"2"}
    assert objects(graph, record, vocab.PROV + "value") == {succ_row("AAA", "CCC", "20050401")}
    assert objects(graph, record, vocab.DCT + "source") == {ods.FILE_NS + "succ"}
    assert objects(graph, ods.FILE_NS + "succ", vocab.DCT + "title") == {"NHS ODS succ.csv"}
    assert objects(graph, ORG + "CCC", DERIVED) == {record, ods.RECORD_NS + "etr/1"}
    [period] = objects(graph, ORG + "CCC", vocab.DG + "hasNamePeriod")
    assert objects(graph, period, DERIVED) == {ods.RECORD_NS + "etr/1"}


@pytest.mark.parametrize("rows, kind, line, message", [
    ([succ_row("AAA", "BBB", "20050401"), '"AAA","BBB","20050401"'], "succ", 2, "expected 5 fields"),
    ([succ_row("AAA", "BBB", "20051301")], "succ", 1, "effective date '20051301' is not a date"),
    ([succ_row("AAA", "BBB", "2005-04-01")], "succ", 1, "is not a date"),
    ([succ_row("", "BBB", "20050401")], "succ", 1, "empty predecessor code"),
    ([succ_row("AAA", "", "20050401")], "succ", 1, "empty successor code"),
    ([succ_row("AAA", "b b", "20050401")], "succ", 1, "is not an ODS code"),
    ([succ_row("AAA", "AAA", "20050401")], "succ", 1, "AAA is its own successor"),
    ([etr_row("AAA", "AY NHS TRUST", "1992")], "etr", 1, "open date '1992' is not a date"),
    ([etr_row("AAA", "AY NHS TRUST"), etr_row("AAA", "AY NHS TRUST")], "etr", 2, "listed twice (first at line 1)"),
    ([etr_row("AAA", "AY NHS TRUST", "20050401", "20000101")], "etr", 1, "closes (20000101) before it opens"),
])
def test_bad_rows_stop_the_import_with_their_line(tmp_path, rows, kind, line, message):
    good = [succ_row("XXX", "YYY", "20050401")]
    succ = write(tmp_path / "succ.csv", rows if kind == "succ" else good)
    etr = write(tmp_path / "etr.csv", rows if kind == "etr" else [etr_row("YYY", "WHY NHS TRUST")])
    out = tmp_path / "ods.nt"
    with pytest.raises(ods.OdsError) as error:
        ods.import_files(succ, etr, out, documents=())
    text = str(error.value)
    assert text.startswith(f"{tmp_path / (kind + '.csv')}:{line}: ") and message in text
    assert "\n" not in text and "nothing was written" in text
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_every_bad_row_is_counted(tmp_path):
    succ = write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401"), '"x"', succ_row("AAA", "BBB", "0"),
                                         succ_row("CCC", "DDD", "20050401"), '"unterminated,"x"'])
    with pytest.raises(ods.OdsError) as error:
        ods.import_files(succ, None, tmp_path / "ods.nt", documents=())
    assert error.value.line == 2 and error.value.more == [3, 5]
    assert str(error.value).startswith(f"{succ}:2: expected 5 fields") and "2 more bad rows, at lines 3, 5" in str(error.value)


def test_a_failed_import_leaves_the_earlier_output(tmp_path):
    out = tmp_path / "ods.nt"
    out.write_text("earlier\n")
    with pytest.raises(ods.OdsError):
        ods.import_files(write(tmp_path / "succ.csv", ['"AAA"']), None, out, documents=())
    assert out.read_text() == "earlier\n"


@pytest.mark.parametrize("content", ["", "\n\n", "\r\n"])
def test_empty_files_are_refused(tmp_path, content):
    (tmp_path / "succ.csv").write_text(content)
    with pytest.raises(ods.OdsError, match=r"succ\.csv:1: the file is empty"):
        ods.import_files(tmp_path / "succ.csv", None, tmp_path / "ods.nt", documents=())
    write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401")])
    (tmp_path / "etr.csv").write_text(content)
    with pytest.raises(ods.OdsError, match=r"etr\.csv:1: the file is empty"):
        ods.import_files(tmp_path / "succ.csv", tmp_path / "etr.csv", tmp_path / "ods.nt", documents=())


def test_the_trust_file_given_as_the_successor_file(tmp_path):
    etr = write(tmp_path / "etr.csv", [etr_row("AAA", "AY NHS TRUST")])
    with pytest.raises(ods.OdsError, match=r"etr\.csv:1: expected 5 fields .* found 27"):
        ods.import_files(etr, None, tmp_path / "ods.nt", documents=())


def test_output_formats(tmp_path):
    succ = write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401")])
    for name in ("ods.ttl", "ods.nq"):
        ods.import_files(succ, None, tmp_path / name, documents=())
        assert any(True for _ in ox.parse(path=str(tmp_path / name)))
    with pytest.raises(ods.OdsError, match="unknown RDF format"):
        ods.import_files(succ, None, tmp_path / "ods.csv", documents=())


@pytest.mark.parametrize("raw, title", [
    ("DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "Derbyshire Healthcare NHS Foundation Trust"),
    ("GUY'S AND ST THOMAS' NHS FOUNDATION TRUST", "Guy's and St Thomas' NHS Foundation Trust"),
    ("ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", "Alder Hey Children's NHS Foundation Trust"),
    ("THE NEWCASTLE UPON TYNE HOSPITALS NHS FOUNDATION TRUST", "The Newcastle upon Tyne Hospitals NHS Foundation Trust"),
    ("NORTH CUMBRIA INTEGRATED CARE NHS FOUNDATION TRUST", "North Cumbria Integrated Care NHS Foundation Trust"),
    ("STOKE-ON-TRENT NHS TRUST", "Stoke-on-Trent NHS Trust"),
    ("COMMUNITY HEALTH CARE (NORTH DERBYSHIRE) NHS TRUST", "Community Health Care (North Derbyshire) NHS Trust"),
])
def test_registry_names_are_title_cased(raw, title):
    assert ods.title_name(raw) == title


def test_reconciled_with_the_documents_by_name(tmp_path):
    summary, graph, _ = import_small(
        tmp_path, [succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401")],
        [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401"),
         etr_row("RAA", "SOUTHERN DERBYSHIRE MENTAL HEALTH NHS TRUST", "20150401")],  # the name, reused later
        documents=None)
    assert objects(graph, ORG + "RXM", vocab.DG + "sameOrganisationAs") == {DHCFT}
    node = ods.RECONCILIATION_NS + "RXM"
    assert objects(graph, node, TYPE) == {vocab.DG + "Reconciliation"}
    assert objects(graph, node, vocab.DG + "registryOrganisation") == {ORG + "RXM"}
    assert objects(graph, node, vocab.DG + "documentOrganisation") == {DHCFT}
    assert objects(graph, node, vocab.DG + "matchedName") == {
        "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "Derbyshire Healthcare NHS Foundation Trust"}
    assert objects(graph, node, vocab.DG + "matchMethod") == {ods.EXACT}
    assert objects(graph, node, DERIVED) == {ods.RECORD_NS + "etr/1", vocab.ID + "name/derbyshire-healthcare-nhs-foundation-trust"}
    # a document name that ended (2001) before the registry code opened (2015) is not the same body
    assert not objects(graph, ORG + "RAA", vocab.DG + "sameOrganisationAs")
    assert "RXM = Derbyshire Healthcare NHS Foundation Trust" in summary


def test_small_import_passes_the_checks(tmp_path):
    _, _, out = import_small(tmp_path, [
        succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401"),
        succ_row("RKXAF", "RXM44", "20020401"), succ_row("AAA", "BBB", "20050401"),
        succ_row("BBB", "RXM", "20100401"),  # a younger trust (2005) taken over by an older one (2002)
    ], [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401"),
        etr_row("BBB", "BEE NHS TRUST", "20050401", "20100331")], documents=None)
    store, found = build_store([out])
    assert check(store, found) == []


def test_cli_reports_a_bad_row_in_one_line(tmp_path):
    succ = write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401"), succ_row("AAA", "BBB", "2005")])
    result = run_cli("import-ods", "--succ", str(succ), "-o", str(tmp_path / "ods.nt"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"derbygraph: {succ}:2: effective date '2005' is not a date (expected YYYYMMDD)"
                                     "; nothing was written")
    missing = run_cli("import-ods", "--succ", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 1 and "nowhere.csv" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


# --- the real registry files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> Path:
    folder = shared_dir("ods")
    for name in ("succ.csv", "etr.csv"):
        if not (folder / name).is_file():
            pytest.skip(f"{folder / name} is absent (the ODS registry files live in ../shared/ods/)")
    return folder


@pytest.fixture(scope="module")
def imported(registry, tmp_path_factory):
    out = tmp_path_factory.mktemp("ods") / "ods.nt"
    started = time.perf_counter()
    summary = ods.import_files(registry / "succ.csv", registry / "etr.csv", out)
    return out, summary, time.perf_counter() - started


@pytest.fixture(scope="module")
def service(imported):
    return LineageService(Dataset.build([imported[0]]))


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="") as stream:
        return list(csv.reader(stream))


def test_full_import_counts(registry, imported):
    out, summary, seconds = imported
    rows = read_csv(registry / "succ.csv")
    trusts = read_csv(registry / "etr.csv")
    groups = {(r[3], r[1]) for r in rows}
    codes = {c for r in rows for c in r[:2]} | {t[0] for t in trusts}
    sites = {c for c in codes if len(c) == 5} - {t[0] for t in trusts}
    assert len(rows) == 11537
    assert f"imported {len(rows):,} succession rows" in summary and f"{len(trusts):,} trusts" in summary
    assert f"{len(groups):,} events" in summary
    assert f"{len(codes) - len(sites):,} organisations, {len(sites):,} sites" in summary
    assert seconds < 30, f"the import took {seconds:.1f} s"
    graph = ox.Store()
    graph.bulk_load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    count = lambda query: int(next(iter(graph.query(vocab.sparql_prologue() + query)))["n"].value)  # noqa: E731
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?r a dg:RegistryRecord }") == len(rows) + len(trusts)
    assert count("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e dg:date ?d }") == len(groups)
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?o a dg:NamePeriod }") == sum(1 for t in trusts if t[1])


def test_full_import_passes_the_checks(imported):
    result = run_cli("check", "--data", str(imported[0]), timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_lineage_by_code_on_the_command_line(imported):
    result = run_cli("lineage", "RXM", "--json", "--data", str(imported[0]), check=True, timeout=600)
    answer = json.loads(result.stdout)
    merger = next(e for e in answer["events"] if e["iri"] == EVENT + "2002-04-01-RXM")
    assert merger["type"] == "Merger" and merger["date"] == "2002-04-01"
    assert {(p["iri"], p["role"]) for p in merger["participants"]} == {
        (ORG + "RKX", "originalOrganization"), (ORG + "RW2", "originalOrganization"), (ORG + "RXM", "resultingOrganization")}
    assert {s["quote"] for s in merger["sources"]} == {succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401")}
    assert {s["title"] for s in merger["sources"]} == {"NHS ODS succ.csv"}
    assert {p["code"] for p in answer["predecessors"] if p["relation"] == "Merger"} == {"RKX", "RW2"}


def test_every_trust_code_has_a_lineage(registry, service):
    trusts = read_csv(registry / "etr.csv")
    for row in trusts[::11]:  # 20 of the 218
        answer = service.lineage(row[0])
        assert answer["names"] or answer["organisation"]["label"] == f"ODS organisation {row[0]}", row[0]
        if row[1] and "reconciliation" not in answer:
            assert answer["organisation"]["label"] == ods.title_name(row[1])
            assert answer["names"][-1]["sources"][0]["quote"].startswith(f'"{row[0]}","{row[1]}"')
    assert service.lineage(trusts[0][0].lower())["organisation"]["iri"] == ORG + trusts[0][0]


def test_successions_are_followed_both_ways(registry, service):
    rows = read_csv(registry / "succ.csv")
    successors = defaultdict(set)
    for r in rows:
        if len(r[0]) == 3 and len(r[1]) == 3:
            successors[r[0]].add((r[1], r[3]))
    chain = next((a, b, c) for a in sorted(successors) for b, first in sorted(successors[a])
                 for c, then in sorted(successors.get(b, ())) if then > first and c != a)
    first, middle, last = chain
    backwards = service.lineage(last)
    found = {p["iri"]: p for p in backwards["predecessors"]}
    assert ORG + middle in found and ORG + first in found
    assert found[ORG + first]["via"] == ORG + middle
    forwards = service.lineage(first)
    assert {ORG + middle, ORG + last} <= {s["iri"] for s in forwards["successors"]}


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
    dissolution = events[vocab.ID + "event/2002-dissolution-community-health-care-north-derbyshire"]
    authorisation = events[vocab.ID + "event/2011-foundation-trust-authorisation-derbyshire-healthcare"]
    assert registry["sources"][0]["title"] == "NHS ODS succ.csv" and registry["sources"][0]["line"]
    assert "which was dissolved" in dissolution["sources"][0]["quote"]
    assert registry["agreement"]["status"] == dissolution["agreement"]["status"] == "agrees"
    assert dissolution["iri"] in registry["agreement"]["with"] and registry["iri"] in dissolution["agreement"]["with"]
    # the article gives the dissolution no date, only a bound (issue 13): the registry's date lies within it
    assert "undated, not after 2002" in dissolution["agreement"]["note"]
    assert "within the document's bounds" in dissolution["agreement"]["note"]
    assert authorisation["agreement"]["status"] == "document only"
    assert "agreement" not in events[vocab.ID + "event/2016-merger-proposal-dhcft-dchs"]  # not a registry matter
    [link] = answer["reconciliation"]["links"]
    assert link["registry"]["code"] == "RXM" and link["document"]["iri"] == DHCFT
    assert link["registry"]["opened"] == "2002-04-01" and link["status"] == "differs"
    assert {s["title"] for s in link["sources"]} >= {"NHS ODS etr.csv", "Derbyshire Healthcare NHS Foundation Trust"}
    statuses = {(c["date"], c["status"]) for c in answer["reconciliation"]["comparisons"]}
    assert ("2002-04-01", "agrees") in statuses and ("2011-02-01", "document only") in statuses
    assert {p["code"] for p in answer["predecessors"] if "code" in p} >= {"RKX", "RW2"}


def test_dchs_is_linked_to_its_code(service):
    answer = service.lineage("DCHS")
    [link] = answer["reconciliation"]["links"]
    assert link["registry"]["code"] == "RY8"
    establishment = next(e for e in answer["events"] if e["type"] == "Establishment")
    assert establishment["agreement"]["status"] == "agrees"  # "standalone in 2011"; RY8 opened 2011-04-01


def test_lineage_without_the_registry_is_unchanged(dataset):
    answer = LineageService(dataset).lineage("Derbyshire Healthcare")
    assert "reconciliation" not in answer
    assert all("agreement" not in e for e in answer["events"])


# --- validation at registry scale: the shapes as SPARQL give pySHACL's answers ----------------------

from test_validate import PREFIXES as _PREFIXES, QUOTE as _QUOTE  # noqa: E402


@pytest.mark.parametrize("body", [
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
])
def test_shapes_as_sparql_agree_with_pyshacl(tmp_path, body):
    from derbygraph.reasoning import to_rdflib
    from derbygraph.validate import Locator, check_shapes, check_shapes_fast

    path = tmp_path / "extra.ttl"
    path.write_text(_PREFIXES + body)
    store, found = build_store([path])
    locator = Locator(store, found)
    fast = check_shapes_fast(store, locator)
    assert fast, "the data breaks shapes"
    assert fast == check_shapes(to_rdflib(store), locator)


def test_shapes_as_sparql_agree_with_pyshacl_on_a_registry_import(tmp_path):
    from derbygraph.reasoning import to_rdflib
    from derbygraph.validate import Locator, check_shapes, check_shapes_fast

    _, _, out = import_small(tmp_path, [succ_row("AAA", "BBB", "20050401"), succ_row("AAA01", "BBB01", "20050401"),
                                        succ_row("CCC", "BBB", "20050401"), succ_row("RKX", "RXM", "20020401")],
                             [etr_row("BBB", "BEE NHS TRUST", "19920401"),
                              etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST")], documents=None)
    gone = (f"<{ORG}BBB01> <{DERIVED}>", f"<{EVENT}2005-04-01-BBB> <{vocab.DG}date>",
            f"<{ods.RECONCILIATION_NS}RXM> <{vocab.DG}matchMethod>", f"<{ods.RECORD_NS}succ/1> <{vocab.DG}line>")
    broken = tmp_path / "broken.nt"  # the same import with provenance, a date, a method and a line gone
    broken.write_text("".join(line for line in out.read_text().splitlines(keepends=True) if not line.startswith(gone)))
    for data in (out, broken):
        store, found = build_store([data])
        locator = Locator(store, found)
        assert check_shapes_fast(store, locator) == check_shapes(to_rdflib(store), locator)
    assert len(check_shapes_fast(store, locator)) == 4


@pytest.mark.skipif(__import__("shutil").which("java") is None, reason="HermiT needs Java (apt-get install default-jre-headless)")
def test_registry_data_is_consistent_for_hermit(tmp_path):
    """The registry terms (a symmetric link, a functional line number, sites in successions) have a model."""
    from test_ontology import run_hermit

    _, _, out = import_small(tmp_path, [
        succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401"), succ_row("RKXAF", "RXM44", "20020401"),
        succ_row("4YD16", "RW2", "19990401"), succ_row("RXM", "Z9D4Z", "20210401"),
    ], [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST")], documents=None)
    store, _ = build_store([out])
    run_hermit(store, tmp_path)
