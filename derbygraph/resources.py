"""Where ontology/, data/, queries/ and web/ are: inside the wheel, or at the top of a checkout; and
where a source document is in a folder of them."""

from __future__ import annotations

import hashlib
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


def document_file(folder: Path, identifier: str | None, sha256: str | None) -> Path | None:
    """The file in `folder` holding a document: by its file name (dct:identifier), else by its
    SHA-256 (dg:sha256). The one rule `check --sources` and the source pages share."""
    if identifier and (folder / identifier).is_file():
        return folder / identifier
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if sha256 and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            return path
    return None
