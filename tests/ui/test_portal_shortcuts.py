"""The Wayland path of the global keys: a real private D-Bus session bus (dbus-daemon) with a fake
GlobalShortcuts portal in a process of its own (tests/ui/fake_portal.py). Binding reports the triggers the
portal answered with, Activated/Deactivated drive push-to-talk and mute, and a declined dialog or an
absent portal says so and never claims a key."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtDBus import QDBusConnection
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.ui.global_shortcuts import FALLBACK, GlobalShortcuts
from desktop_app.ui.portal_shortcuts import PortalProbe, portal_trigger, probe_portal

ROOT = Path(__file__).resolve().parents[2]


Portal = Callable[[str], subprocess.Popen[str]]


@pytest.fixture
def fake_portal(bus_address: str) -> Iterator[Portal]:
    started: list[subprocess.Popen[str]] = []

    def start(mode: str) -> subprocess.Popen[str]:
        service = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.fake_portal", bus_address, mode],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(service)
        assert service.stdout is not None
        assert service.stdout.readline().strip() == "ready"
        return service

    yield start
    for service in started:
        service.terminate()
        service.wait(10)


def _keys(bus_address: str, name: str) -> GlobalShortcuts:
    probe = lambda: probe_portal(QDBusConnection.connectToBus(bus_address, name))  # noqa: E731
    return GlobalShortcuts(platform="wayland", portal=probe, portal_address=bus_address)


def _send(portal: subprocess.Popen[str], line: str) -> None:
    assert portal.stdin is not None
    portal.stdin.write(line + "\n")
    portal.stdin.flush()


def _bound(keys: GlobalShortcuts, qtbot: QtBot) -> None:
    """Wait for the portal's answer (the status after "Asking the desktop…")."""
    with qtbot.waitSignal(
        keys.status_changed, timeout=10_000, check_params_cb=lambda text: not text.startswith("Asking")
    ):
        keys.apply(Settings())


@pytest.mark.parametrize(
    ("text", "trigger"),
    [("Ctrl+Alt+Space", "CTRL+ALT+space"), ("F9", "F9"), ("shift+super+M", "SHIFT+LOGO+m")],
)
def test_a_key_is_proposed_in_the_portal_syntax(text: str, trigger: str) -> None:
    assert portal_trigger(text) == trigger


def test_the_bound_triggers_are_reported_and_the_keys_drive_talk_and_mute(
    qtbot: QtBot, bus_address: str, fake_portal: Portal
) -> None:
    portal = fake_portal("talk=Press F7,mute=F8")
    keys = _keys(bus_address, "portal-bind")
    talk: list[bool] = []
    mutes: list[None] = []
    keys.talk.connect(talk.append)
    keys.toggle_mute.connect(lambda: mutes.append(None))
    _bound(keys, qtbot)
    try:
        assert keys.active == {"talk", "mute"}
        assert keys.status == "Hold Press F7 to talk from any application. F8 mutes or unmutes."
        assert portal.stdout is not None
        session, asked = json.loads(portal.stdout.readline())
        assert session.startswith("/org/freedesktop/portal/desktop/session/")
        assert asked == [
            ["talk", "Hold to talk to Gemini", "CTRL+ALT+space"],
            ["mute", "Mute or unmute Gemini", "CTRL+ALT+m"],
        ]
        with qtbot.waitSignal(keys.talk, timeout=10_000):
            _send(portal, "activate talk")
        with qtbot.waitSignal(keys.talk, timeout=10_000):
            _send(portal, "deactivate talk")
        with qtbot.waitSignal(keys.toggle_mute, timeout=10_000):
            _send(portal, "activate mute")
        _send(portal, "deactivate mute")  # a release of the mute key does nothing …
        _send(portal, "activate other")  # … nor does a key this app did not bind
        with qtbot.waitSignal(keys.talk, timeout=10_000):
            _send(portal, "activate talk")  # in order after both: they have been handled by now
        assert talk == [True, False, True] and len(mutes) == 1
        with qtbot.waitSignal(keys.status_changed, timeout=10_000) as changed:
            _send(portal, "change talk=F6")  # the user changed them in the desktop's settings
        assert changed.args[0].startswith("Hold F6 to talk from any application. Not active: the desktop ")
        assert keys.active == {"talk"} and FALLBACK in keys.status
        with qtbot.waitSignal(keys.status_changed, timeout=10_000) as closed:
            _send(portal, "close")
        assert "The desktop ended the shortcut session." in closed.args[0]
        assert keys.active == frozenset() and FALLBACK in keys.status
    finally:
        keys.stop()
    assert "portal-shortcuts" not in {t.name for t in threading.enumerate()}


def test_a_key_the_user_left_out_is_not_claimed(qtbot: QtBot, bus_address: str, fake_portal: Portal) -> None:
    fake_portal("talk=F7")
    keys = _keys(bus_address, "portal-partial")
    _bound(keys, qtbot)
    keys.stop()
    assert keys.status.startswith("Hold F7 to talk from any application. Not active: the desktop did not ")
    assert "bind the mute key." in keys.status and FALLBACK in keys.status


def test_a_declined_dialog_says_so_and_claims_nothing(
    qtbot: QtBot, bus_address: str, fake_portal: Portal
) -> None:
    fake_portal("refuse")
    keys = _keys(bus_address, "portal-refuse")
    _bound(keys, qtbot)
    keys.stop()
    assert keys.active == frozenset()
    assert "declined in the desktop's dialog" in keys.status and FALLBACK in keys.status
    assert "Hold" not in keys.status


def test_without_a_portal_no_session_starts_and_the_status_says_why(qtbot: QtBot, bus_address: str) -> None:
    keys = _keys(bus_address, "portal-absent")
    keys.apply(Settings())
    assert keys.active == frozenset()
    assert "No XDG desktop portal runs" in keys.status and FALLBACK in keys.status
    assert "portal-shortcuts" not in {t.name for t in threading.enumerate()}


def test_nothing_is_claimed_while_asking_nor_when_the_bus_fails(qtbot: QtBot) -> None:
    keys = GlobalShortcuts(
        platform="wayland",
        portal=lambda: PortalProbe(True, "offers", 1),
        portal_address="unix:path=/nonexistent/bus",
    )
    with qtbot.waitSignal(
        keys.status_changed, timeout=10_000, check_params_cb=lambda text: not text.startswith("Asking")
    ) as failed:
        keys.apply(Settings())  # the answer comes through the event loop: not before this returns
        assert keys.active == frozenset() and keys.status.startswith("Asking the desktop")
    keys.stop()
    assert "session bus cannot be reached" in failed.args[0] and FALLBACK in failed.args[0]
