"""Architecture rules on the source: Qt only in ui/, the SDK only in live/, an independent emulator."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "desktop_app"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(prefixes: tuple[str, ...], allowed_dirs: tuple[str, ...]) -> list[str]:
    bad = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(allowed_dirs):
            continue
        hits = [name for name in _imports(path) if name.startswith(prefixes)]
        if hits:
            bad.append(f"{rel}: {', '.join(sorted(hits))}")
    return bad


def test_qt_is_imported_only_in_ui() -> None:
    assert _offenders(("PySide6", "PyQt5", "PyQt6", "shiboken6"), ("ui/",)) == []


def test_the_sdk_is_imported_only_in_live() -> None:
    assert _offenders(("google.genai", "google.generativeai"), ("live/",)) == []


def test_the_emulator_shares_no_protocol_code_with_the_client() -> None:
    client = ("desktop_app.live", "desktop_app.relay")
    offenders = [
        f"{p.name}: {sorted(n for n in _imports(p) if n.startswith(client))}"
        for p in (PACKAGE / "emulator").rglob("*.py")
        if any(n.startswith(client) for n in _imports(p))
    ]
    assert offenders == []


def test_the_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from PySide6 import QtCore\nimport google.genai\n")
    assert _imports(sample) == {"PySide6", "google.genai"}
