"""The errors services raise; the app's handlers and the CLI turn them into statuses and exit codes.

Every error a user can cause is a `UserError`: its str() is one line for that user. The CLI
prints it and exits 1 (in one place, `cli.Commands`); the app maps the kinds below to statuses
(in one place, `webapp.create_app`).
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user can act on; str() is one line that says what and how."""


class QueryError(UserError):
    """A query (or a request for one) that is refused or failed; `status` is the HTTP status
    that says why, and `retry_after` the seconds after which trying again may succeed."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class OutOfTime(UserError):
    """Work that ran past the time its request was given (`deadline`), and stopped: the app
    answers 503 with Retry-After, so the asker knows to ask for less or come back."""

    retry_after = 5


class BadInput(UserError, ValueError):
    """A value that cannot mean anything (an IRI that is not one, a date that is no date): the
    asker's to correct. The app answers 400, the CLI one line and exit 1."""


class NotFound(UserError, LookupError):
    """Nothing in the dataset answers to what was asked; `suggestions` are names that might be
    meant. The app answers 404, the CLI one line and exit 1."""

    suggestions: list[str] = []
