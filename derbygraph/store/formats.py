"""Every format derbygraph reads or writes, and the one content negotiation all of it uses.

Media types and file extensions come from pyoxigraph's own format metadata; this module adds
only the short names people type (`format=ttl`), the aliases clients send, and the rule for
choosing. Every blueprint, the CLI and the build ask here; nothing else holds a format table.
A web path answers in one of the tables below (`PAGE`, `RECORDS`, `DOCUMENTS`...), negotiated by
`negotiate`, so the same Accept header gets the same kind of answer everywhere; an error answers
in one of `ERRORS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from derbygraph.errors import BadInput, NotAcceptable


@dataclass(frozen=True)
class Format:
    name: str                          # the short name of `format=` and `--format`
    media_type: str                    # without parameters
    oxigraph: object = None            # pyoxigraph's RdfFormat or QueryResultsFormat; None for HTML
    aliases: tuple[str, ...] = ()      # other media types and names that mean this format
    family: str = ""                   # json or xml: what a client asking for the other form gets
    extensions: tuple[str, ...] = field(default=())

    def __reduce__(self):  # pyoxigraph's format objects do not pickle: workers send the name
        return (_registered, (self.name, self.media_type))

    @property
    def content_type(self) -> str:
        """The Content-Type header: UTF-8 said wherever the type allows a charset."""
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("+xml", "results+json", "/n-triples", "/n-quads", "/trig"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


def _rdf(name: str, fmt: ox.RdfFormat, family: str, *aliases: str, extensions: tuple[str, ...] = ()) -> Format:
    return Format(name, fmt.media_type, fmt, aliases, family, (fmt.file_extension, *extensions))


def _results(name: str, fmt: ox.QueryResultsFormat, family: str, *aliases: str) -> Format:
    return Format(name, fmt.media_type.split(";")[0], fmt, aliases, family, (fmt.file_extension,))


TURTLE = _rdf("turtle", ox.RdfFormat.TURTLE, "", "ttl", "n3", "text/n3", "application/x-turtle",
              extensions=("turtle",))
N_TRIPLES = _rdf("nt", ox.RdfFormat.N_TRIPLES, "", "ntriples", "n-triples", "text/plain")
JSON_LD = _rdf("jsonld", ox.RdfFormat.JSON_LD, "json", "json-ld", "json", "application/json")
RDF_XML = _rdf("xml", ox.RdfFormat.RDF_XML, "xml", "rdfxml", "rdf+xml", "rdf", "application/xml", "text/xml",
               extensions=("owl", "xml"))
N_QUADS = _rdf("nq", ox.RdfFormat.N_QUADS, "", "nquads", "n-quads")
TRIG = _rdf("trig", ox.RdfFormat.TRIG, "")
N3 = _rdf("n3", ox.RdfFormat.N3, "")

RESULTS_JSON = _results("json", ox.QueryResultsFormat.JSON, "json", "srj", "application/json")
RESULTS_TSV = _results("tsv", ox.QueryResultsFormat.TSV, "")
SOLUTIONS = [  # SELECT and ASK, the first the default
    RESULTS_JSON,
    _results("xml", ox.QueryResultsFormat.XML, "xml", "srx", "application/xml", "text/xml"),
    _results("csv", ox.QueryResultsFormat.CSV, ""),
    RESULTS_TSV,
]
GRAPHS = [TURTLE, N_TRIPLES, JSON_LD, RDF_XML]   # CONSTRUCT, DESCRIBE and resource descriptions
DATASETS = [N_QUADS, TRIG]                       # formats that keep named graphs
HTML = Format("html", "text/html", None, ("application/xhtml+xml",), "html")
JSON = Format("json", "application/json", family="json", extensions=("json",))  # an API's own JSON
CSV = Format("csv", "text/csv", extensions=("csv",))
TEXT = Format("text", "text/plain", extensions=("txt",))
SVG = Format("svg", "image/svg+xml", extensions=("svg",))
CSVW = Format("csvw", "application/csvm+json", family="json")  # a CSV's W3C CSVW metadata

PAGE = [HTML]                                    # a page for people
API = [JSON]                                     # an answer for programs
DOCUMENTS = [HTML, *GRAPHS]                      # a resource: a page for people, RDF for programs
RECORDS = [JSON, CSV]                            # an answer that is a table: the API's JSON, or a row per record
CATALOGUE = [HTML, JSON]                         # a list for people and programs alike
ERRORS = [JSON, HTML, CSV, TEXT]                 # what an error can be written in
EXPORTS = [TURTLE, N_TRIPLES, N_QUADS, TRIG, JSON_LD, RDF_XML]
READABLE = [TURTLE, N_TRIPLES, N_QUADS, TRIG, N3, RDF_XML, JSON_LD]  # what --data and the build read
EVERY = list(dict.fromkeys([*SOLUTIONS, *READABLE, HTML, JSON, CSV, TEXT, SVG, CSVW]))


def _registered(name: str, media_type: str) -> Format:
    return next(f for f in EVERY if (f.name, f.media_type) == (name, media_type))


def for_form(form: str) -> list[Format]:
    """The formats a query's answer comes in: graphs for CONSTRUCT and DESCRIBE, else solutions."""
    return GRAPHS if form == "graph" else SOLUTIONS


