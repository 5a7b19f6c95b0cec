"""Where ontology/, data/, queries/ and web/ are: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    """The folder `name` (ontology, data, queries, web) shipped with this installation."""
    for base in (_PACKAGE / "_assets", _PACKAGE.parent):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"derbygraph is installed without its {name}/ folder")


def ontology_file() -> Path:
    return asset_dir("ontology") / "derbygraph.ttl"


def shapes_file() -> Path:
    return asset_dir("ontology") / "shapes.ttl"


def data_files() -> list[Path]:
    return sorted(asset_dir("data").glob("*.ttl"))
