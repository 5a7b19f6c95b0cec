"""The errors services raise; the app's handlers and the CLI turn them into statuses and exit codes."""

from __future__ import annotations


class QueryError(Exception):
    """A query (or a request for one) that is refused or failed; `status` is the HTTP status
    that says why, and `retry_after` the seconds after which trying again may succeed."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class BadInput(ValueError):
    """A request value that cannot mean anything (an IRI that is not one, a date that is no
    date): the client's to correct, a 400."""
