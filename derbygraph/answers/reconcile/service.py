"""Reconciliation (W3C Entity Reconciliation Service API 0.2): a spreadsheet's names to our bodies.

Researchers hold columns of historical names, with dates, codes and postcodes beside them. This
room reads the API's requests (queries, suggest, preview, data extension) and writes its answers;
the rest is in rooms of their own: `bodies` (one candidate per body, its life and codes),
`candidates` (the score of a name against a date, and when a match is certain), `celldates` (the
dates spreadsheets send), `bodykinds` (the types offered and which a body is of), and the one
name matcher, `names.NameIndex`.

Entity identifiers are the dataset IRIs without the common base (`id/org/...`), so that a
service's view and preview URLs are the app's own linked-data pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from derbygraph import deadline, vocab
from derbygraph.answers import evidence
from derbygraph.answers.lineage import LineageService
from derbygraph.answers.names import SITES, NameIndex, window_of
from derbygraph.errors import BadInput
from derbygraph.store.dataset import Dataset, iri

from . import celldates
from .bodies import Bodies, Body
from .candidates import Candidate, Matcher, Query, matched_first
from .kinds import SITE, Kinds

DG, ORG, SKOS = vocab.DG, vocab.ORG, vocab.SKOS
DEFAULT_LIMIT, MOST = 5, 50
# The preview card's frame, as the manifest declares it (the card is laid out to fit it).
PREVIEW_WIDTH, PREVIEW_HEIGHT = 420, 160

# Properties a query may give to refine a match (`pid`), and what they mean.
QUERY_PROPERTIES = {
    "date": ("Date", "When the name was in use: YYYY, YYYY-MM, YYYY-MM-DD, an ISO date-time, a year as a number, "
                     "'c. 2005' or '2005?' (2003-2007), '1990s', '1995-97', 'DD/MM/YYYY'. The body in force then "
                     "ranks first, named as it was then; a cell that cannot be read leaves its row undated and says so."),
    "code": ("ODS code", "An NHS Organisation Data Service code: the body that held it ranks first."),
    "postcode": ("Postcode", "The registry's postcode of the body (any spacing or case): a body elsewhere ranks lower."),
}
# Properties a data extension can fetch, in the order offered.
EXTEND_PROPERTIES = {
    "code": ("ODS code", "The registry code(s) the body went by on the date given in the settings (only codes "
                         "open then; without a date, every code of its life)."),
    "kind": ("Kind", "What kind of body or site it is (NHS trust, foundation trust, hospital...)."),
    "name_on": ("Name on date", "The name borne on the date given in the property's settings "
                                "(by this body or, if it bore none then, by its lineage)."),
    "successor": ("Current successor", "The body that carries the lineage on now, named as it is now."),
    "quote": ("Quote behind the name", "The exact words of the source for the name borne on the date "
                                       "given in the settings (every name's, without a date)."),
}
DATE_SETTING = {"name": "date", "label": "On date", "type": "text", "default": "",
                "help_text": "YYYY, YYYY-MM or YYYY-MM-DD"}


class BadReconcileRequest(BadInput):
    """A reconciliation request the API cannot answer (a 400); str() says what to change."""


def entity_id(value: str) -> str:
    return value[len(vocab.BASE):] if value.startswith(vocab.BASE) else value


def entity_iri(identifier: str) -> str:
    return identifier if identifier.startswith(("http://", "https://")) else vocab.BASE + identifier


@dataclass
class ReconcileService:
    """The answers behind /reconcile, over one Dataset."""

    dataset: Dataset
    lineage: LineageService

    @cached_property
    def sites(self) -> NameIndex:
        return NameIndex.of_sites(self.dataset)

    @cached_property
    def bodies(self) -> Bodies:
        return Bodies.of_dataset(self.dataset)

    @cached_property
    def types(self) -> Kinds:
        return Kinds(self.dataset)

    @cached_property
    def matcher(self) -> Matcher:
        return Matcher(self.dataset, self.bodies, self.sites)

    def warm(self) -> None:
        """Read the indexes now rather than on the first request."""
        self.sites, self.bodies, self.types, self.matcher  # noqa: B018 - cached on first read

    # --- manifest ------------------------------------------------------------------------

    def manifest(self, root: str) -> dict:
        """The service manifest; `root` is the service's own URL (…/reconcile)."""
        site = root.rsplit("/", 1)[0]
        defaults = [k for k in self.types.offered if k["id"] in (ORG + "Organization", DG + "NHSBody", SITE)] or self.types.offered[:3]
        return {
            "versions": ["0.2"],
            "name": "derbygraph: NHS organisations and sites, matched by name and date",
            "identifierSpace": vocab.BASE,
            "schemaSpace": vocab.ONTOLOGY,
            "documentation": site + "/",
            "view": {"url": site + "/derbygraph/{{id}}"},
            "defaultTypes": [{"id": k["id"], "name": k["name"]} for k in defaults],
            "preview": {"url": root + "/preview?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
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
            raise BadReconcileRequest("queries must be a JSON object of named queries, sent form-encoded as "
                                      'queries={"q0": {"query": "..."}} or as the JSON body itself')
        return {key: {"result": self.candidates(query, key)} for key, query in deadline.checked(queries.items())}

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
        asked = Query(text, celldates.read(given.get("date")), str(given.get("code") or "").strip().upper(),
                      str(given.get("postcode") or "").strip())
        found = self._match(asked, self.types.resolve(types), min(int(limit), MOST))
        sure = matched_first(found)
        return [self._result(c, asked, i == 0 and sure) for i, c in enumerate(found)]

    def _properties(self, properties, key: str) -> dict:
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
            given[pid] = value
        return given

    def _match(self, query: Query, types: list[str], limit: int) -> list[Candidate]:
        """Candidates best first, one per body, of the types asked (every body but a non-body
        without a type; sites only when a site type is asked)."""
        wants_sites = any(self.types.is_site_kind(t) for t in types)
        wants_orgs = not types or any(not self.types.is_site_kind(t) for t in types)
        indexes = [index for index, wanted in ((NameIndex.of(self.dataset), wants_orgs), (self.sites, wants_sites)) if wanted]
        return self.matcher.candidates(query, indexes, lambda body: self.types.accepts(types, body), limit)

    def _result(self, candidate: Candidate, query: Query, match: bool) -> dict:
        at = query.when.at
        description = " · ".join(p for p in (self.describe(candidate.body.iri, at),
                                             self.matcher.explain(candidate, query.when)) if p)
        features = candidate.features()
        if query.when.note and not query.when.dated:
            features.append({"id": "date_read", "value": False})
        return {"id": entity_id(candidate.body.iri), "name": candidate.name, "score": candidate.score,
                "description": description, "match": match, "type": self.kinds_of(candidate.body.iri),
                "features": features}

    # --- describing ----------------------------------------------------------------------

    def kinds_of(self, body: str) -> list[dict]:
        """The most specific kinds the body is stated or inferred to be, among the service's types."""
        return self.types.specific(self.matcher.body(body))

    def describe(self, body: str, at: str | None = None) -> str:
        """One line to tell namesakes apart: kind, its life, its codes (on `at`, if given)."""
        found = self.matcher.body(body)
        kinds = ", ".join(k["name"] for k in self.kinds_of(body))
        span = f"{found.start or '?'}–{found.end or 'now'}" if found.dated else ""
        codes = "; ".join(c.described() for c in self.bodies.codes_at(found, at))
        return " · ".join(p for p in (kinds, span, codes) if p)

    def _index_of(self, body: str) -> NameIndex:
        """The index that holds `body`: organisations', or (built on first need) sites'."""
        return NameIndex.of(self.dataset) if self.dataset.has_type(iri(body), ORG + "Organization") else self.sites

    def exists(self, identifier: str) -> bool:
        body = entity_iri(identifier)
        try:
            return bool(self._index_of(body).names_of(body))
        except ValueError:  # not even an IRI: nothing of ours
            return False

    def preview(self, identifier: str) -> dict:
        """What the preview card shows: name, description, the names with their dates, and the
        bodies before it (named where a name is known)."""
        body = entity_iri(identifier)
        if not self.exists(identifier):
            raise BadReconcileRequest(f"no entity {identifier!r}")
        found = self.matcher.body(body)
        periods = [p for m in found.members for p in self._index_of(m).periods_of(m)]
        return {"iri": body, "name": self.dataset.label(iri(body)), "description": self.describe(body),
                "names": [(p.name, p.start, p.end) for p in periods],
                "before": self._before(found)}

    def _before(self, body: Body) -> list[str]:
        """The names of the bodies its records say it came from (codes stand in where none is known)."""
        found = []
        for member in body.members:
            for event in self.dataset.objects(iri(member), ORG + "resultedFrom"):
                for earlier in self.dataset.objects(event, ORG + "originalOrganization"):
                    if earlier.value not in body.members:
                        found.append(self._known_name(earlier.value))
        return sorted(set(found), key=lambda name: (name.startswith("ODS "), name))  # the named first

    def _known_name(self, org: str) -> str:
        """A body's name where one is known (its own, or a documents' body it is the same as), else its code."""
        names = NameIndex.of(self.dataset).names_of(org)
        if names and not names[0].startswith("ODS "):
            return names[0]
        code = self.dataset.value(iri(org), SKOS + "notation")
        return f"ODS {code.value}" if code is not None else self.dataset.label(iri(org))

    # --- suggest -------------------------------------------------------------------------

    def suggest_entities(self, prefix: str, types: list[str] | None = None, limit: int = 10) -> dict:
        """One entry per body, with its life in the description."""
        query = Query(prefix, celldates.UNDATED)
        found = self._match(query, self.types.resolve(types or []), limit) if prefix.strip() else []
        return {"result": [{"id": entity_id(c.body.iri), "name": c.name, "description": self.describe(c.body.iri),
                            "notable": self.kinds_of(c.body.iri)} for c in found]}

    def suggest_types(self, prefix: str, limit: int = 10) -> dict:
        wanted = prefix.strip().lower()
        return {"result": [k for k in self.types.offered if wanted in k["name"].lower()][:limit]}

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
            when = celldates.read((entry.get("settings") or {}).get("date") or None)
            if when.note and not when.dated:
                raise BadReconcileRequest(f"property {pid!r}: {when.note.split(':')[0]}: use YYYY, YYYY-MM or YYYY-MM-DD")
            wanted.append((pid, when.at))
        rows = {}
        for identifier in request["ids"]:
            if not isinstance(identifier, str):
                raise BadReconcileRequest("ids must be entity identifiers (text)")
            known = self.exists(identifier)
            rows[identifier] = {pid: self._values(entity_iri(identifier), pid, at) if known else []
                                for pid, at in deadline.checked(wanted)}
        meta = [{"id": pid, "name": EXTEND_PROPERTIES[pid][0]} for pid, _ in wanted]
        return {"meta": meta, "rows": rows}

    def _values(self, body: str, pid: str, at: str | None) -> list[dict]:
        """One property's values for the body as of `at`: only what held then."""
        found = self.matcher.body(body)
        if pid == "code":
            return [{"str": c.code} for c in self.bodies.codes_at(found, at)]
        if pid == "kind":
            return [{"id": k["id"], "name": k["name"]} for k in self.kinds_of(body)]
        if pid == "name_on":
            if at is None:
                return [{"str": self.dataset.label(iri(body))}]
            for other in [found] + [b for b in self.bodies.in_force(found, at) if b is not found]:
                then = self._index_of(other.members[0]).name_in(other.members, at)
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
            deadline.check()
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
        """The quotations (or registry rows) behind the body's name on `at`: a name whose start
        the sources give and that was in force then; without a date, behind every name."""
        found = []
        for member in self.matcher.body(body).members:
            for period in self.dataset.objects(iri(member), DG + "hasNamePeriod"):
                if at is None or (self.dataset.value(period, DG + "start") is not None
                                  and window_of(self.dataset, period).may_hold(at)):
                    found += [s for s in evidence.sources(self.dataset, period) if s not in found]
        return found
