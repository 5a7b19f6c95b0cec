"""HTML pages for people: the home page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .. import queries

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home():
    dataset = current_app.config["DATASET"]
    return render_template("home.html", dataset=dataset, organisations=[
        (iri, dataset.names.names_of(iri)) for iri in dataset.names.organisations()], queries=queries.catalogue())
