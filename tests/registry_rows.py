"""Small registry files for the registry tests: rows in the ODS layouts, and what an import makes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from derbygraph import vocab
from derbygraph.registry import import_files, read

TYPE, LABEL = vocab.RDF + "type", vocab.RDFS + "label"
ORIGINAL, RESULTING = vocab.ORG + "originalOrganization", vocab.ORG + "resultingOrganization"
DERIVED = vocab.PROV + "wasDerivedFrom"
ORG = read.ODS + "org/"
EVENT = read.ODS + "event/"
DG = vocab.DG


def succ_row(predecessor: str, successor: str, date: str, reason: str = "", indicator: str = "0") -> str:
    return ",".join(f'"{f}"' for f in (predecessor, successor, reason, date, indicator))


def etr_row(code: str, name: str, opened: str = "20020401", closed: str = "", **columns: str) -> str:
    """A trust row; `columns` fills others by 0-based column number given as `c3="QOP"`."""
    fields = [""] * read.ETR_FIELDS
    fields[read.ETR_CODE], fields[read.ETR_NAME], fields[read.ETR_OPEN], fields[read.ETR_CLOSE] = code, name, opened, closed
    for key, value in columns.items():
        fields[int(key[1:])] = value
    return ",".join(f'"{f}"' for f in fields)


def listing_row(code: str, name: str, address: str = "Trust hq", town: str = "Derby", postcode: str = "DE22 3LZ") -> str:
    return ",".join(f'"{f}"' for f in (code, name, address, town, postcode))


LISTING_HEADER = "code,name,address_line_1,town,postcode"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("".join(r + "\r\n" for r in rows))
    return path


def triples(path: Path) -> set[tuple]:
    return {(t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(path=str(path))}


def objects(graph: set[tuple], subject: str, predicate: str) -> set[str]:
    return {o for s, p, o in graph if s == subject and p == predicate}


def import_small(tmp_path, succ: list[str], etr: list[str] | None = None, documents=(), observed=None,
                 listing: list[str] | None = None):
    """(summary, triples, output file) of importing these rows (`listing` without its header row)."""
    out = tmp_path / "ods.nt"
    summary = import_files(write(tmp_path / "succ.csv", succ),
                           write(tmp_path / "etr.csv", etr) if etr is not None else None, out,
                           documents=documents, observed=observed,
                           listing=write(tmp_path / "trust-listing.csv", [LISTING_HEADER] + listing)
                           if listing is not None else None)
    return summary, triples(out), out
