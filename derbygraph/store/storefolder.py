"""The store folder `derbygraph build --store DIR` writes: its layout, its manifest, its safety.

    DIR                      a symbolic link to the folder of the current version, beside it:
    .DIR.store-<version>/    manifest.json   its format, every file the build wrote, with size and SHA-256
                             oxigraph/       the RocksDB store pyoxigraph opens read-only
                             dumps/          the whole dataset as Turtle and N-Quads
                             statistics.json the counts VoID publishes, computed once at build time
                             kept/           answers of whole queries that commands and start-ups read
                                             over the whole store (the registry's crosswalk facts, the
                                             name index), as SPARQL JSON, each named by its query's
                                             digest; and the indexes start-ups make of them, whole, as
                                             JSON, each named by the digest of its queries and its code

A store is recognised by construction, never by a file name alone:
- A store is a folder whose manifest carries FORMAT and lists exactly the files in it, each with
  its size, SHA-256, inode and change time as the build hashed it. Opening checks every file
  against it (hashing those that are no longer the very file the build hashed) and refuses any
  file or folder it does not list (a RocksDB log or table dropped in would be served), a changed
  or missing file: one clear line, never a crash.
  (A dump, only ever sent to clients, is checked by size then and by checksum when first sent.)
- `build --store DIR` writes a new version folder beside DIR and then points DIR at it with one
  rename of a new link over DIR (or, when DIR is a folder, one exchange rename): DIR is the old
  store or the new one at every instant, never missing. DIR must be absent, an empty folder, or a
  store; anything else is refused and left untouched. The version it replaces is removed file by
  file from its manifest, so no file the build did not write is ever deleted.
- A version folder being written holds a BUILDING file named with the pid of its build. The next
  build removes the folders of builds that died (that pid gone), complete versions nothing points
  at, and empty ones, and leaves everything else alone.
- A process that opened a version holds a shared lock on its manifest while it lives; a build
  leaves a version so held where it is (a server keeps reading what it checked), and a later build
  removes it once it is free.
- Everything served from the folder (dumps, statistics) is data the build wrote and the manifest
  vouches for; nothing is read from a shared temporary folder, and no link inside is followed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from derbygraph.errors import Failed, UserError

MANIFEST = "manifest.json"
ENGINE = "oxigraph"
DUMPS = "dumps"
STATISTICS = "statistics.json"
KEPT = "kept"
FORMAT = "derbygraph-store/1"
BUILDING = ".derbygraph-building"
RENAME_EXCHANGE = 2  # renameat2 flag (linux/fs.h)
AT_FDCWD = -100
_HELD: dict[Path, int] = {}  # the versions this process has opened: kept while it lives


# Files only ever sent to clients, never read by the engine or to answer: each is checked against
# its checksum when first sent (`served_file`), not at every opening. At 1M they are a gigabyte of
# the store's 2.8 GB: hashing them took 0.5 s of every start-up and every command.
SENT_ONLY = (DUMPS + "/",)


class StoreError(UserError):
    """A store folder that cannot be opened or written; str() is one line for the user."""


class NotAsBuilt(StoreError, Failed):
    """A file of an opened store is no longer the one its build wrote: the server's fault, not the asker's."""


def _versions(path: Path) -> str:
    return f".{path.name}.store-"


def _links(path: Path) -> str:
    return f".{path.name}.link-"


def _our_link(path: Path) -> bool:
    """A link a build made: to a version folder beside it."""
    return path.is_symlink() and os.readlink(path).startswith(_versions(path)) and "/" not in os.readlink(path)


def folder(path: Path) -> Path:
    """The folder a store path names: the version a build's link points at, or the folder itself."""
    path = Path(path)
    return path.parent / os.readlink(path) if _our_link(path) else path


