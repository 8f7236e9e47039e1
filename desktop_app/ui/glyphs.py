"""Small line icons for the controls, drawn from inline SVG so they need no icon theme or files, and
symbols in text that fall back when the fonts at hand cannot draw them.

:func:`glyph` renders one (24×24 view box, round strokes) in a colour, cached per name, colour and size.
:func:`renders` says whether the application font, or a font Qt falls back to on this system, has a
glyph for every character of a text (a plain Debian install has only DejaVu: it has ✓ and ▸ but not ⏸);
:func:`symbol` gives a symbol where it renders and its fallback text where it does not.
:func:`app_icon` loads the application icon from ``assets/icons`` (PNG sizes, falling back to the SVG),
found through :func:`desktop_app.controller_api.icons_dir`.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QGuiApplication, QIcon, QPainter, QPixmap, QTextLayout
from PySide6.QtSvg import QSvgRenderer

from desktop_app.controller_api import icons_dir

__all__ = ["GLYPHS", "app_icon", "glyph", "renders", "symbol"]

_MIC = '<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3M8.5 21h7"/>'
GLYPHS: dict[str, str] = {
    "mic": _MIC,
    "mic-off": _MIC + '<path d="M4 4l16 16"/>',
    "camera": '<rect x="3" y="6.5" width="13" height="11" rx="2.5"/><path d="M16 11l5-3v8l-5-3z"/>',
    "camera-off": '<rect x="3" y="6.5" width="13" height="11" rx="2.5"/>'
    '<path d="M16 11l5-3v8l-5-3zM3 3l18 18"/>',
    "screen": '<rect x="3" y="4" width="18" height="12" rx="2"/><path d="M8 20h8M12 16v4"/>',
    "pause": '<circle cx="12" cy="12" r="9"/><path d="M10 9v6M14 9v6"/>',
    "eye": '<path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>',
    "headphones": '<path d="M4 16v-4a8 8 0 0 1 16 0v4"/><rect x="3" y="14" width="4" height="6" rx="1.5"/>'
    '<rect x="17" y="14" width="4" height="6" rx="1.5"/>',
    "hand": '<path d="M8 13V6.5a1.5 1.5 0 0 1 3 0V11m0-5.5V4.5a1.5 1.5 0 0 1 3 0V11m0-5a1.5 1.5 0 0 1 3 0v6'
    'm0-3a1.5 1.5 0 0 1 3 0v4a7 7 0 0 1-7 7h-1a6 6 0 0 1-5-2.7L4.5 14a1.6 1.6 0 0 1 2.6-1.8L8 13.5"/>',
    "volume": '<path d="M4 9.5h3.5L12 5v14l-4.5-4.5H4z"/>'
    '<path d="M15.5 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12"/>',
    "settings": '<circle cx="12" cy="12" r="3"/><path d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3'
    'M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1M16.6 7.4l2.1-2.1"/>',
    "send": '<path d="M4 12l16-8-6 16-2.5-6.5z"/><path d="M11.5 13.5L20 4"/>',
    "globe": '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c2.5 2.5 3.8 5.5 3.8 9s-1.3 6.5-3.8 9'
    'c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3z"/>',
    "copy": '<rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1'
    'v10a1 1 0 0 0 1 1h3"/>',
    "close": '<path d="M6 6l12 12M18 6L6 18"/>',
    "history": '<path d="M3.5 12a8.5 8.5 0 1 0 2.5-6"/><path d="M3 3.5v4h4"/><path d="M12 7.5V12l3 2"/>',
    "refresh": '<path d="M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5"/>',
    "key": '<circle cx="8" cy="15" r="4"/><path d="M11 12l9-9M17 6l3 3M15 8l2 2"/>',
    "spark": '<path d="M12 2.5c.6 5 4.5 8.9 9.5 9.5-5 .6-8.9 4.5-9.5 9.5-.6-5-4.5-8.9-9.5-9.5 5-.6 8.9-4.5'
    ' 9.5-9.5z"/>',
}


def _svg(name: str, color: str, stroke: float) -> bytes:
    body = GLYPHS[name]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="{color}" '
        f'stroke-width="{stroke}" stroke-linecap="round" stroke-linejoin="round">{body}</svg>'
    ).encode()


@functools.lru_cache(maxsize=256)
def glyph(name: str, color: str = "#e7e9ef", size: int = 20, stroke: float = 1.8) -> QIcon:
    """An icon drawn from :data:`GLYPHS` (KeyError for an unknown name). Call on the Qt thread."""
    renderer = QSvgRenderer(QByteArray(_svg(name, color, stroke)))
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(QSize(size * scale, size * scale))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size * scale, size * scale))
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        icon.addPixmap(pixmap)
    return icon


def renders(text: str, font: QFont | None = None) -> bool:
    """True when ``font`` (the application's by default) or Qt's fallback fonts on this system have a
    glyph for every character of ``text``. Call on the Qt thread with a QGuiApplication in place."""
    layout = QTextLayout(text, font or QGuiApplication.font())
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    return all(0 not in run.glyphIndexes() for run in layout.glyphRuns())


@functools.lru_cache(maxsize=64)
def symbol(char: str, fallback: str = "") -> str:
    """``char`` where the application font can draw it, else ``fallback`` (text, or nothing). Call on
    the Qt thread with a QGuiApplication in place (the answer is cached for the font it had then)."""
    return char if renders(char) else fallback


def app_icon() -> QIcon:
    """The application icon from its PNG sizes (empty icon when the files are missing)."""
    icon = QIcon()
    try:
        folder = icons_dir()
    except FileNotFoundError:
        return icon
    for png in sorted(folder.glob("gemini-live-desktop-*.png")):
        icon.addFile(str(png))
    if icon.isNull():
        svg = folder / "gemini-live-desktop.svg"
        if svg.exists():
            icon.addFile(str(svg))
    return icon
