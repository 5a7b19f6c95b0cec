"""`derbygraph check`: the shapes and the quote check catch broken data, with file:line messages."""

from __future__ import annotations

import re
import textwrap

import pytest
from turtle_snippets import PREFIXES, QUOTE

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def write(tmp_path, body: str):
    path = tmp_path / "extra.ttl"
    path.write_text(PREFIXES + textwrap.dedent(body))
    return path


def test_built_in_data_conforms(cli, seeds):
    result = cli("check", "--sources", str(seeds))
    assert result.returncode == 0, result.stdout + result.stderr
    covered, total = map(int, re.search(r"statement support: (\d+)/(\d+) \(100%\)", result.stderr).groups())
    assert covered == total > 600
    verified, ruled = map(int, re.search(r"(\d+) verified by their words, (\d+) resting on a stated rule, 0 unsupported",
                                         result.stderr).groups())
    assert verified + ruled == total and verified > ruled
    # each rule is listed with the number of statements resting on it
    assert "resting on the stated rule <https://w3id.org/derbygraph/id/rule/coined-service-label>: 5 statement(s)" in result.stderr


def test_a_statement_no_quote_supports_fails_the_check(cli, tmp_path):
    """The node has a quote, but not one that holds the words of its dg:name: coverage catches it."""
    path = write(tmp_path, f"""
        n:q a dg:NamePeriod ; rdfs:label "Q" ; dg:name "Quite Another Trust" ;
            dg:evidence {QUOTE} , {QUOTE.replace("Chair: Selina Ullah", "Chief Exec: Mark Powell")} .
        """)
    result = cli("check", "--data", str(path))
    assert result.returncode == 1
    assert any(line.startswith(f"{path}:") and "n:q" not in line and "no quotation's words hold dg:name" in line
               for line in result.stdout.splitlines()), result.stdout
    assert re.search(r"statement support: \d+/\d+ \(99\.\d%\)", result.stderr)
    assert "(100%)" not in result.stderr


def test_a_dg_supports_marker_is_a_claim_not_a_verdict(cli, tmp_path):
    """A marker saying a quote supports dg:name is checked against the quote's words (issue 26)."""
    supported = QUOTE.replace("a dg:Quotation ;", "a dg:Quotation ; dg:supports dg:name ;")
    path = write(tmp_path, f"""
        n:q a dg:NamePeriod ; rdfs:label "Q" ; dg:name "Quite Another Trust" ; dg:evidence {supported} .
        """)
    result = cli("check", "--data", str(path))
    assert result.returncode == 1
    assert "dg:supports claims dg:name on the quote \"Chair: Selina Ullah\", but its words do not hold it" in result.stdout
    assert "no quotation's words hold dg:name" in result.stdout  # and its only quote is no default


def test_build_refuses_what_the_check_refuses_reading_the_provenance_it_wrote_to_disk(cli, tmp_path):
    """`build` keeps the statement provenance out of memory (issue #29): its check finds the same
    unsupported statement and the same unheld marker, and writes no store."""
    supported = QUOTE.replace("a dg:Quotation ;", "a dg:Quotation ; dg:supports dg:name ;")
    path = write(tmp_path, f"""
        n:q a dg:NamePeriod ; rdfs:label "Q" ; dg:name "Quite Another Trust" ; dg:evidence {supported} .
        """)
    store = tmp_path / "store"
    result = cli("build", "--data", str(path), "--store", str(store))
    assert result.returncode == 1
    assert "dg:supports claims dg:name on the quote \"Chair: Selina Ullah\", but its words do not hold it" in result.stderr
    assert "no quotation's words hold dg:name" in result.stderr
    assert not store.exists() and [p.name for p in tmp_path.iterdir()] == ["extra.ttl"]


