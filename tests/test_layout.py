"""The README's layout tables name every module of the package, and only modules that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "derbygraph"


def _first_column(table_heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index(table_heading):].split("\n\n", 1)[0]
    return " ".join(row.split("|")[1] for row in table.splitlines()[2:])


def _modules(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")} | {
        p.name for p in folder.iterdir() if (p / "__init__.py").exists()}


def test_the_module_table_names_every_module_and_only_modules():
    named = set(re.findall(r"`([a-z_]+)/?`", _first_column("| module | job |")))
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert named >= modules, f"not in the README's module table: {sorted(modules - named)}"
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    known = _modules(PACKAGE) | {m for sub in subpackages for m in _modules(PACKAGE / sub)}
    assert named <= known, f"named in the README but not in the package: {sorted(named - known)}"


def test_each_subpackage_has_a_row_naming_its_modules():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for sub in (p for p in PACKAGE.iterdir() if (p / "__init__.py").exists()):
        row = next((line for line in readme.splitlines()
                    if line.startswith((f"| `derbygraph/{sub.name}/`", f"| `{sub.name}/`")) or f"`{sub.name}/` (" in line),
                   None)
        assert row is not None, f"the README has no row for derbygraph/{sub.name}/"
        described = row if row.startswith(f"| `derbygraph/{sub.name}/`") else row[row.index(f"`{sub.name}/`"):]
        assert set(re.findall(r"`([a-z_]+)`", described)) >= _modules(sub), (sub.name, sorted(_modules(sub)))
