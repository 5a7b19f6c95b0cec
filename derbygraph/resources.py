"""Where ontology/, data/, queries/ and web/ are: inside the wheel, or at the top of a checkout; and
where a source document is in a folder of them."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from derbygraph import vocab

_PACKAGE = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    """The folder `name` (ontology, data, queries, web) shipped with this installation."""
    for base in (_PACKAGE / "_assets", _PACKAGE.parent):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"derbygraph is installed without its {name}/ folder")


@functools.cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def sparql(module_file: str, name: str, prologue: bool = True, **values: str) -> str:
    """The query `name`.rq kept beside the module that runs it (`module_file`, its `__file__`): the one
    place for SPARQL text. The common prefixes (`vocab.PREFIXES`) are declared before it (unless not
    `prologue`: a query shown to a person, who has them declared), and each `$key` of `values` is
    written in (terms or patterns the caller made, never a user's text), in the query's lines,
    never its comment lines."""
    lines = _read(Path(module_file).parent / f"{name}.rq").splitlines(keepends=True)
    return (vocab.sparql_prologue() if prologue else "") + "".join(
        line if line.lstrip().startswith("#") else _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), line)
        for line in lines)


_PLACEHOLDER = re.compile(r"\$(\w+)")


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
