"""The global push-to-talk and mute keys: which mechanism works here, and the keys as Qt signals.

:class:`GlobalShortcuts` picks the mechanism from the Qt platform: on X11 (``xcb``) it grabs the keys
(:mod:`desktop_app.ui.x11_hotkeys`); on Wayland it asks the desktop portal
(:mod:`desktop_app.ui.portal_shortcuts`, then a :class:`~desktop_app.ui.portal_session.PortalSession`: the
desktop shows its own dialog, where the user may accept, change or refuse each key); elsewhere nothing.
:attr:`GlobalShortcuts.status` is one honest sentence for the settings: which keys are active (on Wayland,
the triggers the portal reports, once it has answered), or why not, always ending with the command
fallback when a key is not active. The X reader thread and the portal thread only emit :attr:`_key` and
:attr:`_bound` (queued to the Qt thread); everything else happens here on the Qt thread. Call
:meth:`apply` with the settings whenever they change and :meth:`stop` before the application quits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication

from desktop_app.controller_api import Settings
from desktop_app.ui.portal_session import BindResult, PortalSession, Shortcut
from desktop_app.ui.portal_shortcuts import PortalProbe, portal_trigger, probe_portal
from desktop_app.ui.x11_hotkeys import X11KeyGrab, X11Unavailable

__all__ = ["FALLBACK", "GlobalShortcuts"]

log = logging.getLogger(__name__)

FALLBACK = (
    "Instead, bind these commands in your desktop's keyboard settings: "
    "“gemini-live-desktop --push-to-talk start” (key down), “… --push-to-talk stop” (key up) and "
    "“gemini-live-desktop --toggle-mute”."
)


class GlobalShortcuts(QObject):
    """See the module docstring. :attr:`talk` fires with True/False as the talk key goes down/up;
    :attr:`toggle_mute` when the mute key is pressed; :attr:`status_changed` with the new sentence."""

    talk = Signal(bool)
    toggle_mute = Signal()
    status_changed = Signal(str)
    _key = Signal(str, bool)  # from the X reader or portal thread: queued to this object's thread
    _bound = Signal(int, object)  # (session number, BindResult) from the portal thread: queued

    def __init__(
        self,
        *,
        platform: str | None = None,
        portal: Callable[[], PortalProbe] = probe_portal,
        portal_address: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``portal`` probes for the portal and ``portal_address`` is the bus the session uses (both
        default to the session bus; tests pass a private bus)."""
        super().__init__(parent)
        self._platform = platform
        self._portal = portal
        self._portal_address = portal_address
        self._grab: X11KeyGrab | None = None
        self._session: PortalSession | None = None
        self._sessions = 0  # numbers each portal session, so a stopped one's late answer is ignored
        self._bindings: dict[str, str] = {}
        self.active: frozenset[str] = frozenset()
        """The bindings that work now: ``"talk"`` and/or ``"mute"``."""
        self.status = "Global shortcuts are off."
        self._key.connect(self._on_key, Qt.ConnectionType.QueuedConnection)
        self._bound.connect(self._on_bound, Qt.ConnectionType.QueuedConnection)

    def apply(self, settings: Settings) -> None:
        """(Re)bind the keys the settings name, or release them when ``global_shortcuts`` is off."""
        self.stop()
        if not settings.global_shortcuts:
            self._set_status(frozenset(), "Global shortcuts are off.")
            return
        platform = self._platform or QGuiApplication.platformName()
        bindings = {"talk": settings.talk_shortcut, "mute": settings.mute_shortcut}
        if platform == "xcb":
            self._grab_x11(bindings)
        elif platform.startswith("wayland"):
            self._bind_portal(bindings)
        else:
            self._set_status(
                frozenset(), f"Global keys need X11 or a Wayland desktop portal (Qt runs on “{platform}”)."
            )

    def _grab_x11(self, bindings: dict[str, str]) -> None:
        grab = X11KeyGrab(bindings, lambda name, pressed: self._key.emit(name, pressed))
        try:
            failures = grab.start()
        except X11Unavailable as err:
            self._set_status(frozenset(), f"The keys cannot be grabbed: {err}.")
            return
        self._grab = grab
        active = grab.active
        parts = []
        if "talk" in active:
            parts.append(f"Hold {bindings['talk']} to talk from any application.")
        if "mute" in active:
            parts.append(f"{bindings['mute']} mutes or unmutes.")
        parts += [f"Not active: {reason}" for reason in failures.values()]
        self._set_status(active, " ".join(parts))

    def _bind_portal(self, bindings: dict[str, str]) -> None:
        probe = self._portal()
        if not probe.available:
            self._set_status(
                frozenset(), f"On Wayland global keys go through the desktop portal. {probe.reason}"
            )
            return
        wanted: dict[str, Shortcut] = {}
        problems = []
        for name, description in (("talk", "Hold to talk to Gemini"), ("mute", "Mute or unmute Gemini")):
            try:
                wanted[name] = Shortcut(description, portal_trigger(bindings[name]))
            except ValueError as err:
                problems.append(f"Not active: {err}")
        self._bindings = bindings
        self._sessions += 1
        number = self._sessions
        session = PortalSession(
            wanted,
            lambda result: self._bound.emit(number, result),
            lambda name, pressed: self._key.emit(name, pressed),
            address=self._portal_address,
        )
        self._session = session
        session.start()
        self._set_status(
            frozenset(),
            " ".join(
                [
                    "Asking the desktop to bind the keys: answer its dialog. Until it does, no key is "
                    "active.",
                    *problems,
                ]
            ),
        )

    def _on_bound(self, number: int, result: BindResult) -> None:
        if number != self._sessions or self._session is None:
            return  # a session stopped since
        parts = []
        if "talk" in result.bound:
            parts.append(
                f"Hold {result.bound['talk'] or self._bindings['talk']} to talk from any application."
            )
        if "mute" in result.bound:
            parts.append(f"{result.bound['mute'] or self._bindings['mute']} mutes or unmutes.")
        missing = [name for name in ("talk", "mute") if name not in result.bound]
        if result.reason:
            parts.append(f"Not active: {result.reason}")
        elif missing:
            names = " and ".join({"talk": "the talk key", "mute": "the mute key"}[n] for n in missing)
            parts.append(f"Not active: the desktop did not bind {names}.")
        self._set_status(frozenset(result.bound), " ".join(parts))

    def _set_status(self, active: frozenset[str], text: str) -> None:
        self.active = active
        if len(active) < 2:
            text = f"{text} {FALLBACK}"
        self.status = text
        if active != {"talk", "mute"}:
            log.info("global shortcuts: %s", text)
        self.status_changed.emit(text)

    def _on_key(self, name: str, pressed: bool) -> None:
        if name == "talk":
            self.talk.emit(pressed)
        elif name == "mute" and pressed:
            self.toggle_mute.emit()

    def stop(self) -> None:
        """Release every grabbed key, end the portal session and stop their threads (idempotent)."""
        if self._grab is not None:
            grab, self._grab = self._grab, None
            grab.stop()
        if self._session is not None:
            session, self._session = self._session, None
            session.stop()
        self.active = frozenset()
