"""How an answer reads as plain text on a terminal: a table of SPARQL results, a statement's
basis, a lineage."""

from __future__ import annotations

import json

from derbygraph.vocab import shorten


def table(tsv: str) -> str:
    """A plain-text table from SPARQL TSV results, IRIs shortened with the usual prefixes."""
    def short(cell: str) -> str:
        if cell.startswith("<") and cell.endswith(">"):
            return shorten(cell[1:-1])
        if cell.startswith('"'):
            return json.loads(cell[: cell.rindex('"') + 1]) if '"' in cell[1:] else cell
        return cell

    lines = [line.split("\t") for line in tsv.rstrip("\n").split("\n")]
    if len(lines[0]) == 1 and lines[0][0] in ("true", "false"):
        return lines[0][0]
    rows = [[c.lstrip("?") for c in lines[0]]] + [[short(c) for c in line] for line in lines[1:]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = [" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    out.insert(1, "-+-".join("-" * w for w in widths))
    out.append(f"({len(rows) - 1} row{'s' if len(rows) != 2 else ''})")
    return "\n".join(out)


def why(answer: dict, depth: int = 0) -> str:
    pad = "  " * depth
    st = answer["statement"]
    lines = [f"{pad}{st['s']}  {st['p']}  {st['o']}",
             f"{pad}  {'asserted' if answer['asserted'] else 'inferred'}; basis: {answer['basis']}"
             + (f", written in {answer['definedIn']}" if answer.get("definedIn") else "")]
    for source in answer["sources"]:
        where = f", line {source['line']}" if source.get("line") else ""
        lines.append(f"{pad}  “{source['quote']}” ({source['title']}{where})")
    if "derivedFrom" in answer:
        lines.append(f"{pad}  derived from:")
        lines += [why(premise, depth + 2) for premise in answer["derivedFrom"]]
    return "\n".join(lines)


def lineage(answer: dict) -> str:
    org = answer["organisation"]
    lines = [f"{org['label']}  <{org['iri']}>"]
    if answer["at"]:
        lines.append(f"as of {answer['at']}")
    lines.append("\nNames")
    for name in answer["names"]:
        when = f"{'undated, as listed':>23}" if name.get("listed") else f"{name['start'] or '?':>10} – {name['end'] or 'now':<10}"
        lines.append(f"  {when}  {name['label']}")
        if (name.get("listed") or {}).get("disagrees"):
            lines.append(f"{'':27}the sources disagree: {name['listed']['disagrees']['said']}")
    lines.append("\nEvents")
    for event in answer["events"]:
        lines.append(f"  {event['date'] or 'undated':>10}  {event['type']}: {event['label']}")
        for source in event["sources"]:
            lines.append(f"{'':14}“{source['quote']}” ({source['title']})")
    for key, heading in (("predecessors", "Predecessors"), ("successors", "Successors"),
                         ("transfers", "Services transferred (not predecessors or successors)")):
        if answer.get(key):
            lines.append(f"\n{heading}")
            for link in answer[key]:
                said = (f"{', '.join(link['services'])} {link['direction']} {link['label']}" if key == "transfers"
                        else f"{link['label']} ({link['relation']})")
                lines.append(f"  {link['date'] or '':>10}  {said}")
                if link.get("candidates"):
                    maybe = " or ".join(f"{c.get('code') or c['iri']} ({c['confidence']:.0%})" for c in link["candidates"])
                    lines.append(f"{'':14}may be {maybe}: a proposal, not a link")
    proposals = (answer.get("reconciliation") or {}).get("candidates", [])
    if proposals:
        lines.append("\nProposed links to the registry (not asserted)")
        for proposal in proposals:
            lines.append(f"  {proposal['label']} ({proposal['confidence']:.0%})")
            lines += [f"{'':14}“{s['quote']}” ({s['title']}{', line ' + str(s['line']) if s.get('line') else ''})"
                      for s in proposal["sources"]]
    return "\n".join(lines)
