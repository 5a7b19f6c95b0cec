"""The crosswalk's answers as CSV tables, each with its W3C CSVW metadata (a citable file).

A `Table` is one definition of the columns (name, datatype, what it means) and the rows, so the
CSV and its metadata cannot disagree. The metadata (CSV on the Web, JSON-LD with the CSVW
context) names the CSV it describes (`url`), its columns and datatypes, the licence and the
attribution the data requires, every source file with its SHA-256 as the graph records it, the
dataset's version, and for a mapping the target date and the split policy.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from derbygraph import vocab

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"


@dataclass(frozen=True)
class Column:
    name: str
    datatype: str  # a CSVW built-in datatype: string, boolean, decimal, date
    meaning: str


@dataclass
class Table:
    title: str
    filename: str
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    to: str | None = None          # the target date of a mapping
    split_policy: str | None = None  # the sentence that says how shares were made

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.name for c in self.columns])
        for row in self.rows:
            writer.writerow([_cell(value) for value in row])
        return out.getvalue()

    def metadata(self, citation: dict, url: str | None = None) -> dict:
        """The CSVW metadata of this table, as JSON-LD; `url` where the CSV is (default its file name)."""
        described = {
            "@context": [CSVW_CONTEXT, {"@language": "en"}],
            "url": url or self.filename,
            "dc:title": self.title,
            "dc:license": {"@id": citation["licence"]},
            "dc:rights": citation["attribution"],
            "dc:hasVersion": citation["version"],
            "dc:source": [{"dc:identifier": s["file"], "schema:sha256": s["sha256"]}
                          for s in citation["sources"]],
            "tableSchema": {"columns": [{"name": c.name, "titles": c.name, "datatype": c.datatype,
                                         "dc:description": c.meaning} for c in self.columns]},
        }
        if self.to is not None:
            described["dc:temporal"] = self.to
        if self.split_policy is not None:
            described[vocab.DG + "splitPolicy"] = self.split_policy
        return described


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 12))
    return str(value)


def metadata_name(csv_name: str) -> str:
    """Where the CLI writes a CSV's metadata: beside it, as `OUT-metadata.json`."""
    return f"{csv_name}-metadata.json"


SOURCE_COLUMNS = [Column("code", "string", "the registry code mapped"),
                  Column("name", "string", "its name in force on the target date, empty where none is known "
                                           "(the reason is in notes)"),
                  Column("kind", "string", "the kind of body the registry code is")]
TARGET_COLUMNS = [Column("target_name", "string", "the target's name in force on the target date, empty where "
                                                  "none is known (the reason is in notes)"),
                  Column("share", "decimal", "the part of the code that goes to this target, by the split policy; "
                                             "empty where the policy gives none"),
                  Column("split", "boolean", "the code maps to more than one code on the target date")]


def crosswalk_table(answer: dict) -> Table:
    """One row per (code, target), with the path, the rows it rests on and the notes in a cell each."""
    columns = SOURCE_COLUMNS + [Column("target", "string", "a code in force on the target date that the code became"),
                                TARGET_COLUMNS[0], Column("target_kind", "string", "the kind of body the target is"),
                                Column("target_listed_name", "string",
                                       "the name an undated listing gives the target (never a name in force; "
                                       "its source is in notes)"),
                                *TARGET_COLUMNS[1:],
                                Column("path", "string", "the successions followed, FROM>TO DATE"),
                                Column("evidence", "string", "the registry rows the path rests on"),
                                Column("notes", "string", "what else the files say, each note naming its rows")]
    rows = []
    for row in answer["rows"]:
        path = "; ".join(f"{p['from']}>{p['to']} {p['date']}" for p in row["path"])
        evidence = "; ".join(f"{e['title']} line {e['line']}" for e in row["evidence"])
        for target in row["targets"]:
            listed = target["listed_name"]["name"] if target["listed_name"] else None
            rows.append((row["code"], row["name"], row["kind"], target["code"], target["name"], target["kind"], listed,
                         target["share"], row["split"], path, evidence, " | ".join(row["notes"])))
    name = f"crosswalk-{answer['to']}" + (f"-became-{answer['became']}" if "became" in answer else "")
    return Table(f"Registry codes mapped to the codes in force on {answer['to']}", f"{name}.csv", columns, rows,
                 answer["to"], answer["split_policy"])


def edge_table(edges: list[dict]) -> Table:
    columns = [Column("predecessor", "string", "the code succeeded"),
               Column("successor", "string", "the code that succeeded it"),
               Column("effective_date", "date", "the legal date the succession took effect"),
               Column("change", "string", "the kind of change: succession, merger or site succession"),
               Column("evidence", "string", "the registry rows that record it")]
    rows = [tuple(edge[c.name] for c in columns) for edge in edges]
    return Table("Every succession in the registry files, one row each", "crosswalk-edges.csv", columns, rows)
