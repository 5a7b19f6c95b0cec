"""Reading the registry files: every bad row stops the import, named by file and line; nothing is written."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import run_cli
from registry_rows import LISTING_HEADER, etr_row, listing_row, succ_row, write

from derbygraph.registry import OdsError, import_files, read


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
    with pytest.raises(OdsError) as error:
        import_files(succ, etr, out, documents=())
    text = str(error.value)
    assert text.startswith(f"{tmp_path / (kind + '.csv')}:{line}: ") and message in text
    assert "\n" not in text and "nothing was written" in text
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_every_bad_row_is_counted(tmp_path):
    succ = write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401"), '"x"', succ_row("AAA", "BBB", "0"),
                                         succ_row("CCC", "DDD", "20050401"), '"unterminated,"x"'])
    with pytest.raises(OdsError) as error:
        import_files(succ, None, tmp_path / "ods.nt", documents=())
    assert error.value.line == 2 and error.value.more == [3, 5]
    assert str(error.value).startswith(f"{succ}:2: expected 5 fields") and "2 more bad rows, at lines 3, 5" in str(error.value)


def test_a_failed_import_leaves_the_earlier_output(tmp_path):
    out = tmp_path / "ods.nt"
    out.write_text("earlier\n")
    with pytest.raises(OdsError):
        import_files(write(tmp_path / "succ.csv", ['"AAA"']), None, out, documents=())
    assert out.read_text() == "earlier\n"


@pytest.mark.parametrize("content", ["", "\n\n", "\r\n"])
def test_empty_files_are_refused(tmp_path, content):
    (tmp_path / "succ.csv").write_text(content)
    with pytest.raises(OdsError, match=r"succ\.csv:1: the file is empty"):
        import_files(tmp_path / "succ.csv", None, tmp_path / "ods.nt", documents=())
    write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401")])
    (tmp_path / "etr.csv").write_text(content)
    with pytest.raises(OdsError, match=r"etr\.csv:1: the file is empty"):
        import_files(tmp_path / "succ.csv", tmp_path / "etr.csv", tmp_path / "ods.nt", documents=())


def test_the_trust_file_given_as_the_successor_file(tmp_path):
    etr = write(tmp_path / "etr.csv", [etr_row("AAA", "AY NHS TRUST")])
    with pytest.raises(OdsError, match=r"etr\.csv:1: expected 5 fields .* found 27"):
        import_files(etr, None, tmp_path / "ods.nt", documents=())


def test_output_formats(tmp_path):
    succ = write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401")])
    for name in ("ods.ttl", "ods.nq"):
        import_files(succ, None, tmp_path / name, documents=())
        assert any(True for _ in ox.parse(path=str(tmp_path / name)))
    with pytest.raises(OdsError, match="unknown RDF format"):
        import_files(succ, None, tmp_path / "ods.csv", documents=())


def test_every_column_is_read(tmp_path):
    """The snapshot's columns and the successor file's fifth column reach the rows as the file gives them."""
    [trust] = read.read_etr(write(tmp_path / "etr.csv", [etr_row(
        "RXM", "DERBYSHIRE HEALTHCARE NHS FOUNDATION TRUST", c2="Y60", c3="QJ2", c4="TRUST HQ", c5="KINGSWAY",
        c7="DERBY", c9="DE22 3LZ", c23="J")]))
    assert (trust.field(read.ETR_GROUPING), trust.field(read.ETR_GEOGRAPHY), trust.field(read.ETR_REGION),
            trust.field(read.ETR_POSTCODE)) == ("Y60", "QJ2", "J", "DE22 3LZ")
    assert trust.address == ("TRUST HQ", "KINGSWAY", "DERBY")
    [row] = read.read_succ(write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401", indicator="1")]))
    assert (row.indicator, row.date, row.record.line) == ("1", "2005-04-01", 1)


def test_a_bad_snapshot_date_is_refused(tmp_path):
    succ = write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401")])
    with pytest.raises(OdsError, match="the snapshot date: '2022-02-30' is not a real date"):
        import_files(succ, None, tmp_path / "ods.nt", documents=(), observed="2022-02-30")


def test_cli_reports_a_bad_row_in_one_line(tmp_path):
    succ = write(tmp_path / "succ.csv", [succ_row("AAA", "BBB", "20050401"), succ_row("AAA", "BBB", "2005")])
    result = run_cli("import-ods", "--succ", str(succ), "-o", str(tmp_path / "ods.nt"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"derbygraph: {succ}:2: effective date '2005' is not a date (expected YYYYMMDD)"
                                     "; nothing was written")
    missing = run_cli("import-ods", "--succ", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 1 and "nowhere.csv" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_a_cycle_of_successions_is_refused_with_its_rows(tmp_path):
    """RAA -> RBB -> RCC -> RAA: no body comes first, so no lineage or crosswalk could follow it."""
    succ = write(tmp_path / "succ.csv", [
        succ_row("RAA", "RBB", "20020401"), succ_row("R1A", "R1B", "20030401"), succ_row("RBB", "RCC", "20030401"),
        succ_row("RCC", "RAA", "20050401"), succ_row("RXX", "RYY", "20050401"), succ_row("RYY", "RXX", "20060401")])
    out = tmp_path / "ods.nt"
    with pytest.raises(OdsError) as error:
        import_files(succ, None, out, documents=())
    assert str(error.value).startswith(
        f"{succ}:1: a cycle of successions: RAA -> RBB -> RCC -> RAA (lines 1, 3, 4)")
    assert error.value.more == [5] and "nothing was written" in str(error.value) and not out.exists()
    result = run_cli("import-ods", "--succ", str(succ), "-o", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{succ}:1: a cycle of successions" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_real_successor_file_has_no_cycle(registry_files):
    assert len(read.read_succ(registry_files / "succ.csv")) == 11537


@pytest.mark.parametrize("rows, line, message", [
    ([listing_row("RKX", "A NHS Trust")], 1, "expected the header row code,name,address_line_1,town,postcode"),
    ([LISTING_HEADER, listing_row("RKX", "A NHS Trust"), listing_row("RKX", "B NHS Trust")], 3,
     "RKX is listed twice (first at line 2)"),
    ([LISTING_HEADER, listing_row("R K", "A NHS Trust")], 2, "listed code 'R K' is not an ODS code"),
    ([LISTING_HEADER, listing_row("RKX", "")], 2, "RKX has no name"),
    ([LISTING_HEADER, '"RKX","A NHS Trust"'], 2, "expected 5 fields"),
    ([LISTING_HEADER], 2, "the file has no rows"),
])
def test_bad_listing_rows_stop_the_import(tmp_path, rows, line, message):
    succ = write(tmp_path / "succ.csv", [succ_row("RKX", "RXM", "20020401")])
    listing = write(tmp_path / "trust-listing.csv", rows)
    with pytest.raises(OdsError) as error:
        import_files(succ, None, tmp_path / "ods.nt", documents=(), listing=listing)
    assert str(error.value).startswith(f"{listing}:{line}: ") and message in str(error.value)
    assert not (tmp_path / "ods.nt").exists()


def test_the_real_listing_is_read(registry_files):
    listed = read.read_listing(registry_files / "trust-listing.csv")
    assert len(listed) == 534 and listed[0].record.line == 2
    rkx = next(e for e in listed if e.code == "RKX")
    assert rkx.name == "Community Healthcare service (north derbyshire) NHS Trust"
    assert rkx.record.text.startswith('"RKX","Community Healthcare service (north derbyshire) NHS Trust"')
