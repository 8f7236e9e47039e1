"""Catching what the window hands the desktop to open (a folder, a file, a web page), without opening it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@contextmanager
def opened_urls(scheme: str) -> Iterator[list[QUrl]]:
    """Within the block, ``QDesktopServices.openUrl`` of a ``scheme`` URL lands in the yielded list instead
    of opening anything; the handler is removed on the way out. Read the list after the block."""
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler(scheme, catcher, "open")
    try:
        yield catcher.urls
    finally:
        QDesktopServices.unsetUrlHandler(scheme)
