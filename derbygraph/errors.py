"""The errors a user can meet, by kind: what happened, never how an interface says it.

Services raise these (or a subclass that names the thing: `UnknownOrganisation` is a `NotFound`);
nothing below the interfaces knows an HTTP status or an exit code. Two tables turn a kind into
an answer: `web.app.STATUSES` (status, and Retry-After for the kinds that carry one) and
`cli.EXIT_CODES` (exit code; the message is the one line printed). Neither interface catches
an error anywhere else, so a kind added here is answered the same way on every path.
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user can act on; str() is one line that says what and how.

    `details` are lines that come before it where there is more to show (the first problems a
    check found); `retry_after`, for the kinds that pass, the seconds after which trying again
    may succeed."""

    details: list[str] = []
    retry_after: int | None = None


class BadInput(UserError, ValueError):
    """A value that cannot mean anything (an IRI that is not one, a date that is no date, a
    query that is not SPARQL): the asker's to correct."""


class NotFound(UserError, LookupError):
    """Nothing in the dataset answers to what was asked; `suggestions` are names that might be meant."""

    suggestions: list[str] = []


class QueryRefused(UserError):
    """A well-formed request this service will not do (a SERVICE pattern: no outbound requests)."""


class ReadOnly(QueryRefused):
    """A request to change the data: nothing here is ever written by a request."""


class NotAcceptable(UserError):
    """None of the formats the client accepts is one this answer comes in."""


class UnsupportedMediaType(BadInput):
    """A request body in a form (media type, charset) this path does not read."""


class TooLarge(BadInput):
    """A request (a query, a body) past the size this service reads."""


class Busy(UserError):
    """Too many requests at once, or the server is stopping: nothing was wrong with this one."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(Busy):
    """What answers queries cannot now (a worker that did not start, or stopped unexpectedly)."""


class TimedOut(UserError):
    """A query stopped at its time limit (here, or by the remote store)."""


class OutOfTime(TimedOut):
    """Work that ran past the time its request was given (`deadline`), and stopped: the asker is
    told to ask for less or come back."""

    retry_after = 5


class OutOfMemory(UserError):
    """A query that needed more memory than one may use (its worker's heap, or the remote answer's bytes)."""


class UpstreamFailed(UserError):
    """The remote store this app serves from could not be reached, or failed the request."""


class Failed(UserError):
    """A query failed for a reason of ours, not the asker's (reported, never swallowed)."""
