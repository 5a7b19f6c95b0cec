"""Where ontology/, data/, queries/ and web/ are: inside the wheel, or at the top of a checkout; and
where a source document is in a folder of them."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import stat
import tempfile
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


def sparql(module_file: str, name: str, prologue: bool = True, **values: str) -> str:
    """The query `name`.rq kept beside the module that runs it (`module_file`, its `__file__`): the one
    place for SPARQL text. The common prefixes (`vocab.PREFIXES`) are declared before it (unless not
    `prologue`: a query shown to a person, who has them declared), and each `$key` of `values` is
    written in (terms or patterns the caller made, never a user's text), in the query's lines,
    never its comment lines."""
    head, lines = _query_text(module_file, name, prologue)
    return head + "".join(_PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), line) if fillable else line
                          for line, fillable in lines)


@functools.cache
def _query_text(module_file: str, name: str, prologue: bool) -> tuple[str, tuple[tuple[str, bool], ...]]:
    """The prologue and the lines of a query file, each with whether a value may be written into it
    (read once: lineage and why ask queries thousands of times)."""
    lines = (Path(module_file).parent / f"{name}.rq").read_text(encoding="utf-8").splitlines(keepends=True)
    return (vocab.sparql_prologue() if prologue else "",
            tuple((line, "$" in line and not line.lstrip().startswith("#")) for line in lines))


_PLACEHOLDER = re.compile(r"\$(\w+)")


def cache_file(kind: str, made_from: str) -> Path | None:
    """Where what was computed from `made_from` (text naming every input, versions included) is
    kept: a file of the user's cache folder (`$XDG_CACHE_HOME/derbygraph/`), named by the inputs'
    digest, so a changed input is a new file. None where there is no such folder, or where it is
    not the user's alone (another user's file there would be read as ours, and Lark reads its
    tables with pickle): the caller then computes and keeps nothing."""
    try:
        home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(home) / "derbygraph"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = os.lstat(folder)
    except (OSError, RuntimeError):
        return None
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        return None
    return folder / f"{kind}-{hashlib.sha256(made_from.encode()).hexdigest()[:16]}"


_SEAL = b"# sha256 "


def read_cache_file(path: Path) -> str | None:
    """The text `write_cache_file` kept at `path`; None when it is missing, cut short or changed
    (its last line is the digest of all before it)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body, seal, digest = data.rpartition(_SEAL)
    if not seal or digest != hashlib.sha256(body).hexdigest().encode() + b"\n":
        return None
    return body.decode("utf-8")


def write_cache_file(path: Path, text: str) -> None:
    """Keep `text` at `path`, sealed with its digest, whole on disk before it takes the name (a
    reader never finds half of it, even after a crash); a cache that cannot be written is not kept."""
    body = text.encode("utf-8")
    try:
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(body + _SEAL + hashlib.sha256(body).hexdigest().encode() + b"\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)
        prune_cache(path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial)


def prune_cache(path: Path, keep: int = 8) -> None:
    """Of the cache files of `path`'s kind, the oldest beyond `keep` go (each grammar, schema or
    version makes a new one)."""
    kind = path.name.rsplit("-", 1)[0]
    with contextlib.suppress(OSError):
        older = sorted(path.parent.glob(f"{kind}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in older[keep:]:
            stale.unlink(missing_ok=True)


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
