"""A deterministic generator of realistic NHS organisation-history graphs, as N-Triples.

The graph uses the shapes of data/lineage.ttl, so lineage, search and SHACL work on it:
trusts (dg:NHSTrust, dg:NHSFoundationTrust, dg:PrimaryCareTrust) with 1-4 dated
dg:NamePeriod nodes, renamings (dg:Renaming, dg:subject), merger chains up to depth 6
(dg:Merger, org:originalOrganization -> org:resultingOrganization), foundation-trust
authorisations (a new body continuing the lineage), dissolutions with service transfers
(dg:transferredFrom / dg:transferredTo), abandoned merger proposals, sites (org:hasSite) and
a dg:evidence quotation (oa:hasSource, oa:hasSelector/oa:exact) on every node whose words hold
each statement of the node, as `derbygraph check` reads them (derbygraph/build/reading.py): the names of
the bodies, sites and events it links to, its dates at their precision ("in March 1994", "on
11 December 1997"), its type's words and acronym. A node a later sentence tells more of (a site
a body shares, a name that ends when the body becomes a foundation trust) gets a second quotation.

IRIs live under https://w3id.org/derbygraph/id/bench/. Output is streamed: a family of
organisations (one merger chain and the bodies around it) is written and forgotten, so 5M
triples need no more memory than 100k. Beside the graph a small JSON of samples (names, former
names, acronyms, IRIs, the deepest chains) tells the benchmark what to ask for.

    python benchmarks/generate.py --triples 1M --out benchmarks/out/bench-1M.nt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

DG = "https://w3id.org/derbygraph/ontology#"
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
BENCH = "https://w3id.org/derbygraph/id/bench/"

LAST_YEAR = 2024

# Real places of the East Midlands and around, then invented ones from English place-name parts:
# enough distinct names that most organisations have a name of their own, as in the NHS.
PLACES = """Derby Derbyshire Chesterfield Ashbourne Bakewell Belper Buxton Matlock Ripley Heanor Ilkeston
Glossop Swadlincote Alfreton Bolsover Dronfield Staveley Clay-Cross Long-Eaton Melbourne Wirksworth
Nottingham Nottinghamshire Mansfield Newark Worksop Retford Hucknall Beeston Arnold Bassetlaw
Leicester Leicestershire Loughborough Hinckley Coalville Melton Market-Harborough Lutterworth Oakham Rutland
Lincoln Lincolnshire Boston Grantham Spalding Skegness Louth Gainsborough Stamford Sleaford
Stoke Staffordshire Stafford Burton Lichfield Tamworth Leek Cannock Uttoxeter Stone
Sheffield Rotherham Barnsley Doncaster Northampton Kettering Corby Wellingborough Daventry
Coventry Warwickshire Nuneaton Rugby Leamington Solihull Walsall Wolverhampton Dudley Sandwell
Birmingham Shropshire Telford Shrewsbury Hereford Worcester Worcestershire Redditch Kidderminster
Bradford Calderdale Kirklees Wakefield Leeds York Harrogate Scarborough Hull Grimsby""".split()
_PREFIXES = """Ash Bel Brad Brom Calver Chapel Cod Crom Dal Dar Eck Edwin Elm Fair Hather Hart Holm Kings
Lang Lea Mar Mel Mick Mor New Nor Old Ox Pen Rad Red Ross Shir Stan Stap Sut Tad Thorn Tid Wal
Whit Wil Win Wood Yar""".split()
_SUFFIXES = "by ford field ley ton worth well bourne ham wick stow dale thorpe hurst bury minster".split()
PLACES += [p + s for p in _PREFIXES for s in _SUFFIXES]
QUALIFIERS = ["", "", "", "", "North", "South", "East", "West", "Southern", "Northern", "Central", "Greater",
              "Mid", "City of", "Rural"]
KINDS = ["Community Health Services", "Mental Health", "Healthcare", "Community and Mental Health Services",
         "Partnership", "Hospitals", "University Hospitals", "Teaching Hospitals", "Acute Hospitals",
         "Community Health Care", "Mental Health Services", "Learning Disabilities", "Health Care",
         "Ambulance Service", "Priority Services", "Community Services", "Integrated Care",
         "General Hospital", "Children's Services", "Health and Social Care"]
# A site's class, the word its name ends with, and the words a source adds where the name does not
# say the kind (the class's label in the ontology, which the check reads).
SITE_KINDS = [("Hospital", "Hospital", ""), ("CommunityHospital", "Community Hospital", ""),
              ("HealthCentre", "Health Centre", ""), ("InpatientUnit", "Unit", ", an inpatient unit"),
              ("Site", "Clinic", ", a clinic site"), ("Site", "Resource Centre", ""), ("Ward", "Ward", "")]
# The words of each kind of body (its class's label in the ontology).
BODY_KINDS = {"NHSTrust": "an NHS trust", "NHSFoundationTrust": "an NHS foundation trust",
              "PrimaryCareTrust": "a primary care trust"}
SITE_WORDS = """Royal Kingsway Radbourne Hartington Tissington Walton Whitworth Babington Cavendish Florence
St-Andrew's St-Mary's Queen's London-Road Meadows Riverside Fairfield Newholme Ashgreen Oakwood""".split()
SERVICE_PHRASES = ["some services", "community paediatric services", "substance misuse services",
                   "learning disability services", "district nursing", "health visiting",
                   "adult mental health services", "school nursing", "podiatry", "sexual health services"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DOC_KINDS = ["annual report", "organisation web page", "encyclopedia article", "statutory instrument",
             "board paper", "press release", "Care Quality Commission report"]

# Depths of merger chains: most lineages merge once or twice, a few six times.
DEPTH_WEIGHTS = [30, 25, 18, 12, 9, 6]


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = 1
    if text.endswith("k"):
        scale, text = 1_000, text[:-1]
    elif text.endswith("m"):
        scale, text = 1_000_000, text[:-1]
    return int(float(text) * scale)


def _lit(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Writer:
    """Writes N-Triples lines and counts them."""

    def __init__(self, stream):
        self.stream = stream
        self.count = 0
        self._buffer: list[str] = []

    def t(self, s: str, p: str, o: str) -> None:
        self._buffer.append(f"{s} <{p}> {o} .\n")
        self.count += 1
        if len(self._buffer) >= 4096:
            self.flush()

    def flush(self) -> None:
        self.stream.write("".join(self._buffer))
        self._buffer.clear()


class Generator:
    def __init__(self, out: Writer, seed: int, samples: int = 400):
        self.w = out
        self.rng = random.Random(seed)
        self.n = {"org": 0, "name": 0, "event": 0, "site": 0, "q": 0}
        self.documents: list[str] = []
        self.recent: list[dict] = []  # organisations that may give services to later ones
        self.sample_cap = samples
        self.samples: list[dict] = []
        self.seen_orgs = 0
        self.deep: list[dict] = []  # final organisations of depth-6 chains
        self.families = 0
        self.counts = {"organisations": 0, "name_periods": 0, "events": 0, "sites": 0, "quotations": 0}

    # --- terms ---------------------------------------------------------------------------

    def mint(self, kind: str) -> str:
        self.n[kind] += 1
        return f"<{BENCH}{kind}/{self.n[kind]}>"

    def date(self, year: int) -> str:
        """Mostly a year; some a month or a day, at the precision a source would give."""
        roll = self.rng.random()
        if roll < 0.7:
            return f'"{year}"^^<{XSD}gYear>'
        if roll < 0.9:
            return f'"{year}-{self.rng.randint(1, 12):02d}"^^<{XSD}gYearMonth>'
        return f'"{year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"^^<{XSD}date>'

    @staticmethod
    def year_of(literal: str) -> str:
        return literal[1:literal.index('"', 1)][:4]

    @staticmethod
    def spoken(literal: str) -> str:
        """A date as a source writes it, at the literal's precision: "in 1994", "in March 1994",
        "on 11 December 1997"."""
        value = literal[1:literal.index('"', 1)]
        if len(value) == 4:
            return f"in {value}"
        month = MONTHS[int(value[5:7]) - 1]
        return f"in {month} {value[:4]}" if len(value) == 7 else f"on {int(value[8:])} {month} {value[:4]}"

    def en(self, text: str) -> str:
        return _lit(text) + "@en"

    def evidence(self, node: str, words: str) -> None:
        quote, selector = f"_:q{self.n['q'] + 1}", f"_:s{self.n['q'] + 1}"
        self.n["q"] += 1
        self.counts["quotations"] += 1
        t = self.w.t
        t(node, DG + "evidence", quote)
        t(quote, RDF_TYPE, f"<{DG}Quotation>")
        t(quote, OA + "hasSource", self.rng.choice(self.documents))
        t(quote, OA + "hasSelector", selector)
        t(selector, RDF_TYPE, f"<{OA}TextQuoteSelector>")
        t(selector, OA + "exact", _lit(words))

    def source_documents(self, how_many: int) -> None:
        for number in range(1, how_many + 1):
            doc = f"<{BENCH}source/{number}>"
            place = self.rng.choice(PLACES).replace("-", " ")
            kind = self.rng.choice(DOC_KINDS)
            title = f"{place} health services: {kind} {1990 + number % 35}"
            t = self.w.t
            t(doc, RDF_TYPE, f"<{DG}SourceDocument>")
            t(doc, RDFS_LABEL, self.en(title))
            t(doc, DCT + "title", _lit(title))
            t(doc, DCT + "type", _lit(kind))
            t(doc, DCT + "identifier", _lit(f"bench_{number:06d}.txt"))
            t(doc, DG + "sha256", _lit(hashlib.sha256(f"bench-source-{number}".encode()).hexdigest()))
            self.documents.append(doc)

    # --- names -------------------------------------------------------------------------------

    def area(self, places: list[str]) -> str:
        qualifier = self.rng.choice(QUALIFIERS)
        where = " and ".join(p.replace("-", " ") for p in places)
        return f"{qualifier} {where}".strip()

    def name(self, area: str, kind: str, foundation: bool = False, pct: bool = False) -> str:
        if pct:
            return self.rng.choice([f"{area} Primary Care Trust", f"NHS {area}"])
        return f"{area} {kind} NHS {'Foundation ' if foundation else ''}Trust"

    # --- organisations ------------------------------------------------------------------------

    def organisation(self, names: list[str], start: int | None, end: int | None, cls: str,
                     began: str | None = None, start_literal: str | None = None, end_literal: str | None = None,
                     began_how: str = "was established", ended_how: str = " and bore that name until a merger",
                     sites: list[tuple[str, str]] = ()) -> dict:
        """An organisation bearing `names` in turn from `start` to `end` (None: unknown / now),
        with a renaming between each two names, at `sites` ((IRI, name) pairs). `began`: the event
        it began with, which `began_how` words ("was formed by a merger"); `ended_how`: the words of
        the event it ends with (", which was dissolved"), linked by `_end_with` once written."""
        org = self.mint("org")
        self.counts["organisations"] += 1
        t, rng = self.w.t, self.rng
        # Years of the renamings, strictly between start and end.
        first, last = (start if start is not None else (end or LAST_YEAR) - 10), (end or LAST_YEAR)
        inner = list(range(first + 1, last))
        changes = sorted(rng.sample(inner, min(len(names) - 1, len(inner))))
        names = names[: len(changes) + 1]
        t(org, RDF_TYPE, f"<{DG}{cls}>")
        t(org, RDFS_LABEL, self.en(names[-1]))
        acronym = None
        if rng.random() < 0.25:
            initials = "".join(w[0] for w in names[-1].replace("(", "").split() if w[0].isupper())
            if 2 < len(initials) <= 7:
                acronym = initials
                t(org, DG + "acronym", _lit(acronym))
        bounds = [start_literal or (self.date(start) if start is not None else None)]
        bounds += [f'"{y}"^^<{XSD}gYear>' for y in changes]
        bounds += [end_literal or (self.date(end) if end is not None else None)]
        renamings = [began]
        for year, old_name, new_name in zip(changes, names, names[1:]):
            event = self.mint("event")
            self.counts["events"] += 1
            t(event, RDF_TYPE, f"<{DG}Renaming>")
            t(event, RDFS_LABEL, self.en(f"Renamed {new_name}"))
            t(event, DG + "date", f'"{year}"^^<{XSD}gYear>')
            t(event, DG + "subject", org)
            self.evidence(event, f"In {year} {old_name} was renamed {new_name}")
            renamings.append(event)
        renamings.append(None)
        periods = []
        for i, label in enumerate(names):
            period = self.mint("name")
            self.counts["name_periods"] += 1
            periods.append(period)
            s, e = bounds[i], bounds[i + 1]
            sy, ey = (self.year_of(s) if s else None), (self.year_of(e) if e else None)
            span = f"{sy}–{ey}" if sy and ey else (f"{sy}–" if sy else f"until {ey}")
            t(org, DG + "hasNamePeriod", period)
            t(period, RDF_TYPE, f"<{DG}NamePeriod>")
            t(period, RDFS_LABEL, self.en(f"{label} ({span})"))
            t(period, DG + "name", _lit(label))
            if s:
                t(period, DG + "start", s)
            if e:
                t(period, DG + "end", e)
            if renamings[i]:
                t(period, DG + "beganWith", renamings[i])
            if renamings[i + 1]:
                t(period, DG + "endedWith", renamings[i + 1])
            if i:
                said = f"{names[i - 1]} was renamed {label} in {sy}"
            else:
                said = f"{label} {began_how} {self.spoken(s)}" if s else label
            if i + 1 < len(names):
                said += f" and bore that name until it was renamed {names[i + 1]} in {ey}"
            elif e:
                said += f"{ended_how} {self.spoken(e)}"
            self.evidence(period, said)
        for site, _ in sites:
            t(org, ORG + "hasSite", site)
        said = f"{names[-1]}{f' ({acronym})' if acronym else ''} is {BODY_KINDS[cls]}"
        if len(names) > 1:
            said += f", formerly {' and then '.join(names[:-1])}"
        if sites:
            said += f", with services at {'; '.join(label for _, label in sites)}"
        self.evidence(org, said)
        record = {"iri": org[1:-1], "names": names, "acronym": acronym, "start": start, "end": end,
                  "last_start": changes[-1] if changes else start, "last_period": self.n["name"]}
        self.seen_orgs += 1
        self._sample(record)
        return record

    def _sample(self, record: dict) -> None:
        if len(self.samples) < self.sample_cap:
            self.samples.append(record)
        else:
            at = self.rng.randrange(self.seen_orgs)
            if at < self.sample_cap:
                self.samples[at] = record

    def sites(self, place: str) -> list[tuple[str, str]]:
        """None to three sites in `place`, as (IRI, name): the bodies that run them name them."""
        t, rng = self.w.t, self.rng
        made = []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            site = self.mint("site")
            self.counts["sites"] += 1
            cls, word, kind_words = rng.choice(SITE_KINDS)
            label = f"{rng.choice(SITE_WORDS).replace('-', ' ')} {word}, {place.replace('-', ' ')}"
            t(site, RDF_TYPE, f"<{DG}{cls}>")
            t(site, RDFS_LABEL, self.en(label))
            self.evidence(site, f"services at {label}{kind_words}")
            made.append((site, label))
        return made

    def event(self, cls: str | list[str], label: str, roles: list[tuple[str, str]], words: str, date: str,
              extra: tuple[tuple[str, str], ...] = (), iri: str | None = None) -> str:
        """An event on `date` (a literal), its `words` holding its kind, date and bodies. `iri`:
        one minted earlier, for a body that begins with the event before it is written."""
        event = iri or self.mint("event")
        self.counts["events"] += 1
        t = self.w.t
        for c in [cls] if isinstance(cls, str) else cls:
            t(event, RDF_TYPE, f"<{DG}{c}>")
        t(event, RDFS_LABEL, self.en(label))
        t(event, DG + "date", date)
        for role, org in roles:
            t(event, role, f"<{org}>")
        for predicate, value in extra:
            t(event, predicate, value)
        self.evidence(event, words)
        return event

    def names_for(self, area: str, kind: str, count: int, foundation: bool = False) -> list[str]:
        """`count` successive names of one body: the kind of service or the area changes."""
        names = [self.name(area, kind, foundation)]
        while len(names) < count:
            kind = self.rng.choice(KINDS)
            if self.rng.random() < 0.3:
                area = self.area([self.rng.choice(PLACES)])
            candidate = self.name(area, kind, foundation)
            if candidate not in names:
                names.append(candidate)
        return names

    def name_count(self) -> int:
        return self.rng.choices([1, 2, 3, 4], weights=[40, 30, 20, 10])[0]

    def family(self) -> None:
        """One lineage: a merger chain of depth 1-6 and the bodies that merged into it, dissolved
        or passed services on around it."""
        rng, t = self.rng, self.w.t
        self.families += 1
        depth = rng.choices(range(1, 7), weights=DEPTH_WEIGHTS)[0]
        home = rng.choice(PLACES)
        kind = rng.choice(KINDS)
        start = rng.randint(1990, 1996)
        # Years of the mergers, strictly increasing, leaving room after the last.
        years = sorted(rng.sample(range(start + 2, LAST_YEAR - 1), depth))
        chain_places = [home]
        merger_dates = [self.date(y) for y in years]

        current = self.established(self.names_for(self.area([home]), kind, self.name_count()), start,
                                   "NHSTrust", home, merger_dates[0], years[0])
        self.recent.append(current)
        chain = [current]
        for level, year in enumerate(years):
            # Partners: one or two other bodies, established before the merger.
            partners = []
            for _ in range(rng.choice([1, 1, 2])):
                place = rng.choice(PLACES)
                chain_places.append(place)
                p_start = rng.randint(min(start, year - 1), year - 1)
                partners.append(self.established(
                    self.names_for(self.area([place]), rng.choice(KINDS), self.name_count()), p_start,
                    rng.choice(["NHSTrust", "NHSTrust", "PrimaryCareTrust"]), place, merger_dates[level], year))
            merger_date = merger_dates[level]
            area = self.area(sorted(set(chain_places[-2:])))
            new_names = self.names_for(area, rng.choice(KINDS), self.name_count())
            merging = [current] + partners
            merger = self.event("Merger", f"{' and '.join(p['names'][-1] for p in merging)} merge "
                                f"to form {new_names[0]}",
                                [(ORG + "originalOrganization", o["iri"]) for o in merging],
                                f"The merger of {' and '.join(o['names'][-1] for o in merging)} "
                                f"{self.spoken(merger_date)} formed {new_names[0]}", merger_date)
            # The bodies that merged end with the merger (their last name periods say so).
            for body in merging:
                self._end_with(body, merger)
            end = years[level + 1] if level + 1 < len(years) else None
            sites = self.sites(home)
            result = self.organisation(new_names, year, end, "NHSTrust", began=merger, start_literal=merger_date,
                                       end_literal=merger_dates[level + 1] if end else None,
                                       began_how="was formed by a merger", sites=sites)
            t(merger, ORG + "resultingOrganization", f"<{result['iri']}>")
            if sites and rng.random() < 0.3:  # the body that merged ran them too, a later sentence says
                for site, _ in sites:
                    t(f"<{current['iri']}>", ORG + "hasSite", site)
                self.evidence(f"<{current['iri']}>", f"{current['names'][-1]} also ran services at "
                              + "; ".join(label for _, label in sites))
            self.recent.extend(partners)
            current = result
            chain.append(current)
        # The last body of the chain may become a foundation trust: a new body, the same lineage.
        if current["end"] is None and LAST_YEAR - current["last_start"] > 2 and rng.random() < 0.35:
            year = rng.randint(current["last_start"] + 1, LAST_YEAR - 1)
            when = self.date(year)
            ft_names = self.names_for(self.area([home]), rng.choice(KINDS), rng.choice([1, 1, 2]), foundation=True)
            auth = self.event(["FoundationTrustAuthorisation", "Renaming"],
                              f"Becomes an NHS foundation trust, renamed {ft_names[0]}",
                              [(ORG + "originalOrganization", current["iri"])],
                              f"When {current['names'][-1]} became an NHS foundation trust {self.spoken(when)} "
                              f"it was renamed {ft_names[0]}", when)
            # Close the open name period of the old body at the authorisation.
            self._close(current, auth, year)
            ft = self.organisation(ft_names, year, None, "NHSFoundationTrust", began=auth, start_literal=when,
                                   began_how="became an NHS foundation trust", sites=self.sites(home))
            t(auth, ORG + "resultingOrganization", f"<{ft['iri']}>")
            current = ft
            chain.append(ft)
        # A body dissolved, its services passed to this lineage.
        if rng.random() < 0.4:
            year = rng.randint(max(current["start"] or start, 1995), LAST_YEAR - 1)
            when = self.date(year)
            place = rng.choice(PLACES)
            dissolved = self.organisation([self.name(self.area([place]), rng.choice(KINDS),
                                                     pct=rng.random() < 0.4)],
                                          None, year, rng.choice(["NHSTrust", "PrimaryCareTrust"]),
                                          end_literal=when, ended_how=", which was dissolved")
            gone = dissolved["names"][-1]
            diss = self.event("Dissolution", f"{gone} dissolved", [(ORG + "originalOrganization", dissolved["iri"])],
                              f"{gone} was dissolved {self.spoken(when)}", when)
            self._end_with(dissolved, diss)
            services = rng.choice(SERVICE_PHRASES)
            self.event("ServiceTransfer", f"Services of {gone} pass to {current['names'][-1]}",
                       [(DG + "transferredFrom", dissolved["iri"]), (DG + "transferredTo", current["iri"])],
                       f"{current['names'][-1]} took over {services} previously provided by {gone}, which was "
                       f"dissolved {self.spoken(when)}", when,
                       extra=((DG + "servicesDescription", _lit(services)),))
        # Services passed on from a body of an earlier lineage that started in an earlier year than
        # this one: the same year would let a month or day put the successor first, which the
        # shapes refuse.
        if self.recent and rng.random() < 0.5:
            giver = rng.choice(self.recent[-200:])
            if giver["start"] is not None and giver["start"] < (current["start"] or 0):
                year = rng.randint(current["start"], LAST_YEAR - 1)
                if giver["end"] is None or giver["end"] > year:
                    when = self.date(year)
                    services = rng.choice(SERVICE_PHRASES).capitalize()
                    self.event("ServiceTransfer", f"{services} pass from {giver['names'][-1]} to "
                               f"{current['names'][-1]}",
                               [(DG + "transferredFrom", giver["iri"]), (DG + "transferredTo", current["iri"])],
                               f"{services} transferred from {giver['names'][-1]} to {current['names'][-1]} "
                               f"{self.spoken(when)}", when)
        # A merger proposed and abandoned: an event, never a link between lineages.
        if self.recent and rng.random() < 0.1:
            other = rng.choice(self.recent[-200:])
            if other["end"] is None and current["end"] is None and current["start"] < LAST_YEAR - 2:
                year = rng.randint(current["start"] + 1, LAST_YEAR - 1)
                proposed, decided = self.date(year), self.date(year + 1)
                roles = [(DG + "proposedParty", current["iri"]), (DG + "proposedParty", other["iri"])]
                # One passage tells both, as sources do: each event's words name the other's year and kind.
                words = (f"{current['names'][-1]} announced plans to explore a merger with {other['names'][-1]} "
                         f"{self.spoken(proposed)}. {self.spoken(decided).capitalize()} it was decided that the "
                         f"two trusts would not merge")
                proposal = self.event("MergerProposal", f"Plans to explore a merger of {current['names'][-1]} and "
                                      f"{other['names'][-1]}", roles, words, proposed)
                abandoned = self.event("ProposalAbandonment", "Decided the trusts would not merge", roles, words,
                                       decided)
                t(proposal, DG + "proposalOutcome", abandoned)
                t(abandoned, DG + "concerns", proposal)
        if depth == 6 and len(self.deep) < 50:
            self.deep.append({"iri": current["iri"], "names": current["names"], "depth": depth,
                              "chain": [c["iri"] for c in chain]})
        self.recent.append(current)
        if len(self.recent) > 400:
            del self.recent[:200]

    def established(self, names: list[str], year: int, cls: str, place: str, merged: str, merged_year: int) -> dict:
        """A body established in `year` at sites in `place`, bearing `names` until it merges on `merged`."""
        est, when = self.mint("event"), self.date(year)
        body = self.organisation(names, year, merged_year, cls, began=est, start_literal=when, end_literal=merged,
                                 sites=self.sites(place))
        self.event("Establishment", f"{self.area([place])} trust established",
                   [(ORG + "resultingOrganization", body["iri"])], f"{names[0]} was established {self.spoken(when)}",
                   when, iri=est)
        return body

    def _end_with(self, record: dict, event: str) -> None:
        """The last name period of `record` ended with `event` (its end date and the words for both
        were written already)."""
        self.w.t(f"<{BENCH}name/{record['last_period']}>", DG + "endedWith", event)

    def _close(self, record: dict, event: str, year: int) -> None:
        """The last name period of `record` ends with a foundation-trust authorisation in `year`,
        which a later sentence tells."""
        period = f"<{BENCH}name/{record['last_period']}>"
        self.w.t(period, DG + "end", f'"{year}"^^<{XSD}gYear>')
        self.w.t(period, DG + "endedWith", event)
        self.evidence(period, f"{record['names'][-1]} became an NHS foundation trust in {year}")
        record["end"] = year


def generate(target: int, out_path: Path, seed: int = 20240601, samples: int = 400) -> dict:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_suffix(out_path.suffix + ".part")
    with partial.open("w", encoding="utf-8", newline="\n") as stream:
        writer = Writer(stream)
        generator = Generator(writer, seed, samples)
        generator.source_documents(max(5, target // 5000))
        while writer.count < target:
            generator.family()
        writer.flush()
    partial.replace(out_path)
    info = {
        "triples": writer.count,
        "target": target,
        "seed": seed,
        "families": generator.families,
        **generator.counts,
        "samples": [{k: s[k] for k in ("iri", "names", "acronym", "start", "end")} for s in generator.samples],
        "deep": generator.deep,
    }
    out_path.with_suffix(".json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", default="100k", help="target number of triples: 100k, 1M, 5M...")
    parser.add_argument("--out", type=Path, help="N-Triples file to write (default benchmarks/out/bench-SIZE.nt)")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    target = parse_size(args.triples)
    out = args.out or Path(__file__).parent / "out" / f"bench-{args.triples}.nt"
    info = generate(target, out, args.seed)
    print(f"wrote {out}: {info['triples']} triples, {info['organisations']} organisations, "
          f"{info['families']} lineages, {info['events']} events", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