def _strays(store: Path, listed: set[str], old_layout: bool = False) -> list[str]:
    """What is in `store` that its manifest does not list (folders holding listed files aside).
    The old layout (a plain folder with `"derbygraph-store": 1`) left RocksDB's LOG and LOCK out."""
    holders = {parent.as_posix() for name in listed for parent in Path(name).parents}
    strays = []
    for entry in sorted(store.rglob("*")):
        name = entry.relative_to(store).as_posix()
        if name == MANIFEST or name in listed:
            continue
        if entry.is_dir() and not entry.is_symlink() and (name in holders or any(entry.iterdir())):
            continue  # a folder of listed files, or one whose own files are named
        if old_layout and name.startswith(f"{ENGINE}/") and entry.name.startswith(("LOG", "LOCK")):
            continue
        strays.append(name)
    return strays


def _read_manifest(store: Path) -> dict | None:
    """The manifest of `store` if it is a derbygraph store of any layout, else None."""
    file = store / MANIFEST
    if file.is_symlink() or not file.is_file():
        return None
    try:
        found = json.loads(file.read_text(encoding="utf-8"))
        if (found.get("format") == FORMAT or found.get("derbygraph-store") == 1) and isinstance(found["files"], dict):
            return found
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        pass
    return None


def _exactly_listed(store: Path) -> dict | None:
    """The manifest of `store` when it lists exactly the files there (a store the build may replace)."""
    found = _read_manifest(store)
    if found is None or _strays(store, set(found["files"]), old_layout="format" not in found):
        return None
    return found


def writable_target(path: Path) -> None:
    """Refuse (StoreError) a path the build must not replace: a file, a link it did not make, or
    a folder with anything in it that is not a derbygraph store listing exactly its files."""
    if path.is_symlink():
        if not _our_link(path):
            raise StoreError(f"{path}: is a symbolic link that derbygraph did not make; give the folder itself")
        return
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: is a file, not a folder; the store was not written")
    if path.is_dir() and any(path.iterdir()) and _exactly_listed(path) is None:
        raise StoreError(f"{path}: folder is not empty and not a derbygraph store (one whose manifest lists exactly "
                         "its files); nothing in it was changed (give an empty or new folder)")


def write(path: Path, fill, progress=None) -> None:
    """Make a store at `path`: `fill(staging)` writes its files into a new version folder beside
    it, which `path` then points at (see the module's docstring). On any failure `path` is as
    it was."""
    path = Path(path)
    writable_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(path)
    staging = Path(tempfile.mkdtemp(prefix=_versions(path), dir=path.parent))
    try:
        marker = staging / _marker()
        marker.touch(exist_ok=False)
        fill(staging)
        _write_manifest(staging)
        marker.unlink()
        writable_target(path)  # still ours: nothing was put there while we built
        retired = _swap_in(path, staging)
    except BaseException:
        if folder(path) != staging:  # (Ctrl+C just after the swap leaves the new store in place)
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if retired is not None:
        _discard(retired)
    if progress:
        progress(f"wrote {path}")


def _swap_in(path: Path, version: Path) -> Path | None:
    """Point `path` at `version` in one rename; what `path` held before, now to be removed."""
    link = path.parent / f"{_links(path)}{secrets.token_hex(8)}"  # symlink() refuses a name taken
    os.symlink(version.name, link)
    if not path.is_dir() or path.is_symlink():  # absent, or a link: replaced by one rename
        previous = folder(path) if path.is_symlink() else None
        os.rename(link, path)
        return previous
    try:  # a folder (empty, or a store of the old layout): exchanged with the link in one rename
        _exchange(link, path)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOSYS) or any(path.iterdir()):
            link.unlink()
            raise StoreError(f"{path}: cannot swap the store in atomically here ({os.strerror(error.errno)}); "
                             "move the folder away and build again") from None
        path.rmdir()  # an empty folder on a file system with no exchange: nothing to lose
        os.rename(link, path)
        return None
    return link


def _exchange(first: Path, second: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))


def _discard(store: Path) -> None:
    """Remove a store that nothing points at any more: a link, an empty folder, or a folder
    holding exactly what its manifest lists (the only files a build wrote)."""
    if store.is_symlink():
        store.unlink()
    elif _exactly_listed(store) is not None and not _in_use(store):
        _remove(store, store / MANIFEST)
    else:
        with contextlib.suppress(OSError):  # left where anything else is in it
            store.rmdir()


