"""The package stands on floors: the README's table names every room, and imports only point down."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "derbygraph"
# Lower floors first: a module may import its own floor's rooms and any floor below, never above.
FLOORS = ["ground", "store", "build", "registry", "answers", "web", "cli"]
GROUND = {"__init__", "config", "errors", "deadline", "dates", "vocab", "resources", "matching"}


def _floor_table() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| floor | rooms | job |"):].split("\n\n", 1)[0]
    return {row.split("|")[1].strip().strip("`"): row.split("|")[2] for row in table.splitlines()[2:]}


def _rooms(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")} | {
        p.name + "/" for p in folder.iterdir() if (p / "__init__.py").exists()}


def test_the_floor_table_names_every_room_and_only_rooms():
    table = _floor_table()
    folders = {str(p.parent.relative_to(PACKAGE)) + "/" for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE}
    assert set(table) - {"cli", "ground"} == folders, "each folder of the package has its own row"
    for folder in folders:
        named = set(re.findall(r"`([a-z_]+/?)`", table[folder]))
        assert named == _rooms(PACKAGE / folder), (folder, sorted(named ^ _rooms(PACKAGE / folder)))
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"cli"}
    assert set(re.findall(r"`([a-z_]+)`", table["ground"])) | {"__init__"} == top == GROUND


def _floor(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[1] in FLOORS else "ground"


def _imports(path: Path, module: str):
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - max(node.level - 1, 0)] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
            for alias in node.names:
                yield node.lineno, target if target != "derbygraph" else f"derbygraph.{alias.name}"
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)


def test_imports_only_point_down_the_floors():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if module == "derbygraph":
            continue
        here = FLOORS.index(_floor(module))
        for line, target in _imports(path, module):
            if target.startswith("derbygraph.") and FLOORS.index(_floor(target)) > here:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not upward, "\n".join(upward)


def test_no_two_rooms_import_each_other():
    edges = set()
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for _, target in _imports(path, module):
            if target.startswith("derbygraph.") and not module.startswith(target + ".") and target != module:
                edges.add((module, target))
    circles = sorted(f"{a} <-> {b}" for a, b in edges if (b, a) in edges and a < b)
    assert not circles, circles


def test_the_tests_stand_on_the_same_floors():
    """A room's tests are found by its floor: tests/<floor>/ for each floor of the package, tests/graph/
    for the ontology and the facts; the end-to-end tests and the shared fixtures stand at the top."""
    tests = ROOT / "tests"
    folders = {p.name for p in tests.iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    assert folders == set(FLOORS) - {"ground", "cli"} | {"graph"}
