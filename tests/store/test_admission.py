"""Admission: a request past the places or past its client's share is refused at once, and the
forecast made before reading a request (`refuse_if_full`) agrees with `enter`."""

from __future__ import annotations

import pytest

from derbygraph.errors import Busy
from derbygraph.store.admission import Admission


def test_a_clients_share_and_the_places_are_forecast_as_enter_finds_them():
    admission = Admission("queries", admitted=3, share=2)
    admission.refuse_if_full("a")
    admission.enter("a")
    admission.enter("a")
    for attempt in (admission.refuse_if_full, admission.enter):
        with pytest.raises(Busy, match="2 of them yours"):
            attempt("a")
    admission.refuse_if_full("b")
    admission.enter("b")
    for attempt in (admission.refuse_if_full, admission.enter):
        with pytest.raises(Busy, match="3 queries running or waiting"):
            attempt("c")
    admission.leave("a")
    admission.refuse_if_full("c")
    admission.enter("c")
    admission.leave("b")
    admission.leave("c")
    admission.leave("a")
    for client in "abc":  # all places free again
        admission.refuse_if_full(client)


def test_a_refused_request_holds_no_place():
    admission = Admission("pages", admitted=1, running=1, wait=0.01)
    admission.enter()
    with pytest.raises(Busy):
        admission.enter()
    admission.leave()
    admission.refuse_if_full()
    admission.enter()
    admission.leave()