@pytest.mark.parametrize("statement, quote, unsupported", [
    # a date read at the precision it claims: the month must be in the words, not only the year
    ('e:x a dg:Renaming ; rdfs:label "X" ; dg:date "2011-04"^^xsd:gYearMonth', "Start Date: 2011-02-01", "dg:date"),
    # an object's name as whole words: "Derby" is not in "Derbyshire"
    ('e:x a dg:Renaming ; rdfs:label "X" ; dg:date "2002"^^xsd:gYear ; dg:participant o:derby-city-council',
     "The Trust became Derbyshire Mental Health Services National Health Service Trust in 2002", "dg:participant"),
    # a number by its digits or words
    ('e:x a dg:Renaming ; rdfs:label "X" ; dg:date "2002"^^xsd:gYear ; dg:value 3011',
     "The Trust became Derbyshire Mental Health Services National Health Service Trust in 2002", "dg:value"),
    # a type by its words (or a stated rule): a renaming is not a merger
    ('e:x a dg:Merger ; rdfs:label "X" ; dg:date "2002"^^xsd:gYear',
     "The Trust became Derbyshire Mental Health Services National Health Service Trust in 2002", "rdf:type"),
])
def test_a_statement_resting_on_the_wrong_quote_fails_the_check(cli, tmp_path, seeds, statement, quote, unsupported):
    """Injected statements whose only quote is found in the document but does not hold them."""
    path = write(tmp_path, f"""
        @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
        {statement} ; dg:evidence {QUOTE.replace("Chair: Selina Ullah", quote)} .
        """)
    result = cli("check", "--data", str(path), "--sources", str(seeds))
    assert result.returncode == 1
    held = [line for line in result.stdout.splitlines() if line.startswith(f"{path}:")]
    assert any(f"no quotation's words hold {unsupported}" in line for line in held), result.stdout
    assert "not found" not in result.stdout  # the quote is the document's own words