def names(offered: list[Format]) -> list[str]:
    """The short names of `offered`, each once, in order: the choices of a `--format`."""
    return list(dict.fromkeys(f.name for f in offered))


def accept_header(offered: list[Format]) -> str:
    """An Accept header asking for `offered`, the first most."""
    return ", ".join(f.media_type + (f";q={1 - i / 10:g}" if i else "") for i, f in enumerate(offered))


def by_extension(suffix: str) -> Format | None:
    """The RDF format of a file name's suffix (".ttl", ".nq", ...), or None."""
    suffix = suffix.lower().lstrip(".")
    return next((f for f in READABLE if suffix in f.extensions), None)


def find(formats: list[Format], name: str) -> Format | None:
    """The format among `formats` that a name, media type, alias or extension means, or None."""
    wanted = name.strip().lower()
    return next((f for f in formats if wanted in (f.name, f.media_type, *f.aliases, *f.extensions)), None)


def by_name(formats: list[Format], name: str) -> Format:
    """The format a `format=` value names, among `formats`; BadInput naming the choices."""
    found = find(formats, name)
    if found is None:
        raise BadInput(f"unknown format {name!r}: use one of {', '.join(f.name for f in formats)}")
    return found


def _ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, q) of an Accept header; parameters other than q (charset, profile) ignored."""
    found = []
    for part in accept.split(","):
        media_range, *params = [piece.strip() for piece in part.split(";")]
        if "/" not in media_range:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        found.append((media_range.lower(), q))
    return found


def _quality(fmt: Format, ranges: list[tuple[str, float]]) -> float:
    """How much the client wants `fmt`: the q of the most specific range that covers it (an
    alias counts only when named exactly: `text/*` means CSV, not XML results as text/xml)."""
    best, specificity = 0.0, -1
    kind = fmt.media_type.split("/")[0]
    exact = {fmt.media_type, *(a for a in fmt.aliases if "/" in a)}
    for media_range, q in ranges:
        level = 2 if media_range in exact else 1 if media_range == f"{kind}/*" else \
            0 if media_range == "*/*" else -1
        if level > specificity or (level == specificity and q > best):
            best, specificity = q, level
    return best if specificity >= 0 else 0.0


def negotiate(formats: list[Format], accept: str | None, name: str | None = None,
              others: list[Format] | None = None) -> Format:
    """The format to answer in: `name` (format=, or a path's own suffix) wins, then the Accept
    header, then the first of `formats`.

    When nothing in `formats` is acceptable but the client accepts a format of another form
    (`others`, by default every format: roqet asks for SPARQL XML results on a CONSTRUCT, a
    JSON client asks an API for `application/sparql-results+json`), it gets the format of the same
    family (RDF/XML, the API's JSON); only when nothing fits at all is it NotAcceptable.
    """
    if name:
        return by_name(formats, name)
    ranges = _ranges(accept or "")
    if not ranges:
        return formats[0]
    scored = [(_quality(fmt, ranges), -position, fmt) for position, fmt in enumerate(formats)]
    q, _, best = max(scored, key=lambda entry: entry[:2])
    if q > 0:
        return best
    for other in sorted(EVERY if others is None else others, key=lambda f: -_quality(f, ranges)):
        if _quality(other, ranges) > 0:
            for fmt in formats:
                if fmt.family and fmt.family == other.family:
                    return fmt
    offered = ", ".join(f.media_type for f in formats)
    raise NotAcceptable(f"none of the accepted media types can be produced; this answers in {offered}")
