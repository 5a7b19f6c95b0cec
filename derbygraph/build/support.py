"""Which quotations support which statements: the words read (`derbygraph.build.reading`), and the
stated rules (data/rules.ttl) that give what the words do not hold. The build records the answer
as data (`derbygraph.build.derive`); the support check reads it (`derbygraph.build.coverage`)."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from derbygraph import resources, vocab

from . import reading

DG, RDF = vocab.DG, vocab.RDF


def _select(store: ox.Store, query: str, **values: str):
    """The rows of the query `query`.rq beside this module (`resources.sparql`)."""
    return store.query(resources.sparql(__file__, query, **values))


# Quoted fact nodes are read this many at a time (`support`).
_NODES_AT_ONCE = 2_000

_TYPE_IRI, _SAYS_NO_DATE = RDF + "type", {DG + "dateStated", DG + "valueStated"}


def _supports(p: str, o, exact: str, names: dict, event_dates: dict, spans: dict) -> bool:
    """The quotation's words hold the statement (`derbygraph.build.reading`): a text's words, a number's
    digits or words, a date at its precision, an object's name (or an event's date and kind), a
    type's words; "not stated" where the words state no year (or no number). A thing without a name
    of its own (a contract, a post, an unnamed person) is held by a quotation that shares the words
    it rests on itself."""
    if isinstance(o, ox.Literal):
        kind = o.datatype.value
        if kind in (vocab.XSD + "gYear", vocab.XSD + "gYearMonth", vocab.XSD + "date"):
            return reading.holds_date(exact, o.value)
        if kind in (vocab.XSD + "integer", vocab.XSD + "decimal"):
            return reading.holds_number(exact, o.value)
        if kind == vocab.XSD + "duration":
            return reading.holds_duration(exact, o.value)
        if kind == vocab.XSD + "boolean":  # "the source gives no date (no figure)": the words state none
            said = reading.tokens(exact)
            return p in _SAYS_NO_DATE and o.value == "false" and not any(
                t.isdigit() and (len(t) == 4 or p == DG + "valueStated") for t in said)
        return reading.holds_words(exact, o.value)
    if o.value in event_dates:  # an event: its year and the words of its kind
        return reading.holds_date(exact, event_dates[o.value][:4]) and any(
            reading.holds_words(exact, name) for name in names.get(o.value, ()))
    return any(reading.holds_words(exact, name) for name in names.get(o.value, ())) or any(
        own in exact or exact in own for own in spans.get(o.value, ()))


def support(store: ox.Store, stated: str, fact_nodes: str) -> Iterator[tuple[tuple, list, list]]:
    """Each statement of a quoted node, with the quotations whose words hold it and, where none
    does, the stated rules that give it: ((s, p, o), [quotation...], [rule...]). No default: a
    node's only quotation, or a `dg:supports` marker, supports nothing its words do not hold.
    `stated`: the graph pattern of the statements to read, of the nodes that `fact_nodes` keeps
    (`derive.STATED`, `derive.FACT_NODES`): the nodes are chosen once, not in each slice's query,
    which would find every node of an unquoted kind again (a scan of every quotation).

    A few thousand quoted nodes at a time: the rows of every statement at once took 1.8 kB a
    statement in the engine and in Python (650 MB at 1M extra triples, the build's peak)."""
    names: dict[str, set[str]] = {}
    for row in _select(store, "support-names"):
        names.setdefault(row["x"].value, set()).add(row["label"].value)
    event_dates = {row["x"].value: row["date"].value for row in _select(store, "support-event-dates")}
    spans: dict[str, set[str]] = {}
    for row in _select(store, "support-spans"):
        spans.setdefault(row["x"].value, set()).add(row["exact"].value)
    rules: dict[tuple, list] = {}
    for row in _select(store, "support-rules"):
        of_subject = row["ofSubject"] is not None and row["ofSubject"].value == "true"
        # a rule for a class gives the type of that class, not every type its nodes have
        if row["class"] is not None and row["p"].value == _TYPE_IRI:
            rules.setdefault((row["s"], _TYPE_IRI, row["class"]), []).append((row["rule"], of_subject))
        else:
            rules.setdefault((row["s"], row["p"].value), []).append((row["rule"], of_subject))
    when_words: dict = {}
    for row in _select(store, "support-rule-words"):
        when_words.setdefault(row["rule"], []).append(row["words"].value)
    subjects: dict = {}
    for row in _select(store, "support-document-subjects"):
        subjects.setdefault(row["q"], set()).add(row["subject"])
    quoted = [row["s"] for row in _select(store, "support-quoted", fact_nodes=fact_nodes)]
    for start in range(0, len(quoted), _NODES_AT_ONCE):
        nodes = " ".join(map(str, quoted[start:start + _NODES_AT_ONCE]))
        held: dict[tuple, list] = {}
        ruled: dict[tuple, set] = {}
        for s, p, o, q, exact in _select(store, "support-candidates", nodes=nodes, stated=stated):
            key = (s, p, o)
            if _supports(p.value, o, exact.value, names, event_dates, spans):
                held.setdefault(key, []).append(q)
                continue
            held.setdefault(key, [])
            for rule, of_subject in rules.get((s, p.value, o) if p.value == _TYPE_IRI else (s, p.value), ()):
                if (not of_subject or o in subjects.get(q, ())) and (
                        rule not in when_words or any(reading.holds_words(exact.value, w) for w in when_words[rule])):
                    ruled.setdefault(key, set()).add(rule)
        for key, quotes in held.items():
            yield key, quotes, [] if quotes else sorted(ruled.get(key, ()), key=str)