def test_overlapping_names_and_missing_sources(cli, tmp_path):
    path = write(tmp_path, f"""
        o:x a dg:NHSTrust ; rdfs:label "X NHS Trust" ; dg:evidence {QUOTE} ;
            dg:hasNamePeriod n:x1 , n:x2 .
        n:x1 dg:name "X One" ; dg:start "1990"^^xsd:gYear ; dg:end "2000"^^xsd:gYear ; dg:evidence {QUOTE} .
        n:x2 dg:name "X Two" ; dg:start "1995-05"^^xsd:gYearMonth ; dg:evidence {QUOTE} .
        e:y a dg:Merger ; rdfs:label "Y" ; dg:date "2002" .
        """)
    result = cli("check", "--data", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{path}:") and "overlap" in line for line in lines)
    assert any(line.startswith(f"{path}:") and "e:y" not in line and "needs a source" in line for line in lines)
    assert any("dg:date must be" in line for line in lines)


def test_successor_before_predecessor(cli, tmp_path):
    path = write(tmp_path, f"""
        o:old a dg:NHSTrust ; rdfs:label "Old" ; dg:evidence {QUOTE} ; dg:hasNamePeriod n:old .
        n:old dg:name "Old" ; dg:start "2005"^^xsd:gYear ; dg:evidence {QUOTE} .
        o:new a dg:NHSTrust ; rdfs:label "New" ; dg:evidence {QUOTE} ; dg:hasNamePeriod n:new .
        n:new dg:name "New" ; dg:start "1999"^^xsd:gYear ; dg:evidence {QUOTE} .
        e:m a dg:Merger ; rdfs:label "M" ; dg:date "2006"^^xsd:gYear ; dg:evidence {QUOTE} ;
            org:originalOrganization o:old ; org:resultingOrganization o:new .
        """)
    result = cli("check", "--data", str(path))
    assert result.returncode == 1
    assert "starts before its predecessor" in result.stdout


def test_undated_event_and_undated_names_are_refused(cli, tmp_path):
    path = write(tmp_path, f"""
        o:z a dg:NHSTrust ; rdfs:label "Z" ; dg:evidence {QUOTE} .
        e:z a dg:Renaming ; rdfs:label "Z renamed" ; dg:evidence {QUOTE} ; dg:subject o:z .
        """)
    out = cli("check", "--data", str(path)).stdout
    assert "needs at least one name" in out and "needs a dg:date" in out


def test_a_quote_not_in_the_document(cli, tmp_path, seeds):
    path = write(tmp_path, """
        o:q a dg:Charity ; rdfs:label "Q" ;
            dg:evidence [ a dg:Quotation ; oa:hasSource src:dhcft-encyclopedia ;
                oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Chair: Someone Else" ] ] .
        """)
    result = cli("check", "--data", str(path), "--sources", str(seeds))
    assert result.returncode == 1
    assert f"{path}:" in result.stdout and "quote not found" in result.stdout


def test_syntax_error_points_at_the_line(cli, tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text(PREFIXES + "o:a rdfs:label \"unterminated .\n")
    result = cli("check", "--data", str(path))
    assert result.returncode == 1
    line = len(PREFIXES.splitlines()) + 1  # the unterminated literal's
    assert result.stderr.startswith(f"derbygraph: {path}:{line}: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_quotations_without_exact_words_are_reported_at_their_owner(cli, tmp_path):
    path = write(tmp_path, """
        o:q a dg:Charity ; rdfs:label "Q" ;
            dg:evidence [ a dg:Quotation ; oa:hasSource src:dhcft-encyclopedia ; oa:hasSelector [ a oa:TextQuoteSelector ] ] .
        o:r a dg:Charity ; rdfs:label "R" ;
            dg:evidence [ a dg:Quotation ; oa:hasSource src:dhcft-encyclopedia ; oa:hasSelector [ oa:exact 42 ] ] .
        """)
    result = cli("check", "--data", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{path}:") and "q: a quotation needs the exact words" in line for line in lines)
    assert any(line.startswith(f"{path}:") and "r: a quotation needs the exact words" in line for line in lines)


# --- where a problem is reported: each file indexed once, the same line as scanning it ----------

def _line_by_scanning(lines: list[str], iri: str) -> int | None:
    """The first line a person would look at: the node's description, else a mention of it."""
    import re

    tail = re.escape(re.split(r"[/#]", iri)[-1])
    for pattern in (re.compile(rf"^(\S*:{tail}|<{re.escape(iri)}>)(\s|$)"), re.compile(rf":{tail}\b")):
        for number, line in enumerate(lines, 1):
            if pattern.search(line):
                return number
    return None


def test_the_line_index_finds_the_lines_a_scan_finds():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from derbygraph.build.checks.report import _LineIndex

    names = st.sampled_from(["a", "ab", "a-b", "a_b", "b.c", "x1", "é"])
    iris = st.builds(lambda sep, name: f"https://w3id.org/derbygraph/id{sep}{name}", st.sampled_from("/#"), names)
    tokens = st.one_of(iris.map(lambda i: f"<{i}>"), st.builds("{}:{}".format, st.sampled_from(["o", "", "dg"]), names),
                       st.sampled_from(["a", ";", ".", "[", '"text a:b"', "rdfs:label", "  "]))
    lines = st.lists(st.lists(tokens, max_size=4).map(" ".join).map(lambda l: l.rstrip()), max_size=8)

    @settings(max_examples=300, deadline=None)
    @given(lines, iris)
    def agree(text_lines, iri):
        index = _LineIndex("\n".join(text_lines) + "\n")
        assert index.line_of(iri) == _line_by_scanning(text_lines, iri)

    agree()


def test_thousands_of_problems_are_reported_first_in_full_then_counted_by_kind(cli, tmp_path):
    """A large file that breaks the shapes thousands of times: the report names the first hundred
    problems at their lines and counts the rest by kind; `--all` lists every one; `build` reports
    the same way and leaves no store."""
    organisations, events = 2_000, 1_000
    lines = [f"<https://w3id.org/derbygraph/id/bulk/o{i}> <{RDF_TYPE}> <http://www.w3.org/ns/org#Organization> ."
             for i in range(organisations)]
    lines += [f"<https://w3id.org/derbygraph/id/bulk/e{i}> <{RDF_TYPE}> <http://www.w3.org/ns/org#ChangeEvent> ."
              for i in range(events)]
    path = tmp_path / "bulk.nt"
    path.write_text("\n".join(lines) + "\n")

    result = cli("check", "--data", str(path))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    in_full = [line for line in out if line.startswith(f"{path}:")]
    assert len(in_full) == 100 and out[:100] == in_full
    assert all(re.match(rf"{re.escape(str(path))}:(\d+): (o|e)(\d+): ", line) for line in in_full)
    assert [int(line.split(":")[1]) for line in in_full] == [int(re.search(r": [oe](\d+):", l).group(1)) + 1
                                                             for l in in_full]  # each at its own line
    more = int(re.fullmatch(r"\.\.\. and (\d+) more problem\(s\), by kind .*", out[100]).group(1))
    counts = {kind: int(n) for n, kind in (re.fullmatch(r"\s*(\d+) × (.+)", line).groups() for line in out[101:])}
    assert sum(counts.values()) == more and len(counts) < 10  # a few kinds, not a line per problem

    every = cli("check", "--all", "--data", str(path))
    listed = [line for line in every.stdout.splitlines() if line.startswith(f"{path}:")]
    assert every.returncode == 1 and len(listed) == 100 + more and listed[:100] == in_full
    assert {line.split(": ", 2)[1] for line in listed} >= {f"o{i}" for i in range(organisations)} | {
        f"e{i}" for i in range(events)}  # every body named

    store = tmp_path / "store"
    built = cli("build", "--data", str(path), "--store", str(store))
    assert built.returncode == 1 and not store.exists()
    assert built.stderr.splitlines().count(out[100]) == 1 and in_full[0] in built.stderr
