"""Links between registry codes and the documents' organisations: proposed with evidence and a
confidence; only a unique exact name in overlapping time is asserted."""

from __future__ import annotations

from iris import CHCND, DHCFT
from registry_rows import (
    DERIVED,
    DG,
    ORG,
    TYPE,
    etr_row,
    import_small,
    listing_row,
    objects,
    succ_row,
)

from derbygraph import vocab
from derbygraph.registry import compare, read

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


def test_the_listings_names_link_rw2_and_make_rkx_a_stronger_candidate(tmp_path):
    """RW2's listed name is the documents' 2001-02 name, word for word: asserted, by the README's rule.
    RKX's is close ("Healthcare service" for "Health Care"): a candidate, its score and structure combined."""
    summary, g, _ = import_small(
        tmp_path, [succ_row("RKX", "RXM", "20020401"), succ_row("RW2", "RXM", "20020401")],
        [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401")], documents=None,
        listing=[listing_row("RW2", "Southern derbyshire Community and mental Health services NHS Trust"),
                 listing_row("RKX", "Community Healthcare service (north derbyshire) NHS Trust"),
                 listing_row("RXM", "Derbyshire healthcare NHS Foundation Trust")])
    assert objects(g, ORG + "RW2", SAME) == {SDMH} and not objects(g, ORG + "RKX", SAME)
    rw2 = node("RW2", SDMH)
    assert objects(g, rw2, DG + "confidence") == {"0.90"} and objects(g, rw2, DG + "linkAsserted") == {"true"}
    assert objects(g, rw2, DG + "matchMethod") == {compare.LISTED}
    evidence = " | ".join(objects(g, rw2, DG + "matchEvidence"))
    assert "scores them 1.00 (the same words)" in evidence and "names 0 otherwise (0.0%): confidence at most 1.00" in evidence
    assert read.RECORD_NS + "listing/2" in objects(g, rw2, DERIVED)
    rkx = node("RKX", CHCND)
    assert objects(g, rkx, DG + "linkAsserted") == {"false"}
    assert objects(g, rkx, DG + "matchMethod") == {compare.LISTED + compare.METHODS_JOIN + compare.STRUCTURE}
    assert objects(g, rkx, DG + "confidence") == {"0.80"}  # 1 - (1 - 0.6)(1 - 0.5)
    evidence = " | ".join(objects(g, rkx, DG + "matchEvidence"))
    assert "scores them 0.87" in evidence and "= 0.80" in evidence
    # a body linked by a name is no longer a candidate for another code
    assert not objects(g, node("RKX", SDMH), TYPE) and not objects(g, node("RW2", CHCND), TYPE)
    assert "RW2 = Southern Derbyshire Community and Mental Health Services NHS Trust" in summary


def test_the_listings_error_rate_bounds_the_confidence(tmp_path):
    """A listing that names one of its two shared codes otherwise (50%) can support no link above 0.5."""
    _, g, _ = import_small(
        tmp_path, [succ_row("RW2", "RXM", "20020401")],
        [etr_row("RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", "20020401"),
         etr_row("RFS", "CHESTERFIELD ROYAL HOSPITAL NHS FOUNDATION TRUST", "19930401")], documents=None,
        listing=[listing_row("RW2", "Southern derbyshire Community and mental Health services NHS Trust"),
                 listing_row("RXM", "Derbyshire healthcare NHS Foundation Trust"),
                 listing_row("RFS", "Chesterfield royal Infirmary NHS Foundation Trust")])
    rw2 = node("RW2", SDMH)
    # 0.5 from its name, and 0.5 from structure (RW2 alone succeeded by RXM, when two bodies ended)
    assert objects(g, rw2, DG + "confidence") == {"0.75"} and objects(g, rw2, DG + "linkAsserted") == {"false"}
    assert not objects(g, ORG + "RW2", SAME)
    assert any("names 1 otherwise (50.0%): confidence at most 0.50" in e for e in objects(g, rw2, DG + "matchEvidence"))


def test_a_listing_that_shares_no_code_with_etr_supports_no_link(tmp_path):
    """Its error rate cannot be measured, so at most 0.5: a candidate, however exact the name."""
    _, g, _ = import_small(
        tmp_path, [succ_row("RW2", "RXM", "20020401")], None, documents=None,
        listing=[listing_row("RW2", "Southern derbyshire Community and mental Health services NHS Trust")])
    assert not objects(g, ORG + "RW2", SAME)
    assert any("its error rate is unknown: confidence at most 0.50" in e
               for e in objects(g, node("RW2", SDMH), DG + "matchEvidence"))


def test_a_listed_name_unlike_the_documents_proposes_nothing(tmp_path):
    """Three words of four alike ("Mental Health Services of Salford") is no fit for Derbyshire's."""
    _, g, _ = import_small(
        tmp_path, [succ_row("RMH", "RXX", "20020401")], [etr_row("RXX", "EX NHS TRUST")], documents=None,
        listing=[listing_row("RMH", "Mental Health services of salford NHS Trust"), listing_row("RXX", "Ex NHS Trust")])
    assert not [s for s, p, o in g if p == DG + "registryOrganisation" and o == ORG + "RMH"]
