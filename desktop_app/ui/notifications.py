"""Desktop notifications: ``org.freedesktop.Notifications`` on the session bus, or an honest fallback.

:meth:`Notifier.notify` shows a notification with optional action buttons and returns a key for it at
once; when the user clicks an action, :attr:`Notifier.action_invoked` fires with that key and the
action's id. Without a session bus, a notification service or the ``gdbus`` tool, the notification goes to
``fallback(summary, body)`` instead (the tray's balloon, else a notice in the window) and
:attr:`Notifier.via` says which was used. Construct and call on the Qt thread; nothing here blocks it.

QtDBus finds the service and receives ``ActionInvoked``. The ``Notify`` call itself goes through
``gdbus call`` in a QProcess: the specification types ``replaces_id`` as ``uint32``, and PySide6 can only
marshal a Python int as ``int32`` (or ``uint16``), which every notification service rejects.

Typical use (what the tools' consent work calls)::

    key = notifier.notify("Allow “search”?", "Gemini wants to search the web.",
                          {"allow": "Allow", "deny": "Deny"})
    notifier.action_invoked.connect(lambda k, action: ... if k == key ...)
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Mapping
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import QObject, QProcess, Signal, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

__all__ = ["Notifier"]

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
APP_NAME = "Gemini Live"
_SLOT: Any = QtCore.SLOT("onAction(QDBusMessage)")  # PySide takes this str (not the bytes its stub says)
_REPLY = re.compile(r"\(uint32 (\d+),\)")


def _gvariant_str(text: str) -> str:
    """``text`` as a GVariant string literal for ``gdbus call``."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Notifier(QObject):
    """See the module docstring. ``bus`` defaults to the session bus; pass ``address`` with a private
    ``bus`` (tests). ``fallback`` shows what cannot go to the desktop and must not block."""

    action_invoked = Signal(int, str)

    def __init__(
        self,
        fallback: Callable[[str, str], None],
        *,
        bus: QDBusConnection | None = None,
        address: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fallback = fallback
        self._bus = bus if bus is not None else QDBusConnection.sessionBus()
        self._address = address
        self._gdbus = shutil.which("gdbus")
        self._available = False
        self.via = "none"
        """Where the last notification went: ``"desktop"`` or ``"fallback"``."""
        self.unavailable_reason = ""
        self._next_key = 0
        self._server_ids: dict[int, int] = {}  # the service's id -> our key
        self._early: dict[int, str] = {}  # an action clicked before gdbus told us the id (bounded: 32)
        if not self._bus.isConnected():
            self.unavailable_reason = "there is no D-Bus session bus"
        elif self._gdbus is None:
            self.unavailable_reason = "the gdbus tool is missing (Debian: libglib2.0-bin)"
        else:
            names = self._bus.interface()
            if names is None or not names.isServiceRegistered(SERVICE).value():
                self.unavailable_reason = "no notification service runs on the session bus"
            else:
                self._available = self._bus.connect(SERVICE, PATH, SERVICE, "ActionInvoked", self, _SLOT)

    def close(self) -> None:
        """Send nothing more to the desktop and ignore later clicks (at quit). Keep the notifier alive
        as long as its bus: PySide6 crashes when a receiver of a D-Bus signal hook is deleted early."""
        self._available = False
        self._server_ids.clear()

    @property
    def desktop_available(self) -> bool:
        """True when notifications go to the desktop's notification service."""
        return self._available

    def notify(self, summary: str, body: str = "", actions: Mapping[str, str] | None = None) -> int:
        """Show a notification; ``actions`` maps an action id to its button label. Returns its key."""
        self._next_key += 1
        key = self._next_key
        if not self._available or self._gdbus is None:
            self._to_fallback(summary, body)
            return key
        flat: list[str] = []
        for action_id, label in (actions or {}).items():
            flat += [action_id, label]
        bus = ["--address", self._address] if self._address else ["--session"]
        args = [
            "call", *bus, "--dest", SERVICE, "--object-path", PATH, "--method", f"{SERVICE}.Notify",
            _gvariant_str(APP_NAME), "0", _gvariant_str("gemini-live-desktop"), _gvariant_str(summary),
            _gvariant_str(body), "[" + ", ".join(_gvariant_str(a) for a in flat) + "]", "{}", "--", "-1",
        ]  # fmt: skip
        process = QProcess(self)
        process.finished.connect(lambda code, _status: self._sent(process, key, code, summary, body))
        process.errorOccurred.connect(lambda _error: self._sent(process, key, -1, summary, body))
        self.via = "desktop"
        process.start(self._gdbus, args)
        return key

    def _sent(self, process: QProcess, key: int, code: int, summary: str, body: str) -> None:
        if process.property("handled"):
            return
        process.setProperty("handled", True)
        out = bytes(process.readAllStandardOutput().data()).decode(errors="replace")
        match = _REPLY.search(out)
        if code == 0 and match:
            server_id = int(match.group(1))
            self._server_ids[server_id] = key
            if server_id in self._early:
                self.action_invoked.emit(key, self._early.pop(server_id))
        else:
            err = bytes(process.readAllStandardError().data()).decode(errors="replace").strip()
            log.info("the desktop did not take the notification (%s); showing it here", err or code)
            self._to_fallback(summary, body)
        process.deleteLater()

    def _to_fallback(self, summary: str, body: str) -> None:
        self.via = "fallback"
        self._fallback(summary, body)

    @Slot(QDBusMessage)
    def onAction(self, message: QDBusMessage) -> None:
        """``ActionInvoked(id, action)`` from the notification service."""
        args = message.arguments()
        if len(args) >= 2:
            key = self._server_ids.get(int(args[0]))
            if key is not None:
                self.action_invoked.emit(key, str(args[1]))
            elif len(self._early) < 32:  # drop policy: beyond 32 unmatched clicks, the newest are dropped
                self._early[int(args[0])] = str(args[1])
