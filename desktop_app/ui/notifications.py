"""Desktop notifications: ``org.freedesktop.Notifications`` over QtDBus, or an honest fallback.

:meth:`Notifier.notify` shows a notification with optional action buttons and returns a key for it;
when the user clicks an action, :attr:`Notifier.action_invoked` fires with that key and the action's id.
Without a session bus or a notification service, the notification goes to ``fallback(summary, body)``
instead (the tray's balloon, else a notice in the window) and :attr:`Notifier.via` says which was used.
Construct and call on the Qt thread. Typical use (what the tools' consent work calls)::

    key = notifier.notify("Allow “search”?", "Gemini wants to search the web.", {"allow": "Allow",
                          "deny": "Deny"})
    notifier.action_invoked.connect(lambda k, action: ... if k == key ...)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from PySide6 import QtCore
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtDBus import QDBus, QDBusConnection, QDBusInterface, QDBusMessage

__all__ = ["Notifier"]

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
APP_NAME = "Gemini Live"


class Notifier(QObject):
    """See the module docstring. ``bus`` defaults to the session bus; ``fallback`` shows what cannot go
    to the desktop (it must not block)."""

    action_invoked = Signal(int, str)

    def __init__(
        self,
        fallback: Callable[[str, str], None],
        *,
        bus: QDBusConnection | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fallback = fallback
        self._bus = bus if bus is not None else QDBusConnection.sessionBus()
        self._iface: QDBusInterface | None = None
        self.via = "none"
        """Where the last notification went: ``"desktop"`` or ``"fallback"``."""
        self._next_fallback_key = -1
        if self._bus.isConnected():
            names = self._bus.interface()
            if names is not None and names.isServiceRegistered(SERVICE).value():
                iface = QDBusInterface(SERVICE, PATH, SERVICE, self._bus)
                if iface.isValid():
                    self._iface = iface
                    slot = QtCore.SLOT("_on_action(QDBusMessage)").encode()
                    self._bus.connect(SERVICE, PATH, SERVICE, "ActionInvoked", self, slot)

    @property
    def desktop_available(self) -> bool:
        """True when notifications reach the desktop's notification service."""
        return self._iface is not None

    def notify(self, summary: str, body: str = "", actions: Mapping[str, str] | None = None) -> int:
        """Show a notification; ``actions`` maps an action id to its button label. Returns its key
        (negative when it went to the fallback, whose notices have no buttons)."""
        if self._iface is not None:
            flat: list[str] = []
            for action_id, label in (actions or {}).items():
                flat += [action_id, label]
            args = [APP_NAME, 0, "gemini-live-desktop", summary, body, flat, {}, -1]
            reply = self._iface.callWithArgumentList(QDBus.CallMode.Block, "Notify", args)
            if reply.type() == QDBusMessage.MessageType.ReplyMessage and reply.arguments():
                self.via = "desktop"
                return int(reply.arguments()[0])
            log.info("the desktop did not take the notification (%s); showing it here", reply.errorMessage())
        self.via = "fallback"
        self._fallback(summary, body)
        self._next_fallback_key -= 1
        return self._next_fallback_key

    @Slot(QDBusMessage)
    def _on_action(self, message: QDBusMessage) -> None:
        args = message.arguments()
        if len(args) >= 2:
            self.action_invoked.emit(int(args[0]), str(args[1]))