def _hold(store: Path) -> None:
    """Mark `store` in use for as long as this process lives (a shared lock on its manifest), so
    that a build that swaps in a new version leaves this one to the server still reading it."""
    if store not in _HELD:
        descriptor = os.open(store / MANIFEST, os.O_RDONLY | os.O_CLOEXEC)
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        _HELD[store] = descriptor


def _in_use(store: Path) -> bool:
    with open(store / MANIFEST, "rb") as manifest:
        try:
            fcntl.flock(manifest, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def _remove(folder: Path, last: Path) -> None:
    """Remove `folder` (ours), deepest first and `last` (what proves it ours) last, so that a
    removal cut short leaves a folder the next build still knows for its own."""
    for entry in sorted(folder.rglob("*"), key=lambda entry: -len(entry.parts)):
        if entry == last:
            continue
        if entry.is_dir() and not entry.is_symlink():
            entry.rmdir()
        else:
            entry.unlink()
    last.unlink()
    folder.rmdir()


def _marker() -> str:
    """The name of the file that marks a folder as being written by this process: made in one
    call, so a build killed at any point leaves either no marker or a whole one."""
    return f"{BUILDING}-{os.getpid()}-{_started(os.getpid())}"


def _started(pid: int) -> str:
    """When process `pid` started (clock ticks since boot), so a reused pid is not taken for it."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return "?"


def _building(marker: Path) -> bool:
    """Whether the build that marked its folder with `marker` is still running."""
    pid, started = marker.name[len(BUILDING) + 1:].split("-", 1)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: alive
        return True
    return _started(int(pid)) == started


def _clean_stale(path: Path) -> None:
    """Remove what builds of `path` that died left beside it: provably ours, and unused."""
    current = folder(path) if path.is_symlink() else None
    for entry in path.parent.iterdir():
        if not entry.name.startswith((_versions(path), _links(path))) or entry == current:
            continue
        if entry.is_symlink():
            if os.readlink(entry).startswith(_versions(path)):  # a new link never renamed into place
                entry.unlink()
        elif not entry.is_dir():
            continue
        elif markers := [marker for marker in entry.glob(f"{BUILDING}-*-*") if marker.is_file()]:
            if len(markers) == 1 and not _building(markers[0]):
                _remove(entry, markers[0])
        elif _exactly_listed(entry) is not None:  # a version, or a folder swapped out
            _discard(entry)
        elif not any(entry.iterdir()):
            entry.rmdir()  # made and killed before it was marked, or an empty folder swapped out


def _files(store: Path):
    for file in sorted(store.rglob("*")):
        if not file.is_dir() and file.name != MANIFEST and not file.name.startswith(BUILDING):
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


def _write_manifest(store: Path) -> None:
    """Every file with its size, its SHA-256, and the identity it was hashed as (`_hashed_as`)."""
    found = list(_files(store))
    files = {file.relative_to(store).as_posix(): {"size": file.stat().st_size, "sha256": digest, **_identity(file)}
             for file, digest in zip(found, _digests(found))}
    manifest = {"format": FORMAT, "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "files": files}
    (store / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def _identity(file: Path) -> dict:
    """What tells this file from any other and from itself changed: its inode and the inode's
    change time, which every write (and every setting of its times) moves, and no program can set
    back."""
    found = os.lstat(file)
    return {"inode": found.st_ino, "changed": found.st_ctime_ns}


def _hashed_as(file: Path, entry: dict) -> bool:
    """The very file the build hashed, unchanged since: its checksum need not be read again (at
    5M triples, 4.8 GB and 3 s of every opening). A copy, or a file written since, is hashed."""
    return "inode" in entry and _identity(file) == {"inode": entry["inode"], "changed": entry["changed"]}


def checked(path: Path) -> tuple[Path, dict]:
    """The folder a store path names and its manifest, checked against every file there
    (StoreError on any difference). Messages name `path`, as the user gave it."""
    path = Path(path)
    store = folder(path)
    rebuild = f"rebuild it (`derbygraph build --store {path}`)"
    if not store.is_dir():
        raise StoreError(f"{path}: not a derbygraph store: no such folder (run `derbygraph build --store {path}` first)")
    found = _read_manifest(store)
    if found is None:
        hint = " (a store of derbygraph 0.1: rebuild it)" if (store / "CURRENT").is_file() else ""
        raise StoreError(f"{path}: not a derbygraph store{hint} (run `derbygraph build --store {path}`)")
    if found.get("format") != FORMAT:
        raise StoreError(f"{path}: a store of an earlier derbygraph (a plain folder); {rebuild}")
    try:
        files = found["files"]
        for name, expected in files.items():
            file = store / name
            if file.is_symlink() or not file.is_file():
                raise StoreError(f"{path}: store is damaged: {name} is missing; {rebuild}")
            if file.stat().st_size != expected["size"]:
                raise StoreError(f"{path}: store is damaged: {name} does not match its checksum; {rebuild}")
        strays = _strays(store, set(files))
        if strays:
            raise StoreError(f"{path}: store holds {strays[0]}, which its build did not write"
                             f"{f' (and {len(strays) - 1} more)' if len(strays) > 1 else ''}; nothing is served "
                             f"from it: remove it, or {rebuild}")
        read = [name for name in files if not name.startswith(SENT_ONLY) and not _hashed_as(store / name, files[name])]
        for name, digest in zip(read, _digests([store / name for name in read])):
            if digest != files[name]["sha256"]:
                raise StoreError(f"{path}: store is damaged: {name} does not match its checksum; {rebuild}")
    except (KeyError, TypeError, AttributeError):
        raise StoreError(f"{path}: store manifest is unreadable; {rebuild}") from None
    _hold(store)
    return store, found


def open_engine(path: Path) -> ox.Store:
    """The RocksDB store of a (checked) folder, read-only."""
    try:
        return ox.Store.read_only(str(Path(path) / ENGINE))
    except (OSError, RuntimeError) as error:  # RocksDB reports corruption as RuntimeError
        raise StoreError(f"{path}: cannot open store: {' '.join(str(error).split())}") from None


def kept_answer(query: str) -> str:
    """The file of the folder that keeps the answer of `query`: named by the digest of its exact
    text, so a query changed since the build is never answered from it."""
    return f"{KEPT}/{hashlib.sha256(query.encode('utf-8')).hexdigest()[:32]}.srj"


def kept_index(made_from: str) -> str:
    """The file of the folder that keeps an index whole: named by the digest of `made_from`, text
    naming everything the index is made from (its queries and the code that makes it), so an index
    whose making changed since the build is never read from it."""
    return f"{KEPT}/{hashlib.sha256(made_from.encode('utf-8')).hexdigest()[:32]}.json"


def served_file(path: Path, manifest: dict, name: str) -> Path:
    """A file of the folder to send to a client: listed in the manifest checked at opening, a
    regular file (no link followed) of the size it had then, and a dump (`SENT_ONLY`) of its checksum."""
    entry = manifest["files"].get(name)
    file = Path(path) / name
    try:
        stat = os.lstat(file)
    except OSError:
        stat = None
    if entry is None or stat is None or not os.path.isfile(file) or os.path.islink(file) or \
            stat.st_size != entry["size"] or \
            name.startswith(SENT_ONLY) and not _as_built(str(file), entry["sha256"], stat.st_ino, stat.st_ctime_ns):
        raise NotAsBuilt(f"{path}: {name} is not the file the store was built with; rebuild it")
    return file


@functools.lru_cache(maxsize=32)
def _as_built(file: str, sha256: str, inode: int, changed: int) -> bool:
    """Whether a file sent only to clients has the checksum the manifest gives: hashed once while it
    is the same file, at its first sending. `changed` is the inode's change time, which every write
    and every setting of the times moves, and which no program can set back."""
    return _digest(Path(file)) == sha256
