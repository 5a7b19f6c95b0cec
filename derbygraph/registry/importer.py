"""`derbygraph import-ods`: read, classify, graph, compare, and write atomically, in one line of summary."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from derbygraph import dates, vocab

from . import listing as listing_
from .compare import reconcile
from .graph import ORG_NS, Builder, convert
from .read import OdsError, latest_date, read_etr, read_listing, read_succ


def _format(output: Path) -> ox.RdfFormat:
    from derbygraph.build.sources import FORMATS

    found = FORMATS.get(output.suffix.lower())
    if found is None or found == ox.RdfFormat.N3:
        raise OdsError(output, None, "unknown RDF format for the output: name it .nt, .ttl, .nq, .trig, .jsonld or .rdf")
    return found


def write(triples: list, output: Path) -> None:
    """Write atomically: a failure leaves any earlier output as it was."""
    rdf_format = _format(output)
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    partial = output.with_name(output.name + ".partial")
    try:
        ox.serialize(triples, str(partial), rdf_format, prefixes=vocab.PREFIXES | {"ods": ORG_NS})
        os.replace(partial, output)
    finally:
        if partial.exists():
            partial.unlink()


def import_files(succ: Path, etr: Path | None, output: Path, documents: Iterable[Path] | None = None,
                 observed: str | None = None, listing: Path | None = None) -> str:
    """Read the registry files, write their RDF to `output`, and say what was done in one line.

    `observed` is the date the trust file's snapshot was taken; without it, the latest date the
    file itself states (the snapshot is no earlier), so no name is claimed before the evidence.
    `listing` is the third listing of trust names (undated statements, compared with etr.csv)."""
    started = time.perf_counter()
    succ, output = Path(succ), Path(output)
    _format(output)  # a bad output name fails before any work
    if observed is not None:
        try:
            observed = dates.parse(observed)
        except dates.BadDate as error:
            raise OdsError(etr or succ, None, f"the snapshot date: {error}") from None
    rows = read_succ(succ)
    trusts = read_etr(Path(etr)) if etr is not None else []
    listed = read_listing(Path(listing)) if listing is not None else []
    observed = observed or latest_date(trusts)
    codes = {t.code for t in trusts} | {c for r in rows for c in (r.predecessor, r.successor)}
    names = listing_.new_names(listed, trusts, codes)
    registry = convert(rows, trusts, succ, Path(etr) if etr is not None else None, observed,
                       {code: entry.name for code, entry in names.items()})
    out = Builder(registry.triples)  # the listing and the proposals join the registry's own triples
    comparison = None
    if listing is not None:
        comparison = listing_.compare(listed, trusts, codes)
        listing_.listing_triples(out, listed, Path(listing), comparison, names)
    proposals = reconcile(out, registry, rows, documents, names, comparison)
    write(out.triples, output)
    events, sites = registry.events, sum(1 for k in registry.kinds.values() if k.site)
    summary = (f"imported {registry.rows:,} succession rows from {succ.name}"
               + (f" and {len(trusts):,} trusts from {Path(etr).name} (observed {observed})" if etr is not None else "")
               + f": {len(registry.kinds) - sites:,} organisations, {sites:,} sites, "
               f"{sum(events.values()):,} events ({events['Succession']:,} successions, {events['Merger']:,} mergers, "
               f"{events['SiteSuccession']:,} site successions)")
    if comparison is not None:
        summary += (f"; {len(listed):,} listed trusts from {Path(listing).name} ({len(names):,} names etr.csv does not give, "
                    f"{len(comparison.differ)} of {comparison.shared} shared codes named otherwise)")
    if proposals.links:
        summary += "; linked to the documents: " + ", ".join(f"{code} = {label}" for code, _, label in proposals.links)
    if proposals.candidates:
        summary += f"; {len(proposals.candidates)} candidate link(s) proposed, not asserted"
    if proposals.ambiguous:
        summary += f"; {len(proposals.ambiguous)} ambiguous name match(es) left unlinked"
    return summary + f"; wrote {len(out.triples):,} triples to {output} in {time.perf_counter() - started:.1f} s"
