"""Reconciliation (W3C Reconciliation Service API 0.2): `service` answers the protocol, over
`bodies` (one candidate per body), `kinds` (the types offered), `candidates` (scored by name, date
and code) and `celldates` (dates as spreadsheet cells hold them)."""

from .service import ReconcileService

__all__ = ["ReconcileService"]
