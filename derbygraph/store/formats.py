"""Every format derbygraph reads or writes, and the one content negotiation all of it uses.

Media types and file extensions come from pyoxigraph's own format metadata; this module adds
only the short names people type (`format=ttl`), the aliases clients send, and the rule for
choosing. Every blueprint, the CLI and the build ask here; nothing else holds a format table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from derbygraph.errors import QueryError


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

SOLUTIONS = [  # SELECT and ASK, the first the default
    _results("json", ox.QueryResultsFormat.JSON, "json", "srj", "application/json"),
    _results("xml", ox.QueryResultsFormat.XML, "xml", "srx", "application/xml", "text/xml"),
    _results("csv", ox.QueryResultsFormat.CSV, ""),
    _results("tsv", ox.QueryResultsFormat.TSV, ""),
]
GRAPHS = [TURTLE, N_TRIPLES, JSON_LD, RDF_XML]   # CONSTRUCT, DESCRIBE and resource descriptions
DATASETS = [N_QUADS, TRIG]                       # formats that keep named graphs
HTML = Format("html", "text/html", None, ("application/xhtml+xml",), "html")
DOCUMENTS = [HTML, *GRAPHS]                      # a resource: a page for people, RDF for programs
EXPORTS = [TURTLE, N_TRIPLES, N_QUADS, TRIG, JSON_LD, RDF_XML]
READABLE = [TURTLE, N_TRIPLES, N_QUADS, TRIG, N3, RDF_XML, JSON_LD]  # what --data and the build read


def _registered(name: str, media_type: str) -> Format:
    return next(f for f in (*SOLUTIONS, *READABLE, HTML) if (f.name, f.media_type) == (name, media_type))


def by_extension(suffix: str) -> Format | None:
    """The RDF format of a file name's suffix (".ttl", ".nq", ...), or None."""
    suffix = suffix.lower().lstrip(".")
    return next((f for f in READABLE if suffix in f.extensions), None)


def by_name(formats: list[Format], name: str) -> Format:
    """The format a `format=` value names, among `formats`; QueryError 400 naming the choices."""
    wanted = name.strip().lower()
    for fmt in formats:
        if wanted in (fmt.name, fmt.media_type, *fmt.aliases, *fmt.extensions):
            return fmt
    raise QueryError(f"unknown format {name!r}: use one of {', '.join(f.name for f in formats)}", 400)


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
    """The format to answer in: `name` (format=) wins, then the Accept header, then the default.

    When nothing in `formats` is acceptable but the client accepts a format of another form
    (`others`: roqet asks for SPARQL XML results on a CONSTRUCT), it gets the format of the same
    family (RDF/XML); only when nothing fits at all is the answer 406.
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
    for other in sorted(others or [], key=lambda f: -_quality(f, ranges)):
        if _quality(other, ranges) > 0:
            for fmt in formats:
                if fmt.family and fmt.family == other.family:
                    return fmt
    offered = ", ".join(f.media_type for f in formats)
    raise QueryError(f"none of the accepted media types can be produced; this answers in {offered}", 406)
