"""The third listing (trust-listing.csv): its rows cited, its names as undated statements, and
where it disagrees with etr.csv.

The listing is a prototype's fixture, not a registry release: it says what a code is called, never
when. So:
- its file is a `dg:RegistryFile` with its SHA-256 and its own terms (its repository's MIT licence;
  the names come from the NHS's organisation records), each row a `dg:RegistryRecord`;
- a name it gives a code of the ODS files that etr.csv does not name, or names otherwise, is a
  `dg:ListedName` of the code: no start, no end, no observed date, so it is in force on no date;
  `dg:listedIn` the file and `dg:errorRate` the listing's known error rate;
- every code both files name is compared (names as words: the listing's capitals carry no
  information): each that differs is a `dg:SourceDisagreement` citing both rows, as is a code in
  neither ODS file; the share of shared codes named otherwise is the listing's error rate.
The listing states no dates, so no date of etr.csv can disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from derbygraph import vocab
from derbygraph.matching import words

from .graph import DCT, DG, ORG_NS, PROV, RDFS, SKOS, TYPE, Builder, lit, title_name
from .read import ODS, Listed, Trust

LISTED_NAME_NS, DISAGREEMENT_NS = ODS + "listed-name/", ODS + "disagreement/"
MIT = "https://spdx.org/licenses/MIT.html"
TERMS = ("A listing of NHS trust codes and names kept in a public repository under the MIT licence; its names "
         "come from the NHS's organisation records (NHS Organisation Data Service, Open Government Licence v3.0).")


@dataclass
class Comparison:
    """The listing against etr.csv, code by code."""

    shared: int                              # codes both files name
    differ: list[tuple[Listed, Trust]]       # ... that they name otherwise
    unknown: list[Listed]                    # codes in neither ODS file
    unlisted: list[str]                      # codes of etr.csv the listing leaves out

    @property
    def error_rate(self) -> float | None:
        """The share of the codes both name that the listing names otherwise; None when none are shared."""
        return len(self.differ) / self.shared if self.shared else None

    @property
    def ceiling(self) -> float:
        """The most a link resting on the listing can be trusted: 1 - its error rate, or 0.5 unmeasured."""
        return 0.5 if self.error_rate is None else 1 - self.error_rate

    def rate_in_words(self) -> str:
        if self.error_rate is None:
            return "it shares no code with etr.csv, so its error rate is unknown"
        return (f"of the {self.shared} codes it shares with etr.csv it names {len(self.differ)} otherwise "
                f"({self.error_rate:.1%})")

    def in_words(self) -> str:
        return (f"Undated; {self.rate_in_words()}, its known error rate; {len(self.unknown)} of its codes are in "
                f"neither ODS file; it leaves out {len(self.unlisted)} of etr.csv's. It states no dates.")


def compare(listed: list[Listed], trusts: list[Trust], codes: set[str]) -> Comparison:
    """Where the listing and etr.csv agree; `codes` are all the codes of the ODS files."""
    named = {t.code: t for t in trusts if t.name}
    shared = [entry for entry in listed if entry.code in named]
    differ = [(entry, named[entry.code]) for entry in shared if words(entry.name) != words(named[entry.code].name)]
    return Comparison(len(shared), differ, [entry for entry in listed if entry.code not in codes],
                      sorted(set(named) - {entry.code for entry in listed}))


def new_names(listed: list[Listed], trusts: list[Trust], codes: set[str]) -> dict[str, Listed]:
    """The listing's rows that say something etr.csv does not: a name for a code of the files that
    etr.csv does not name, or names otherwise."""
    named = {t.code: words(t.name) for t in trusts if t.name}
    return {e.code: e for e in listed if e.code in codes and named.get(e.code) != words(e.name)}


def listing_triples(out: Builder, listed: list[Listed], path: Path, comparison: Comparison,
                    names: dict[str, Listed]) -> None:
    """The listing's file, its rows, the names it adds and where it disagrees with etr.csv."""
    file = out.file("listing", path, f"Third listing of NHS trusts ({path.name})",
                    "A listing of NHS trust codes and names found in a software prototype, not a registry release: "
                    "its capitals changed by its maintainers. " + comparison.in_words(),
                    licence=MIT, publisher="NHS England (NHSDigital/record-a-vaccination-prototype)", rights=TERMS)
    rate = None if comparison.error_rate is None else lit(f"{comparison.error_rate:.4f}", vocab.XSD + "decimal")
    if rate is not None:
        out.add(file, DG + "errorRate", rate)
    for entry in listed:
        out.record(entry.record, file)
    for code, entry in sorted(names.items()):
        name, title = LISTED_NAME_NS + code, title_name(entry.name)
        out.add(ORG_NS + code, DG + "hasNamePeriod", name)
        out.add(name, TYPE, DG + "ListedName")
        out.add(name, RDFS + "label", lit(f"{title} (ODS {code}, as listed by {path.name}, undated)", language="en"))
        out.add(name, RDFS + "comment", lit(
            f"The name {path.name} gives this code. The listing is undated, so this is no name in force on any date; "
            f"{comparison.rate_in_words()}.", language="en"))
        out.add(name, DG + "name", lit(title))
        out.add(name, SKOS + "altLabel", lit(entry.name))
        out.add(name, DG + "listedIn", file)
        if rate is not None:
            out.add(name, DG + "errorRate", rate)
        out.add(name, PROV + "wasDerivedFrom", entry.record.iri)
    for entry, trust in comparison.differ:
        _disagreement(out, entry, f"{path.name} names {entry.code} {entry.name!r}; etr.csv names it {trust.name!r}",
                      [entry.record.iri, trust.record.iri], ORG_NS + entry.code)
    for entry in comparison.unknown:
        _disagreement(out, entry, f"{path.name} lists {entry.code} ({entry.name!r}); neither ODS file has that code",
                      [entry.record.iri])


def _disagreement(out: Builder, entry: Listed, said: str, rows: list[str], subject: str | None = None) -> None:
    node = DISAGREEMENT_NS + f"listing/{entry.code}"
    out.add(node, TYPE, DG + "SourceDisagreement")
    out.add(node, RDFS + "label", lit(said, language="en"))
    out.add(node, DG + "disagreement", lit(said, language="en"))
    if subject:
        out.add(node, DCT + "subject", subject)
    for row in rows:
        out.add(node, PROV + "wasDerivedFrom", row)
