"""The store folder `derbygraph build --store DIR` writes: its layout, its manifest, its safety.

    DIR/manifest.json      what this is, the dataset version, every file with size and SHA-256
    DIR/oxigraph/          the RocksDB store pyoxigraph opens read-only
    DIR/dumps/             the whole dataset as Turtle and N-Quads, written with the store
    DIR/statistics.json    the counts VoID publishes, computed once at build time

Three promises hold by construction:
- A folder that is neither empty nor a derbygraph store (no manifest) is refused and left
  untouched: the build writes into a fresh `mkdtemp` folder beside it and only ever replaces a
  folder whose manifest says it is ours.
- A store is checked against its manifest when it is opened: a changed, missing or corrupt file
  is one clear error, never a crash or a runaway read.
- Everything served from the folder (dumps, statistics) is data the build wrote and the manifest
  vouches for; nothing is read from a shared temporary folder, and no link is followed.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from .errors import UserError

MANIFEST = "manifest.json"
ENGINE = "oxigraph"
DUMPS = "dumps"
STATISTICS = "statistics.json"
LAYOUT = 1
# RocksDB's own log and lock files change whenever a store is opened; they hold no data.
UNCHECKED = ("LOG", "LOCK")


class StoreError(UserError):
    """A store folder that cannot be opened or written; str() is one line for the user."""


def is_store(path: Path) -> bool:
    return (path / MANIFEST).is_file() and not (path / MANIFEST).is_symlink()


def writable_target(path: Path) -> None:
    """Refuse (StoreError) a path the build must not replace: a file, a link, or a folder with
    anything in it that is not a derbygraph store."""
    if path.is_symlink():
        raise StoreError(f"{path}: is a symbolic link; give the folder itself")
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: is a file, not a folder; the store was not written")
    if path.is_dir() and any(path.iterdir()) and not is_store(path):
        raise StoreError(f"{path}: folder is not empty and not a derbygraph store; nothing in it was "
                         "changed (give an empty or new folder)")


def write(path: Path, fill, progress=None) -> None:
    """Make a store folder at `path`: `fill(staging)` writes its files into a fresh private
    folder, which then takes the place of `path` (an earlier store there is removed only after).
    On any failure `path` is as it was."""
    path = Path(path)
    writable_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    try:
        fill(staging)
        _write_manifest(staging)
        writable_target(path)  # still ours: nothing was put there while we built
        if path.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{path.name}.previous-", dir=path.parent))
            path.rename(retired / "store")
            staging.rename(path)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if progress:
        progress(f"wrote {path}")


def _files(folder: Path):
    for file in sorted(folder.rglob("*")):
        if file.is_file() and not file.is_symlink() and file.name != MANIFEST and \
                not file.name.startswith(UNCHECKED):
            yield file


def _digest(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digests(files: list[Path]) -> list[str]:
    """The SHA-256 of each file, several at once: hashlib lets go of the GIL while it hashes, so
    the store's gigabytes are checked on every core (at 1M, 2.5 GB, every start-up)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(_digest, files))


def _write_manifest(folder: Path) -> None:
    found = list(_files(folder))
    files = {file.relative_to(folder).as_posix(): {"size": file.stat().st_size, "sha256": digest}
             for file, digest in zip(found, _digests(found))}
    manifest = {"derbygraph-store": LAYOUT, "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def manifest(path: Path) -> dict:
    """The manifest of a store folder, checked against the files (StoreError on any difference)."""
    path = Path(path)
    if not path.is_dir():
        raise StoreError(f"{path}: not a derbygraph store: no such folder (run `derbygraph build --store {path}` first)")
    if not is_store(path):
        hint = " (a store of derbygraph 0.1: rebuild it)" if (path / "CURRENT").is_file() else ""
        raise StoreError(f"{path}: not a derbygraph store{hint} (run `derbygraph build --store {path}`)")
    try:
        found = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        files = found["files"]
        if found.get("derbygraph-store") != LAYOUT:
            raise StoreError(f"{path}: store layout {found.get('derbygraph-store')} is not this version's "
                             f"({LAYOUT}); rebuild it")
        for name, expected in files.items():
            file = path / name
            if file.is_symlink() or not file.is_file():
                raise StoreError(f"{path}: store is damaged: {name} is missing; rebuild it")
            if file.stat().st_size != expected["size"]:
                raise StoreError(f"{path}: store is damaged: {name} does not match its checksum; rebuild it")
        for (name, expected), digest in zip(files.items(), _digests([path / name for name in files])):
            if digest != expected["sha256"]:
                raise StoreError(f"{path}: store is damaged: {name} does not match its checksum; rebuild it")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(f"{path}: store manifest is unreadable; rebuild it") from None
    return found


def open_engine(path: Path) -> ox.Store:
    """The RocksDB store of a (checked) folder, read-only."""
    try:
        return ox.Store.read_only(str(Path(path) / ENGINE))
    except (OSError, RuntimeError) as error:  # RocksDB reports corruption as RuntimeError
        raise StoreError(f"{path}: cannot open store: {' '.join(str(error).split())}") from None


def served_file(path: Path, manifest: dict, name: str) -> Path:
    """A file of the folder to send to a client: listed in the manifest checked at opening, a
    regular file (no link followed) of the size it had then."""
    entry = manifest["files"].get(name)
    file = Path(path) / name
    try:
        stat = os.lstat(file)
    except OSError:
        stat = None
    if entry is None or stat is None or not os.path.isfile(file) or os.path.islink(file) or \
            stat.st_size != entry["size"]:
        raise StoreError(f"{path}: {name} is not the file the store was built with; rebuild it")
    return file
