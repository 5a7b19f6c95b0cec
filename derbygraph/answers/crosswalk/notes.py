"""What the crosswalk says beside a mapping, from all the evidence the files hold, each note naming
the rows it rests on.

A mapping follows successions only; what else the files know about a code changes how far an
analyst can trust it: the snapshot's open and close dates (a trust that closed with no successor,
or closes on its last day and is succeeded the next), the last date any row mentions a code that
has no successor and no closure (a primary care trust the files never close), a code succeeded
on two dates (a split counted once before the second and twice after), a code the files first
show after the date asked, a site whose trust was succeeded while the site itself was not, and a
code the third listing names otherwise than etr.csv.
"""

from __future__ import annotations

import datetime

from derbygraph import dates

from .facts import RegistryFacts, Step, cite


def _next_day(day: str) -> str:
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


def _on_or_before(date: str, to: str) -> bool:
    return not dates.after(date, to)


def source_notes(facts: RegistryFacts, code: str, to: str) -> list[str]:
    """Notes about the code asked for: when the files first show it, and successions on several dates."""
    notes = []
    opened = facts.opened.get(code)
    if opened is not None and dates.after(opened.value, to):
        notes.append(f"{code} opened on {opened.value} ({opened.row}), after {to}: it maps to itself though it "
                     f"was not in force then")
    arrivals = facts.arrivals.get(code, [])
    if opened is None and arrivals and all(dates.after(s.date, to) for s in arrivals) and not any(
            _on_or_before(s.date, to) for s in facts.steps.get(code, [])):
        first = arrivals[0]
        notes.append(f"{code} first appears in the files on {first.date}, as successor of {first.source} "
                     f"({cite(first.rows)}), after {to}: it maps to itself though it may not have existed then")
    notes += split_dates(facts, code, to)
    return notes + disagreement(facts, code)


def split_dates(facts: RegistryFacts, code: str, to: str) -> list[str]:
    """A code succeeded on two or more dates: a table made before the later date counts it fewer times."""
    steps = facts.steps.get(code, [])
    days = sorted({s.date for s in steps})
    if len(days) < 2:
        return []
    parts = []
    for day in days:
        on = [s for s in steps if s.date == day]
        parts.append(f"on {day} by {', '.join(s.target for s in on)} ({cite(r for s in on for r in s.rows)})")
    note = f"{code} is succeeded on {len(days)} dates: " + "; ".join(parts)
    later = [d for d in days if dates.after(d, to)]
    if later and not dates.after(days[0], to):
        note += f"; on {to} the files have recorded only the successions up to {days[-len(later) - 1]}"
    return [note]


def target_notes(facts: RegistryFacts, target: str, to: str) -> list[str]:
    """Notes about a code reached (in force on `to` as far as the successions say)."""
    notes = []
    onward = [s for s in facts.steps.get(target, []) if dates.after(s.date, to)]
    closed = facts.closed.get(target)
    if closed is not None and _on_or_before(closed.value, to):
        notes.append(_closure(target, closed, onward, to))
    elif closed is None and facts.opened.get(target) is None:
        evidence = facts.last_evidence(target)
        if evidence is not None and dates.after(to, evidence[0]) and not onward:
            notes.append(f"the files record no successor and no closure for {target}; last evidence "
                         f"{evidence[0]} ({cite(evidence[1])})")
    notes += _site(facts, target, to)
    return notes + disagreement(facts, target)


def disagreement(facts: RegistryFacts, code: str) -> list[str]:
    """The third listing names the code otherwise than etr.csv: neither is dated against the other."""
    if code not in facts.disagreements:
        return []
    said, rows = facts.disagreements[code]
    return [f"the sources disagree: {said} ({cite(sorted(rows, key=lambda r: (r.file, r.line)))}); the listing is "
            "undated, so either may be the later name"]


def _closure(target: str, closed, onward: list[Step], to: str) -> str:
    """A close date on or before `to`: the last day of a body whose successors start the next day is
    one change, not a closure with no successor."""
    first = [s for s in onward if s.date == onward[0].date] if onward else []  # all of a split
    later = ""
    if first:
        day, rows = first[0].date, cite(r for s in first for r in s.rows)
        who = ("its successors " if len(first) > 1 else "its successor ") + " and ".join(s.target for s in first)
        if day == _next_day(closed.value):
            if closed.value == to:
                return f"{to} is {target}'s last day ({closed.row}); {who} take{'' if len(first) > 1 else 's'} over " \
                       f"on {day} ({rows}): one change"
            return f"{target} closed on {closed.value} ({closed.row}); {who} {'are' if len(first) > 1 else 'is'} " \
                   f"dated {day} ({rows}), after {to}"
        later = f"; {who} {'are' if len(first) > 1 else 'is'} dated {day} ({rows})"
    if closed.value == to:
        return f"{to} is {target}'s last day ({closed.row}); the files record no successor the next day" + later
    return f"{target} closed on {closed.value} ({closed.row}) with no successor in the files by {to}" + later


def _site(facts: RegistryFacts, target: str, to: str) -> list[str]:
    """A site mapped to itself whose trust was succeeded by `to`: the site's own fate is not recorded."""
    code = facts.codes.get(target)
    if code is None or code.parent is None:
        return []
    gone = [s for s in facts.steps.get(code.parent, []) if _on_or_before(s.date, to)]
    if not gone or any(_on_or_before(s.date, to) for s in facts.steps.get(target, [])):
        return []
    step = gone[0]
    return [f"site {target} belongs to {code.parent}, succeeded by {step.target} on {step.date} "
            f"({cite(step.rows)}); the files record no successor for the site itself"]
