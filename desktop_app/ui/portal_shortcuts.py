"""Wayland's way to global keys: the XDG desktop portal's ``org.freedesktop.portal.GlobalShortcuts``.

:func:`probe_portal` asks the session bus (QtDBus) whether a portal offering GlobalShortcuts runs, and says
plainly why not when it does not: no session bus, no portal, or a portal without that interface. The
answer is a :class:`PortalProbe`; the settings show its ``reason`` next to the command fallback. An
available portal is not yet an active key: the keys are bound by a user-approved session
(:class:`~desktop_app.ui.portal_session.PortalSession`), to which :func:`portal_trigger` gives each key in
the portal's syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage, QDBusVariant

from desktop_app.ui.portal_session import INTERFACE, PATH, SERVICE  # the portal the session binds with
from desktop_app.ui.x11_hotkeys import parse_shortcut

__all__ = ["PortalProbe", "portal_trigger", "probe_portal"]


@dataclass(frozen=True, slots=True)
class PortalProbe:
    """Whether the portal offers global shortcuts (``version`` > 0), and a sentence for the settings."""

    available: bool
    reason: str
    version: int = 0


def probe_portal(bus: QDBusConnection | None = None) -> PortalProbe:
    """Ask the session bus (or ``bus``) for the GlobalShortcuts portal. Blocks for at most ~1 s."""
    bus = bus if bus is not None else QDBusConnection.sessionBus()
    if not bus.isConnected():
        return PortalProbe(False, "There is no D-Bus session bus, so the desktop portal cannot be asked.")
    names = bus.interface()
    if names is None or not names.isServiceRegistered(SERVICE).value():
        return PortalProbe(False, "No XDG desktop portal runs in this session (xdg-desktop-portal).")
    props = QDBusInterface(SERVICE, PATH, "org.freedesktop.DBus.Properties", bus)
    props.setTimeout(1000)
    reply = props.call("Get", INTERFACE, "version")
    if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
        return PortalProbe(False, "The desktop portal here has no GlobalShortcuts interface.")
    value = reply.arguments()[0]
    if isinstance(value, QDBusVariant):  # Properties.Get answers a variant; PySide6 does not unwrap it
        value = value.variant()
    version = int(value) if isinstance(value, int) else 0
    if version <= 0:
        return PortalProbe(False, "The desktop portal here has no GlobalShortcuts interface.")
    return PortalProbe(True, f"The desktop portal offers global shortcuts (version {version}).", version)


_PORTAL_MODIFIERS = ((4, "CTRL"), (8, "ALT"), (1, "SHIFT"), (64, "LOGO"))  # X mask bit -> XDG name


def portal_trigger(text: str) -> str:
    """A key as the settings write it (``Ctrl+Alt+Space``) in the XDG shortcut syntax the portal takes
    as ``preferred_trigger`` (``CTRL+ALT+space``). Raises ValueError, as parse_shortcut, for a bad key."""
    key = parse_shortcut(text)
    return "+".join([name for bit, name in _PORTAL_MODIFIERS if key.modifiers & bit] + [key.keysym])
