"""The desktop ports the window gives the tools: Qt's clipboard and browser, reached from the loop thread.

The tool runtime calls its ports on the asyncio loop thread, but Qt's clipboard and ``QDesktopServices``
belong to the Qt thread. :class:`QtHop` is the crossing: construct it on the Qt thread; from the loop
thread, ``await hop.call(fn)`` runs ``fn()`` on the Qt thread and returns its value (or raises what it
raised), and ``hop.post(fn)`` runs it there without waiting. The only queue is Qt's own event queue, and
it stays short without a drop policy of its own: the tool runtime caps the open calls (``max_open``) and
each call posts at most a card, its withdrawal and one port call. A call made after the window closed
fails at once with a ``ToolError`` (no one would ever answer it); a post then is dropped.

:class:`QtClipboard` and :class:`QtBrowser` implement the tools' ``ClipboardPort`` and ``BrowserPort``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QClipboard, QDesktopServices, QGuiApplication

from desktop_app.controller_api import ToolError
from desktop_app.ui.tool_view import safe_link

__all__ = ["QtBrowser", "QtClipboard", "QtHop", "open_link"]

T = TypeVar("T")


class QtHop(QObject):
    """Runs callables on the Qt thread for the loop thread (see the module docstring)."""

    _run = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run.connect(self._execute, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], object]) -> None:
        """Run ``fn()`` on the Qt thread soon; any thread; never waits. Dropped once the hop is gone."""
        if shiboken6.isValid(self):
            with contextlib.suppress(RuntimeError):  # deleted between the check and the emit
                self._run.emit(fn)

    async def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn()`` on the Qt thread and return its result (loop thread; ``fn`` must be quick)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def run() -> None:
            try:
                value: Any = fn()
            except Exception as exc:
                loop.call_soon_threadsafe(_settle, future, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, future, value, None)

        if not shiboken6.isValid(self):
            raise ToolError("The window is closed.")
        self._run.emit(run)
        return await future

    @Slot(object)
    def _execute(self, fn: Callable[[], object]) -> None:
        fn()


def _settle(future: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(value)


def _clipboard() -> QClipboard:
    clipboard = QGuiApplication.clipboard()
    if clipboard is None:
        raise ToolError("The clipboard is not available.")
    return clipboard


class QtClipboard:
    """The tools' clipboard port on Qt's clipboard (text only)."""

    def __init__(self, hop: QtHop) -> None:
        self._hop = hop

    async def read_text(self) -> str:
        return await self._hop.call(lambda: _clipboard().text())

    async def write_text(self, text: str) -> None:
        await self._hop.call(lambda: _clipboard().setText(text))


def open_link(url: str) -> bool:
    """Open an http/https ``url`` in the default browser (Qt thread). False when refused or it failed."""
    return safe_link(url) and QDesktopServices.openUrl(QUrl(url.strip()))


class QtBrowser:
    """The tools' browser port on ``QDesktopServices.openUrl``."""

    def __init__(self, hop: QtHop) -> None:
        self._hop = hop

    async def open(self, url: str) -> None:
        if not safe_link(url):
            raise ToolError("Only http and https links are opened.")
        if not await self._hop.call(lambda: open_link(url)):
            raise ToolError("No web browser could be opened here.")
