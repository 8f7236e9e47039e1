"""Wayland's way to global keys: the XDG desktop portal's ``org.freedesktop.portal.GlobalShortcuts``.

:func:`probe_portal` asks the session bus (QtDBus) whether a portal offering GlobalShortcuts runs, and says
plainly why not when it does not: no session bus, no portal, or a portal without that interface. The
answer is a :class:`PortalProbe`; the settings show its ``reason`` next to the command fallback. Binding
keys through the portal needs a user-approved session (CreateSession, BindShortcuts, then the
``Activated``/``Deactivated`` signals), which this version does not do yet: an available portal is
reported as such, never as an active shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage

__all__ = ["PORTAL_INTERFACE", "PortalProbe", "probe_portal"]

PORTAL_SERVICE = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
PORTAL_INTERFACE = "org.freedesktop.portal.GlobalShortcuts"


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
    if names is None or not names.isServiceRegistered(PORTAL_SERVICE).value():
        return PortalProbe(False, "No XDG desktop portal runs in this session (xdg-desktop-portal).")
    props = QDBusInterface(PORTAL_SERVICE, PORTAL_PATH, "org.freedesktop.DBus.Properties", bus)
    props.setTimeout(1000)
    reply = props.call("Get", PORTAL_INTERFACE, "version")
    if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
        return PortalProbe(False, "The desktop portal here has no GlobalShortcuts interface.")
    value = reply.arguments()[0]
    version = int(value) if isinstance(value, int) else 0
    if version <= 0:
        return PortalProbe(False, "The desktop portal here has no GlobalShortcuts interface.")
    return PortalProbe(
        True,
        f"The desktop portal offers global shortcuts (version {version}), but this version of the app "
        "cannot bind them yet.",
        version,
    )
