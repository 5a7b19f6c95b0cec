"""Reconciliation (W3C Entity Reconciliation Service API 0.2): a spreadsheet's names to our bodies.

Researchers hold lists of historical names. A name alone is matched like any search; a `date`
property makes the match time-aware: the body whose name was in force on that date ranks first,
and the candidate is named as it was then. Where the name matched is not one the body bore on
that date (a later name, say), the body of the same lineage that was in force then stands in for
it. The matching itself is `names.NameIndex` (one policy for the API, pages, CLI and here); this
room only turns reconciliation queries into searches and candidates into the API's JSON.

Entity identifiers are the dataset IRIs without the common base (`id/org/...`), so that a
service's view and preview URLs are the app's own linked-data pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox

from . import dates, evidence, vocab
from .dataset import Dataset, iri
from .errors import BadInput
from .lineage import LineageService
from .names import EXACT_AT, ORGANISATIONS, SITES, Match, NameIndex

DG, ORG, SKOS = vocab.DG, vocab.ORG, vocab.SKOS
DEFAULT_LIMIT, MOST = 5, 50
SITE = DG + "Site"

# Properties a query may give to refine a match (`pid`), and what they mean.
QUERY_PROPERTIES = {
    "date": ("Date", "A date (YYYY, YYYY-MM or YYYY-MM-DD) on which the name was in use: the body "
                     "whose name was in force then ranks first and is named as it was then."),
    "code": ("ODS code", "An NHS Organisation Data Service code: a body with that code ranks first."),
}
# Properties a data extension can fetch, in the order offered.
EXTEND_PROPERTIES = {
    "code": ("ODS code", "The registry code(s) of the body or of the registry entry linked to it."),
    "kind": ("Kind", "What kind of body or site it is (NHS trust, foundation trust, hospital...)."),
    "name_on": ("Name on date", "The name borne on the date given in the property's settings "
                                "(by this body or, if it bore none then, by its lineage)."),
    "successor": ("Current successor", "The body that carries the lineage on now, named as it is now."),
    "quote": ("Quote behind the name", "The exact words of the source for the name borne on the date "
                                       "given in the settings (every name's, without a date)."),
}
DATE_SETTING = {"name": "date", "label": "On date", "type": "text", "default": "",
                "help_text": "YYYY, YYYY-MM or YYYY-MM-DD"}

_KINDS = """
SELECT DISTINCT ?type ?label ?comment WHERE {
  VALUES ?top { org:Organization org:Site }
  ?type rdfs:subClassOf* ?top ; rdfs:label ?label .
  FILTER (STRSTARTS(STR(?type), STR(dg:)) && EXISTS { ?thing a ?type })
  OPTIONAL { ?type rdfs:comment ?comment }
} ORDER BY ?label"""


class BadReconcileRequest(BadInput):
    """A reconciliation request the API cannot answer (a 400); str() says what to change."""


def entity_id(value: str) -> str:
    return value[len(vocab.BASE):] if value.startswith(vocab.BASE) else value


def entity_iri(identifier: str) -> str:
    return identifier if identifier.startswith(("http://", "https://")) else vocab.BASE + identifier


@dataclass(frozen=True)
class Candidate:
    iri: str
    name: str        # as it was on the date asked for, else the name matched
    score: float     # the name match, 0 to 1
    borne_at: bool   # the name given was the body's own name on the date asked for
    stands_in: bool  # the body in force then, standing in for the one whose later name matched


@dataclass
class ReconcileService:
    """The answers behind /reconcile, over one Dataset."""

    dataset: Dataset
    lineage: LineageService

    @cached_property
    def sites(self) -> NameIndex:
        return NameIndex.from_dataset(self.dataset, SITES)

    @cached_property
    def kinds(self) -> list[dict]:
        """The kinds of organisation and site the data holds: the service's types."""
        found = {}
        for row in self.dataset.query(vocab.sparql_prologue() + _KINDS):
            found.setdefault(row["type"].value, {"id": row["type"].value, "name": row["label"].value,
                                                 **({"description": row["comment"].value} if row["comment"] else {})})
        return sorted(found.values(), key=lambda k: k["name"])

    # --- manifest ------------------------------------------------------------------------

    def manifest(self, root: str) -> dict:
        """The service manifest; `root` is the service's own URL (…/reconcile)."""
        site = root.rsplit("/", 1)[0]
        defaults = [k for k in self.kinds if k["id"] in (ORG + "Organization", DG + "NHSBody", SITE)] or self.kinds[:3]
        return {
            "versions": ["0.2"],
            "name": "derbygraph: NHS organisations and sites, matched by name and date",
            "identifierSpace": vocab.BASE,
            "schemaSpace": vocab.ONTOLOGY,
            "documentation": site + "/",
            "view": {"url": site + "/derbygraph/{{id}}"},
            "defaultTypes": [{"id": k["id"], "name": k["name"]} for k in defaults],
            "preview": {"url": root + "/preview?id={{id}}", "width": 420, "height": 160},
            "suggest": {kind: {"service_url": site, "service_path": f"/reconcile/suggest/{kind}"}
                        for kind in ("entity", "type", "property")},
            "extend": {
                "propose_properties": {"service_url": site, "service_path": "/reconcile/propose_properties"},
                "property_settings": [DATE_SETTING],
            },
        }

    # --- matching ------------------------------------------------------------------------

    def reconcile(self, queries: dict) -> dict:
        """A batch of queries, keyed as the client keyed them, to their candidates."""
        if not isinstance(queries, dict):
            raise BadReconcileRequest("queries must be a JSON object of named queries")
        return {key: {"result": self.candidates(query, key)} for key, query in queries.items()}

    def candidates(self, query: dict, key: str = "q") -> list[dict]:
        if not isinstance(query, dict):
            raise BadReconcileRequest(f"query {key!r} must be a JSON object")
        text = query.get("query", "")
        types = query.get("type") or []
        types = [types] if isinstance(types, str) else types
        limit = query.get("limit", DEFAULT_LIMIT)
        if not isinstance(text, str) or not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise BadReconcileRequest(f"query {key!r}: 'query' must be text and 'type' a type id or a list of them")
        if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit < 1:
            raise BadReconcileRequest(f"query {key!r}: 'limit' must be a positive number")
        given = self._properties(query.get("properties") or [], key)
        at = given.get("date")
        code = (given.get("code") or "").strip().upper()
        found = self._match(text, types, at, code, min(int(limit), MOST))
        return [self._result(c, i == 0 and self._sure(c, found, at, code)) for i, c in enumerate(found)]

    def _properties(self, properties, key: str) -> dict[str, str]:
        if not isinstance(properties, list):
            raise BadReconcileRequest(f"query {key!r}: 'properties' must be a list of {{pid, v}}")
        given = {}
        for entry in properties:
            if not isinstance(entry, dict) or "pid" not in entry or "v" not in entry:
                raise BadReconcileRequest(f"query {key!r}: each property needs 'pid' and 'v'")
            pid, value = str(entry["pid"]).strip().lower(), entry["v"]  # "Date" from a column header is date
            value = value[0] if isinstance(value, list) and value else value
            value = value.get("id", value.get("name")) if isinstance(value, dict) else value
            if pid not in QUERY_PROPERTIES:
                raise BadReconcileRequest(f"query {key!r}: unknown property {pid!r}; known: {', '.join(QUERY_PROPERTIES)}")
            value = str(value).strip()
            try:
                given[pid] = dates.parse(value) if pid == "date" else value
            except dates.BadDate as error:
                raise BadReconcileRequest(f"query {key!r}: {error}") from None
        return given

    def _indexes(self, types: list[str]) -> list[NameIndex]:
        known = {k["id"] for k in self.kinds}
        unknown = [t for t in types if t not in known and t not in (ORG + "Organization", SITE)]
        if unknown:
            raise BadReconcileRequest(f"unknown type {unknown[0]!r}; /reconcile/suggest/type lists them")
        wants_sites = any(self._is_site_kind(t) for t in types)
        wants_orgs = not types or any(not self._is_site_kind(t) for t in types)
        return [index for index, wanted in ((self.dataset.names, wants_orgs), (self.sites, wants_sites)) if wanted]

    def _is_site_kind(self, kind: str) -> bool:
        return kind == SITE or iri(SITE) in self.dataset.objects(iri(kind), vocab.RDFS + "subClassOf")

    def _match(self, text: str, types: list[str], at: str | None, code: str, limit: int) -> list[Candidate]:
        """Candidates best first: a body named so on `at` before a body of its lineage standing in,
        before a body not in force then; within each, by how well the name matched."""
        found: dict[str, Candidate] = {}
        for index in self._indexes(types):
            matches = index.search(text, limit * 4, at) if text.strip() else []
            matches += [Match(body, 1.0, self.dataset.label(iri(body))) for body in self._coded(code)]
            for match in matches:
                candidate = self._as_of(index, match, at)
                if types and not any(self.dataset.has_type(iri(candidate.iri), t) for t in types):
                    continue
                held = found.get(candidate.iri)
                if held is None or self._rank(candidate, code) < self._rank(held, code):
                    found[candidate.iri] = candidate
        return sorted(found.values(), key=lambda c: self._rank(c, code))[:limit]

    def _rank(self, candidate: Candidate, code: str) -> tuple:
        coded = bool(code) and code in self._codes(candidate.iri)
        return (not coded, not candidate.borne_at, not candidate.stands_in, -candidate.score, candidate.name)

    def _as_of(self, index: NameIndex, match: Match, at: str | None) -> Candidate:
        """The match as a candidate on `at`: named as it was then, or the lineage's body of then."""
        if at is None or match.borne_at:
            return Candidate(match.iri, match.name, match.score, match.borne_at, False)
        for member in self._members(match.iri):
            then = index.name_at(member, at)
            if then is not None:
                return Candidate(member, then, match.score, False, True)
        return Candidate(match.iri, match.name, match.score, False, False)

    def _members(self, body: str) -> list[str]:
        return self.lineage.members(body) if self.dataset.has_type(iri(body), ORG + "Organization") else [body]

    def _coded(self, code: str) -> list[str]:
        if not code:
            return []
        return [s.value for s in self.dataset.subjects(SKOS + "notation", ox.Literal(code)) if s.value.startswith(vocab.BASE)]

    def _codes(self, body: str) -> list[str]:
        return sorted({c.value for m in self._members(body) for c in self.dataset.objects(iri(m), SKOS + "notation")})

    def _sure(self, best: Candidate, found: list[Candidate], at: str | None, code: str) -> bool:
        """Certain enough for a client to accept unseen: the name itself, borne then if a date was
        given (or the code given), and no other candidate as good."""
        if code and code in self._codes(best.iri):
            return True
        good = best.score >= EXACT_AT and (at is None or best.borne_at)
        rivals = [c for c in found[1:] if c.score >= EXACT_AT and c.borne_at == best.borne_at]
        return good and not rivals

    def _result(self, candidate: Candidate, match: bool) -> dict:
        return {"id": entity_id(candidate.iri), "name": candidate.name, "score": round(candidate.score * 100, 1),
                "description": self.describe(candidate.iri), "match": match,
                "type": self.kinds_of(candidate.iri),
                "features": [{"id": "name_score", "value": candidate.score},
                             {"id": "name_in_force_on_date", "value": candidate.borne_at},
                             {"id": "lineage_body_in_force_on_date", "value": candidate.stands_in}]}

    # --- describing ----------------------------------------------------------------------

    def kinds_of(self, body: str) -> list[dict]:
        """The most specific kinds the body is stated or inferred to be, among the service's types."""
        known = {k["id"]: k for k in self.kinds}
        mine = [t for t in self.dataset.types(iri(body)) if t in known]
        specific = [t for t in mine if not any(o != t and iri(t) in self.dataset.objects(iri(o), vocab.RDFS + "subClassOf")
                                               for o in mine)]
        return [{"id": t, "name": known[t]["name"]} for t in sorted(specific)]

    def describe(self, body: str) -> str:
        """One line to tell namesakes apart: kind, the years of its names, its codes."""
        kinds = ", ".join(k["name"] for k in self.kinds_of(body))
        periods = self._index_of(body).periods_of(body)
        span = ""
        if periods:
            span = f"{periods[0].start or '?'}–{periods[-1].end or 'now'}"
        codes = self._codes(body)
        return " · ".join(p for p in (kinds, span, f"ODS {', '.join(codes)}" if codes else "") if p)

    def _index_of(self, body: str) -> NameIndex:
        """The index that holds `body`: organisations', or (built on first need) sites'."""
        return self.dataset.names if self.dataset.has_type(iri(body), ORG + "Organization") else self.sites

    def exists(self, identifier: str) -> bool:
        body = entity_iri(identifier)
        try:
            return bool(self._index_of(body).names_of(body))
        except ValueError:  # not even an IRI: nothing of ours
            return False

    def preview(self, identifier: str) -> dict:
        """What the preview card shows: name, description, the names with their dates."""
        body = entity_iri(identifier)
        if not self.exists(identifier):
            raise BadReconcileRequest(f"no entity {identifier!r}")
        periods = self._index_of(body).periods_of(body)
        return {"iri": body, "name": self.dataset.label(iri(body)), "description": self.describe(body),
                "names": [(p.name, p.start, p.end) for p in periods]}

    # --- suggest -------------------------------------------------------------------------

    def suggest_entities(self, prefix: str, types: list[str] | None = None, limit: int = 10) -> dict:
        found = self._match(prefix, types or [], None, "", limit) if prefix.strip() else []
        return {"result": [{"id": entity_id(c.iri), "name": c.name, "description": self.describe(c.iri),
                            "notable": self.kinds_of(c.iri)} for c in found]}

    def suggest_types(self, prefix: str, limit: int = 10) -> dict:
        wanted = prefix.strip().lower()
        return {"result": [k for k in self.kinds if wanted in k["name"].lower()][:limit]}

    def suggest_properties(self, prefix: str, limit: int = 10) -> dict:
        wanted = prefix.strip().lower()
        offered = {**EXTEND_PROPERTIES, **QUERY_PROPERTIES}
        return {"result": [{"id": pid, "name": name, "description": help}
                           for pid, (name, help) in offered.items()
                           if wanted in pid or wanted in name.lower()][:limit]}

    # --- data extension ------------------------------------------------------------------

    def propose_properties(self, kind: str | None, limit: int = 10) -> dict:
        answer = {"properties": [{"id": pid, "name": name, "description": help}
                                 for pid, (name, help) in EXTEND_PROPERTIES.items()][:limit], "limit": limit}
        if kind:
            answer["type"] = kind
        return answer

    def extend(self, request: dict) -> dict:
        """Values of the requested properties for each entity: the data extension response."""
        if not isinstance(request, dict) or not isinstance(request.get("ids"), list) \
                or not isinstance(request.get("properties"), list):
            raise BadReconcileRequest("extend must be a JSON object with 'ids' and 'properties' lists")
        wanted = []
        for entry in request["properties"]:
            pid = entry.get("id") if isinstance(entry, dict) else None
            if pid not in EXTEND_PROPERTIES:
                raise BadReconcileRequest(f"unknown property {pid!r}; known: {', '.join(EXTEND_PROPERTIES)}")
            setting = (entry.get("settings") or {}).get("date") or None
            try:
                wanted.append((pid, dates.parse(str(setting)) if setting else None))
            except dates.BadDate as error:
                raise BadReconcileRequest(f"property {pid!r}: {error}") from None
        rows = {}
        for identifier in request["ids"]:
            if not isinstance(identifier, str):
                raise BadReconcileRequest("ids must be entity identifiers (text)")
            known = self.exists(identifier)
            rows[identifier] = {pid: self._values(entity_iri(identifier), pid, at) if known else []
                                for pid, at in wanted}
        meta = [{"id": pid, "name": EXTEND_PROPERTIES[pid][0]} for pid, _ in wanted]
        return {"meta": meta, "rows": rows}

    def _values(self, body: str, pid: str, at: str | None) -> list[dict]:
        if pid == "code":
            return [{"str": c} for c in self._codes(body)]
        if pid == "kind":
            return [{"id": k["id"], "name": k["name"]} for k in self.kinds_of(body)]
        if pid == "name_on":
            if at is None:
                return [{"str": self.dataset.label(iri(body))}]
            for member in [body] + self._members(body):
                then = self._index_of(member).name_at(member, at)
                if then:
                    return [{"str": then}]
            return []
        if pid == "successor":
            return [{"id": entity_id(s), "name": self.dataset.label(iri(s))} for s in self.current(body)]
        return [{"str": f"“{s['quote']}” — {s['title']}"} for s in self.quotes(body, at)]

    def current(self, body: str) -> list[str]:
        """The bodies that carry the lineage on now: its own last body if a name is still in force,
        else the current bodies of its latest successors."""
        if not self.dataset.has_type(iri(body), ORG + "Organization"):
            return []
        seen, todo, found = set(), [body], []
        while todo:
            answer = self.lineage.lineage(todo.pop())
            here = answer["organisation"]["iri"]
            if here in seen:
                continue
            seen.add(here)
            if any(n["end"] is None for n in answer["names"]) or not answer["successors"]:
                found.append(here)
                continue
            latest = max(s["date"] or "" for s in answer["successors"])
            todo += [s["iri"] for s in answer["successors"] if (s["date"] or "") == latest]
        return sorted(set(found))

    def quotes(self, body: str, at: str | None) -> list[dict]:
        """The quotations behind the body's name on `at` (behind every name, without a date)."""
        found = []
        for member in [body] + self._members(body):
            for period in self.dataset.objects(iri(member), DG + "hasNamePeriod"):
                start, end = (self.dataset.value(period, DG + w) for w in ("start", "end"))
                if at is None or dates.in_force(at, start.value if start else None, end.value if end else None):
                    found += [s for s in evidence.sources(self.dataset, period) if s not in found]
            if found:
                break
        return found
