"""The indexes a store folder keeps whole (`derbygraph.answers.indexes`): read back, each is the
index its rows make, it is read without asking the store or its kept answers anything, and one made
by other code is not read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derbygraph.answers import kept_indexes
from derbygraph.answers.names import SITES, NameIndex
from derbygraph.answers.reconcile.bodies import Bodies
from derbygraph.answers.search import FieldIndex
from derbygraph.store.dataset import Dataset

# each kept index: how a reader gets it, and how it is made from the rows
INDEXES = {
    "names": (NameIndex.of, NameIndex.from_dataset),
    "sites": (NameIndex.of_sites, lambda dataset: NameIndex.from_dataset(dataset, SITES)),
    "fields": (FieldIndex.of, FieldIndex.from_dataset),
    "bodies": (Bodies.of_dataset, Bodies.from_dataset),
}


def _as_json(state):
    return json.loads(json.dumps(state))


@pytest.fixture(params=["store", "registry_store"])
def opened(request):
    return Dataset.open(Path(request.getfixturevalue(request.param)))


def _without_rows(dataset: Dataset) -> Dataset:
    def refused(*args, **kwargs):
        raise AssertionError("a kept index was made from rows")

    dataset.query = refused  # neither the store nor its kept answers
    return dataset


def test_every_kept_index_is_read_whole_and_is_what_its_rows_make(opened):
    assert len(opened.manifest["files"]) > len(kept_indexes())
    fresh = {name: make(opened) for name, (_, make) in INDEXES.items()}  # before the rows are refused
    reader = _without_rows(opened)
    for name, (read, _) in INDEXES.items():
        kept = read(reader)
        assert _as_json(kept.state()) == _as_json(fresh[name].state()), name
    assert len(kept_indexes()) == len(INDEXES)


def test_a_kept_name_index_answers_as_the_one_made_from_rows(registry_store):
    made = NameIndex.from_dataset(Dataset.open(Path(registry_store)))
    kept = NameIndex.of(_without_rows(Dataset.open(Path(registry_store))))
    for query in ("Derbyshire Healthcare", "southern derbys mh", "DCHS", "Chesterfeld Royal", "RXM", "hospital"):
        assert kept.search(query, 20) == made.search(query, 20), query
        assert kept.choose(query) == made.choose(query), query
        assert kept.scored(query) == made.scored(query), query
    for org in made.organisations()[:400]:
        assert kept.names_of(org) == made.names_of(org)
        assert kept.periods_of(org) == made.periods_of(org)
        assert [e.window for e in kept.periods_of(org)] == [e.window for e in made.periods_of(org)]


def test_an_index_kept_by_other_code_is_made_from_the_rows(store, monkeypatch):
    from derbygraph.answers import names

    dataset = Dataset.open(Path(store))
    kept = next(iter(kept_indexes()))
    assert dataset.kept_index(kept) is not None
    assert dataset.kept_index(kept + " ") is None  # other code, or other queries: another digest
    made, make = [], NameIndex.from_dataset
    monkeypatch.setattr(names, "_made_from", lambda things: "the names as other code makes them")
    monkeypatch.setattr(NameIndex, "from_dataset", lambda dataset: made.append(dataset) or make(dataset))
    assert NameIndex.of(dataset).resolve("Derbyshire Healthcare NHS Foundation Trust") is not None
    assert made == [dataset]


def test_an_index_made_of_another_is_made_where_neither_is_kept(store):
    """The bodies read the name index while they are made: neither waits on the other."""
    import threading

    dataset = Dataset.open(Path(store))
    dataset.kept_index = lambda made: None  # a store keeping none: both are made
    made = []
    thread = threading.Thread(target=lambda: made.append(Bodies.of_dataset(dataset)), daemon=True)
    thread.start()
    thread.join(60)
    assert made and made[0].bodies, "making the bodies waited for ever on the name index"
