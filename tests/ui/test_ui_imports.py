"""The window's layer: ``desktop_app.ui`` imports only the core, the controller's façade and itself, and
its view models import no Qt at all.

Relative imports count too (``from ..config import Settings`` is resolved before it is judged).
"""

from __future__ import annotations

import ast
from pathlib import Path

import desktop_app.ui

UI_DIR = Path(desktop_app.ui.__file__).parent
ALLOWED = ("desktop_app.core", "desktop_app.controller_api", "desktop_app.ui")
QT_FREE = (
    "app_main.py",
    "connection_status.py",
    "consent_desk.py",
    "history_model.py",
    "tool_view.py",
    "transcript_model.py",
    "usage_status.py",
)
"""The pure view models (testable without a QApplication), and the entry point the CLI imports in every
mode."""


def _package_of(path: Path) -> str:
    relative = path.relative_to(UI_DIR.parent.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    else:
        parts.pop()  # a module's relative imports start from its package
    return ".".join(parts)


def imported_modules(source: str, package: str) -> list[str]:
    """Every module ``source`` imports, relative ones resolved against ``package``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name == "desktop_app":  # ``from desktop_app import config`` imports the module named
                found.extend(f"desktop_app.{alias.name}" for alias in node.names)
            else:
                found.append(name)
    return found


def project_imports(source: str, package: str) -> list[str]:
    """The ``desktop_app`` modules among :func:`imported_modules`."""
    found = imported_modules(source, package)
    return [name for name in found if name == "desktop_app" or name.startswith("desktop_app.")]


def offenders(source: str, package: str) -> list[str]:
    return [
        name
        for name in project_imports(source, package)
        if not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED)
    ]


def test_the_ui_imports_only_core_and_the_controller_api() -> None:
    bad = {
        str(path.relative_to(UI_DIR)): found
        for path in sorted(UI_DIR.rglob("*.py"))
        if (found := offenders(path.read_text(encoding="utf-8"), _package_of(path)))
    }
    assert bad == {}


def test_the_check_can_fail() -> None:
    source = (
        "from desktop_app.config import Settings\n"
        "from ..history import HistoryStore\n"
        "from desktop_app import resources\n"
        "import desktop_app.audio.devices\n"
        "def late():\n"
        "    from desktop_app.controller import SESSION_FIELDS\n"
        "from desktop_app.core.events import Event\n"
        "from .theme import COLORS\n"
        "from desktop_app.controller_api import Controller\n"
    )
    assert sorted(offenders(source, "desktop_app.ui")) == [
        "desktop_app.audio.devices",
        "desktop_app.config",
        "desktop_app.controller",
        "desktop_app.history",
        "desktop_app.resources",
    ]


def test_the_view_models_import_no_qt() -> None:
    def qt_in(path: Path) -> list[str]:
        names = imported_modules(path.read_text(encoding="utf-8"), "desktop_app.ui")
        return [name for name in names if name.split(".")[0] in ("PySide6", "shiboken6")]

    assert [name for name in QT_FREE if qt_in(UI_DIR / name)] == []
    assert qt_in(UI_DIR / "bridge.py") == ["shiboken6", "PySide6.QtCore"], "the check sees Qt imports"
