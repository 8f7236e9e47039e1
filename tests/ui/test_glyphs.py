"""Symbols in the window's texts render with the fonts of a plain Debian install (fonts-dejavu: the test
machine has only DejaVu), and a symbol those fonts lack falls back to words instead of a box."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtGui import QRawFont

from desktop_app.ui.glyphs import renders, symbol

UI = Path(__file__).resolve().parents[2] / "desktop_app" / "ui"


def _shown_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that may reach the screen: not docstrings, not the first argument of symbol()."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "symbol" and node.args:
            skip.add(id(node.args[0]))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # an attribute's docstring
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
"""The default sans font of a plain Debian install (fonts-dejavu-core, which fontconfig pulls in)."""


def _in_dejavu(char: str) -> bool:
    assert DEJAVU.exists(), "fonts-dejavu-core is missing: apt-get install fonts-dejavu-core"
    font = QRawFont(str(DEJAVU), 12)
    assert font.isValid()
    return font.supportsCharacter(ord(char))


def test_every_symbol_in_the_window_s_texts_is_in_debian_s_default_font() -> None:
    """Checked against DejaVu Sans itself, so extra fonts on a developer's machine cannot hide a gap."""
    missing = []
    for path in sorted(UI.rglob("*.py")):
        for line, text in _shown_strings(ast.parse(path.read_text(), str(path))):
            for char in sorted({c for c in text if ord(c) > 0x7F}):
                if not _in_dejavu(char):
                    missing.append(f"{path.relative_to(UI)}:{line} U+{ord(char):04X} {char!r}")
    assert not missing, missing


def test_a_symbol_no_font_has_falls_back() -> None:
    assert not _in_dejavu("⏸"), "DejaVu has no ⏸: the case the fallback is for"
    unassigned = "\u0378"  # no character at all: no font can draw it
    assert not renders(unassigned)
    assert symbol(unassigned, "paused") == "paused"
    assert symbol(unassigned) == ""
    assert symbol("✓", "done") == "✓"


@pytest.mark.parametrize("text", ["Mute", "Camera on", "≈ $0.0012 (estimate)", "A−", "Settings › Model"])
def test_labels_render(text: str) -> None:
    assert renders(text)
