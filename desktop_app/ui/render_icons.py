"""Render the hand-written app icon SVG to the PNG sizes desktops and packagers want.

Run after editing ``assets/icons/gemini-live-desktop.svg``::

    QT_QPA_PLATFORM=offscreen python -m desktop_app.ui.render_icons

It writes ``assets/icons/gemini-live-desktop-<N>.png`` for every size in :data:`SIZES` (and prints them).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from desktop_app.controller_api import icons_dir

__all__ = ["SIZES", "render_icons"]

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_icons(svg: Path, out_dir: Path, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Render ``svg`` at each size into ``out_dir``; returns the files written. Needs a QGuiApplication."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        target = out_dir / f"{svg.stem}-{size}.png"
        if not image.save(str(target), b"PNG"):
            raise OSError(f"could not write {target}")
        written.append(target)
    return written


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    folder = icons_dir()
    for path in render_icons(folder / "gemini-live-desktop.svg", folder):
        print(path)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
