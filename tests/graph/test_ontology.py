"""The ontology: documented, aligned to W3C vocabularies, and consistent for an OWL DL reasoner."""

from __future__ import annotations

import needs
import pytest
import rdflib
from hermit import run_hermit
from rdflib.namespace import OWL, PROV, RDF, RDFS

from derbygraph import resources, vocab

DG = rdflib.Namespace(vocab.DG)
ORG = rdflib.Namespace(vocab.ORG)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.ontology_file(), format="turtle")


def own_terms(graph):
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return sorted({s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(vocab.DG)})


def test_ontology_header(ontology):
    header = rdflib.URIRef(vocab.ONTOLOGY)
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionInfo) is not None


def test_every_own_term_has_label_and_comment(ontology):
    terms = own_terms(ontology)
    assert len(terms) > 80
    missing = [t for t in terms if ontology.value(t, RDFS.label) is None or ontology.value(t, RDFS.comment) is None]
    assert missing == []


def test_only_changes_of_an_organisation_are_org_change_events(ontology):
    """Founding, renaming, change of status, dissolution, merger (and a registry succession) change
    an organisation; a transfer of services, a contract, a relocation or a proposal do not (issue 26).
    Every event is a PROV activity."""
    closure = lambda c: set(ontology.transitive_objects(c, RDFS.subClassOf))  # noqa: E731
    for name in ("Establishment", "Renaming", "FoundationTrustAuthorisation", "Dissolution", "Merger", "Succession"):
        assert ORG.ChangeEvent in closure(DG[name]), name
    for name in ("ServiceTransfer", "ContractAward", "ServiceRelocation", "MergerProposal", "ProposalAbandonment",
                 "ProgrammeLaunch", "FundingAward", "FacilityOpening", "LegalRuling", "CompensationAward", "Dismissal"):
        assert ORG.ChangeEvent not in closure(DG[name]) and PROV.Activity in closure(DG[name]), name
    assert (DG.MergerProposal, OWL.disjointWith, DG.Merger) in ontology


def test_a_transfer_names_no_original_or_resulting_organisation(ontology):
    for term in (DG.transferredFrom, DG.transferredTo):
        parents = set(ontology.transitive_objects(term, RDFS.subPropertyOf))
        assert not {ORG.originalOrganization, ORG.resultingOrganization} & parents
        assert DG.participant in parents


@pytest.mark.parametrize("term, parent, relation", [
    ("NHSTrust", vocab.ORG + "FormalOrganization", RDFS.subClassOf),
    ("Site", vocab.ORG + "Site", RDFS.subClassOf),
    ("Post", vocab.ORG + "Post", RDFS.subClassOf),
    ("PostHolding", vocab.ORG + "Membership", RDFS.subClassOf),
    ("NamePeriod", vocab.TIME + "ProperInterval", RDFS.subClassOf),
    ("Service", vocab.SKOS + "Concept", RDFS.subClassOf),
    ("SourceDocument", vocab.PROV + "Entity", RDFS.subClassOf),
    ("Quotation", vocab.OA + "SpecificResource", RDFS.subClassOf),
    ("evidence", vocab.PROV + "wasDerivedFrom", RDFS.subPropertyOf),
])
def test_aligned_to_w3c_vocabularies(ontology, term, parent, relation):
    assert rdflib.URIRef(parent) in set(ontology.transitive_objects(DG[term], relation))


def test_ontology_and_data_are_consistent_for_hermit(dataset, tmp_path):
    run_hermit(dataset.store, tmp_path)


def test_hermit_finds_a_merger_proposal_that_is_a_merger_inconsistent(dataset, tmp_path):
    """The consistency check can fail: a proposal typed as a merger contradicts the ontology."""
    owlready2 = needs.module("owlready2")
    proposal = rdflib.URIRef(vocab.ID + "event/2016-merger-proposal-dhcft-dchs")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        run_hermit(dataset.store, tmp_path, [(proposal, RDF.type, DG.Merger)])
