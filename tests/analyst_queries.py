"""Queries an analyst of this dataset writes, as they write them: the corpus the query check must
never refuse, and whose answers through the endpoint must be the engine's own answers to the
raw text (tests/store/test_querycheck.py). The first seventeen are the ones issue #24 found refused.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

DG = "https://w3id.org/derbygraph/ontology#"
ID = "https://w3id.org/derbygraph/id/"


def registry_codes(count: int = 21_084) -> list[str]:
    """Every ODS code a registry export holds (its codes, then made-up ones of the same shape, to
    the number of the issue's list); a pasted list of them is the biggest query analysts send."""
    path = Path(os.environ.get("DERBYGRAPH_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "ods" / "etr.csv"
    codes = [row[0] for row in csv.reader(path.open(encoding="latin-1"))] if path.exists() else []
    made_up = (f"{letter}{number:04d}" for letter in "ABCDEFGHJKLMNPQRSTVWXY" for number in range(10_000))
    return (codes + [code for code in made_up if code not in set(codes)])[:count]


CODES = registry_codes()

QUERIES: dict[str, str] = {
    # --- refused before issue #24 ---------------------------------------------------------------
    "service prefix": f"""PREFIX service: <{ID}service/>
SELECT ?p ?o WHERE {{ service:gambling-support-services ?p ?o }}""",
    "prefix containing service": f"""PREFIX nhsservices: <{ID}service/>
SELECT ?o WHERE {{ nhsservices:complex-drug-and-alcohol-support ?p ?o }}""",
    "prefix ending in service": f"""PREFIX myservice: <{ID}service/>
SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p myservice:gambling-support-services }}""",
    "fhir serviceType": """PREFIX fhir: <http://hl7.org/fhir/>
SELECT ?a ?t WHERE { ?a fhir:Appointment.serviceType ?t }""",
    "string comparison without spaces": """SELECT ?e ?d WHERE { ?e dg:date ?d FILTER(STR(?d)<'2000'&&STR(?d)>'1990') }""",
    "less-than then quote": """SELECT ?e WHERE { ?e dg:date ?d FILTER(STR(?d)<'2005') } ORDER BY ?e""",
    "IRI with an apostrophe": """SELECT ?p ?o WHERE { <https://en.wikipedia.org/wiki/King's_Mill_Hospital> ?p ?o }""",
    "IRI with an apostrophe in VALUES": """SELECT ?x WHERE { VALUES ?x { <http://example.org/King's_Mill> <http://example.org/St_Mary's> } }""",
    "escaped apostrophe in a string": r"""SELECT ?s WHERE { ?s rdfs:label 'children\u0027s health services'@en }""",
    "Children's Services": r"""SELECT ?x WHERE { BIND('Children\u0027s Services' AS ?x) }""",
    "150-term OR": "SELECT ?s ?c WHERE { ?s a ?c FILTER(" + " || ".join(
        f"?c = <{DG}Class{i}>" for i in range(149)) + f" || ?c = <{DG}Service>) }}",
    "120-branch UNION": "SELECT ?s WHERE { " + " UNION ".join(
        f"{{ ?s a <{DG}Kind{i}> }}" for i in range(119)) + f" UNION {{ ?s a <{DG}Service> }} }}",
    "every registry code in VALUES": "SELECT (COUNT(*) AS ?n) (COUNT(?org) AS ?known) WHERE { VALUES ?code { " + " ".join(
        f'"{code}"' for code in CODES) + " } OPTIONAL { ?org dg:odsCode ?code } }",
    "escaped apostrophe in a long string": r"""SELECT ?x WHERE { BIND('''older people\u0027s''' AS ?x) }""",
    "service as a variable and a word": """SELECT ?service WHERE { ?service a dg:Service } ORDER BY ?service""",
    "SERVICE in a comment": """SELECT ?s WHERE { ?s a dg:Service } # not a SERVICE <http://x/> {}
ORDER BY ?s""",
    "service in a string": """SELECT ?s WHERE { ?s a dg:Service FILTER(!CONTAINS(STR(?s), "SERVICE <http://x/> {}")) }""",
    # --- ordinary queries, as written -------------------------------------------------------
    "names": "SELECT ?name WHERE { ?p dg:name ?name } ORDER BY ?name",
    "lowercase keywords": "select distinct ?c where { ?s a ?c } order by ?c limit 20",
    "mixed case keywords": "Select ?s Where { ?s rdfs:label ?o } Order By ?s ?o Limit 3",
    "odd spacing": "SELECT?s?o{?s rdfs:label?o.FILTER(LANG(?o)='en')}ORDER BY?s?o LIMIT 5",
    "tabs and newlines": "SELECT\t?s\n\n?o\r\nWHERE\n{\n\t?s\trdfs:label\t?o\n}\nORDER\tBY ?s\n?o LIMIT\n5",
    "comments everywhere": """# who is called what
PREFIX ex: <http://example.org/> # unused
SELECT ?s # the thing
  ?n      # its name
WHERE { # the pattern
  ?s dg:name ?n . # a name
} # end
ORDER BY ?n # sorted""",
    "ask": "ASK { ?s a dg:Service }",
    "ask false": "ASK { ?s a <http://example.org/Nothing> }",
    "count by class": "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c HAVING (COUNT(*) > 20) ORDER BY DESC(?n) ?c",
    "aggregates": """SELECT (MIN(?d) AS ?first) (MAX(?d) AS ?last) (COUNT(DISTINCT ?e) AS ?n) (SUM(1) AS ?rows)
  (AVG(STRLEN(STR(?d))) AS ?length) WHERE { ?e dg:date ?d }""",
    "group_concat": """SELECT ?s (GROUP_CONCAT(DISTINCT ?l; SEPARATOR=" | ") AS ?labels) (SAMPLE(?l) AS ?one) WHERE {
  ?s a dg:Service ; rdfs:label ?l } GROUP BY ?s""",
    "subquery": """SELECT ?c ?n WHERE { { SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c } FILTER(?n > 50) }""",
    "optional": "SELECT ?s ?l WHERE { ?s a dg:Service OPTIONAL { ?s rdfs:label ?l } }",
    "minus": "SELECT ?s WHERE { ?s a dg:Service MINUS { ?s rdfs:label ?l } }",
    "filter not exists": "SELECT ?s WHERE { ?s a dg:Service FILTER NOT EXISTS { ?x dg:service ?s } }",
    "bind and arithmetic": """SELECT ?e ?year ?decade WHERE { ?e dg:date ?d
  BIND(xsd:integer(SUBSTR(STR(?d), 1, 4)) AS ?year) BIND(FLOOR(?year / 10) * 10 AS ?decade) }""",
    "negative numbers and signs": "SELECT ?x ?y ?z WHERE { BIND(-1 AS ?x) BIND(+2 AS ?y) BIND(3 -1 +-2 AS ?z) }",
    "doubles and decimals": "SELECT ?x WHERE { BIND(1.5e3 + .5 + 2.0 + 1E-2 AS ?x) }",
    "values rows": """SELECT ?s ?kind WHERE { VALUES (?kind ?want) { (dg:Service "s") (dg:ChangeEvent UNDEF) }
  ?s a ?kind } ORDER BY ?s LIMIT 20""",
    "values after the query": "SELECT ?s WHERE { ?s a ?c } VALUES ?c { dg:Service }",
    "property path sequence": "SELECT ?a ?n WHERE { ?a dg:contractor/rdfs:label ?n }",
    "property path alternative and star": "SELECT ?a ?b WHERE { ?a (dg:contractor|dg:awardedBy)/rdfs:subClassOf* ?b }",
    "inverse path": "SELECT ?s ?o WHERE { ?o ^dg:service ?s }",
    "zero or one path": "SELECT ?s ?o WHERE { ?s dg:service? ?o FILTER(isIRI(?s)) } ORDER BY ?s ?o LIMIT 20",
    "one or more path": "SELECT ?c ?super WHERE { ?c rdfs:subClassOf+ ?super } ORDER BY ?c ?super LIMIT 50",
    "negated property set": "SELECT (COUNT(*) AS ?n) WHERE { ?s !(rdf:type|rdfs:label) ?o }",
    "graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "graph by name": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/derbygraph/graph/ontology> { ?s ?p ?o } }",
    "from": "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/derbygraph/graph/ontology> WHERE { ?s ?p ?o }",
    "from named": """SELECT ?g (COUNT(*) AS ?n) FROM NAMED <https://w3id.org/derbygraph/graph/meta>
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g""",
    "construct": "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a dg:Service ; rdfs:label ?l }",
    "construct where": "CONSTRUCT WHERE { ?s a dg:Service }",
    "describe": f"DESCRIBE <{ID}service/gambling-support-services>",
    "regex and functions": """SELECT ?s ?l WHERE { ?s rdfs:label ?l
  FILTER(REGEX(?l, "^(mental|children)", "i") && STRLEN(?l) > 3 && LANGMATCHES(LANG(?l), "en")) }""",
    "string functions": """SELECT (UCASE(?l) AS ?u) (STRBEFORE(?l, " ") AS ?b) (REPLACE(?l, "s", "z") AS ?r)
  (CONCAT(?l, "!") AS ?c) (ENCODE_FOR_URI(?l) AS ?e) WHERE { ?s a dg:Service ; rdfs:label ?l }""",
    "if and coalesce": """SELECT ?s (IF(BOUND(?l), ?l, "?") AS ?name) (COALESCE(?l, "none") AS ?n2)
WHERE { ?s a dg:Service OPTIONAL { ?s rdfs:label ?l } }""",
    "in and not in": """SELECT ?s ?c WHERE { ?s a ?c FILTER(?c IN (dg:Service, dg:ChangeEvent) && ?c NOT IN (owl:Class)) }""",
    "typed and tagged literals": """SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l = "children's health services"@en
  || ?l = "x"^^xsd:string || ?l = "y"^^<http://www.w3.org/2001/XMLSchema#string>) }""",
    "string escapes": r"""SELECT ?x ?y WHERE { BIND("tab\there \"quoted\" back\\slash" AS ?x) BIND('new\nline' AS ?y) }""",
    "unicode escapes": r"""SELECT ?x WHERE { BIND("caf\u00E9 \U0001F600" AS ?x) }""",
    "unicode text": """SELECT ?x WHERE { BIND("Ysbyty Gwynedd — café ☕" AS ?x) }""",
    "blank node property list": "SELECT ?s ?n WHERE { ?s dg:hasNamePeriod [ dg:name ?n ] }",
    "dollar variables": "SELECT $s $n WHERE { $s dg:name $n }",
    "base and relative IRIs": """BASE <https://w3id.org/derbygraph/id/>
SELECT ?p ?o WHERE { <service/gambling-support-services> ?p ?o }""",
    "empty prefix": f"""PREFIX : <{DG}>
SELECT ?s WHERE {{ ?s a :Service }}""",
    "prefix redeclared": """PREFIX x: <http://example.org/>
PREFIX x: <https://w3id.org/derbygraph/ontology#>
SELECT ?s WHERE { ?s a x:Service }""",
    "local name escapes": "SELECT ?s WHERE { ?s a dg:Service FILTER(?s != dg:no\\.such\\-thing) }",
    "keyword-like prefixes": f"""PREFIX select: <{DG}> PREFIX filter: <{DG}> PREFIX a: <{DG}>
SELECT ?s WHERE {{ ?s a select:Service . FILTER(?s != filter:x && ?s != a:y) }}""",
    "distinct order offset": "SELECT DISTINCT ?c WHERE { ?s a ?c } ORDER BY ASC(?c) LIMIT 5 OFFSET 3",
    "reduced": "SELECT REDUCED ?c WHERE { ?s a ?c } ORDER BY ?c LIMIT 5",
    "exists in select": "SELECT ?s (EXISTS { ?s rdfs:label ?l } AS ?named) WHERE { ?s a dg:Service }",
    "nested optional": """SELECT ?e ?d ?l WHERE { ?e a dg:ChangeEvent OPTIONAL { ?e dg:date ?d OPTIONAL { ?e rdfs:label ?l } } }""",
    "not and unary": "SELECT ?s WHERE { ?s a dg:Service FILTER(!(!BOUND(?s))) BIND(-(-1) AS ?one) }",
    "collection": "ASK { ?s dg:members (dg:a dg:b) }",
    "date comparison": """SELECT ?e ?d WHERE { ?e dg:date ?d FILTER(?d >= "2000-01-01"^^xsd:date) }""",
}
