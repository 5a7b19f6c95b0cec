"""Links between registry codes and the documents' organisations: proposed with evidence and a
confidence; only a unique exact name in overlapping time is asserted."""

from __future__ import annotations

from derbygraph import vocab
from derbygraph.registry import compare
from registry_rows import DERIVED, DG, ORG, TYPE, etr_row, import_small, objects, succ_row

from iris import CHCND, DHCFT
SDMH = vocab.ID + "org/southern-derbyshire-mental-health-nhs-trust"
SAME = DG + "sameOrganisationAs"


def node(code: str, org: str) -> str:
    return f"{compare.RECONCILIATION_NS}{code}/{org.rsplit('/', 1)[-1]}"


def test_a_unique_exact_name_is_asserted_with_its_evidence(tmp_path):
    summary, g, _ = import_small(
        tmp_path, [succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401")],
        [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401"),
         etr_row("RAA", "SOUTHERN DERBYSHIRE MENTAL HEALTH NHS TRUST", "20150401")],  # the name, reused later
        documents=None)
    assert objects(g, ORG + "RXM", SAME) == {DHCFT}
    link = node("RXM", DHCFT)
    assert objects(g, link, TYPE) == {DG + "Reconciliation"}
    assert objects(g, link, DG + "confidence") == {"0.90"} and objects(g, link, DG + "linkAsserted") == {"true"}
    assert objects(g, link, DG + "matchMethod") == {compare.EXACT}
    assert objects(g, link, DG + "matchedName") == {"DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST",
                                                    "Derbyshire Healthcare NHS Foundation Trust"}
    evidence = objects(g, link, DG + "matchEvidence")
    assert any(e.startswith("name: ") for e in evidence) and any("open from 2002-04-01" in e for e in evidence)
    assert vocab.ID + "name/derbyshire-healthcare-nhs-foundation-trust" in objects(g, link, DERIVED)
    # a document name that ended (2001) before the registry code opened (2015) is no match at all
    assert not objects(g, ORG + "RAA", SAME) and not [s for s, p, o in g if p == DG + "registryOrganisation" and o == ORG + "RAA"]
    assert "RXM = Derbyshire Healthcare NHS Foundation Trust" in summary


def test_unnamed_predecessors_are_candidates_never_asserted(tmp_path):
    summary, g, _ = import_small(
        tmp_path, [succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401")],
        [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401")], documents=None)
    for code in ("RKX", "RW2"):
        assert not objects(g, ORG + code, SAME)
        for body in (CHCND, SDMH):
            link = node(code, body)
            assert objects(g, link, DG + "confidence") == {"0.50"}, (code, body)
            assert objects(g, link, DG + "linkAsserted") == {"false"}
            assert objects(g, link, DG + "matchMethod") == {compare.STRUCTURE}
            evidence = " | ".join(objects(g, link, DG + "matchEvidence"))
            assert "RKX, RW2 succeeded by RXM on 2002-04-01" in evidence and "no name in the files tells" in evidence
    assert objects(g, node("RKX", CHCND), vocab.RDFS + "label") == {
        "ODS RKX may be Community Health Care (North Derbyshire) NHS Trust of the documents"}
    assert objects(g, node("RW2", SDMH), vocab.RDFS + "label") == {  # the name the body bore then
        "ODS RW2 may be Southern Derbyshire Community and Mental Health Services NHS Trust of the documents"}
    assert "4 candidate link(s) proposed, not asserted" in summary


def test_a_looser_name_is_only_a_candidate(tmp_path):
    _, g, _ = import_small(tmp_path, [succ_row("AAA", "RXM", "20020401")],
                           [etr_row("RXM", "DERBYSHIRE HEALTHCARE", "20020401")], documents=None)
    link = node("RXM", DHCFT)
    assert objects(g, link, DG + "matchMethod") == {compare.CORE}
    assert objects(g, link, DG + "confidence") == {"0.60"} and not objects(g, ORG + "RXM", SAME)


def test_without_documents_nothing_is_proposed(tmp_path):
    _, g, _ = import_small(tmp_path, [succ_row("RKX", "RXM", "20020401")],
                           [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST")], documents=())
    assert not [s for s, p, o in g if o == DG + "Reconciliation"]
