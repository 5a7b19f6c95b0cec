"""Turtle the checks tests write: the prefixes, and a quotation of a real source document."""

from __future__ import annotations

import textwrap

PREFIXES = textwrap.dedent("""\
    @prefix dg: <https://w3id.org/derbygraph/ontology#> .
    @prefix org: <http://www.w3.org/ns/org#> .
    @prefix oa: <http://www.w3.org/ns/oa#> .
    @prefix prov: <http://www.w3.org/ns/prov#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    @prefix src: <https://w3id.org/derbygraph/id/source/> .
    @prefix o: <https://w3id.org/derbygraph/id/org/> .
    @prefix n: <https://w3id.org/derbygraph/id/name/> .
    @prefix e: <https://w3id.org/derbygraph/id/event/> .
    """)
QUOTE = '[ a dg:Quotation ; oa:hasSource src:dhcft-encyclopedia ; oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Chair: Selina Ullah" ] ]'
