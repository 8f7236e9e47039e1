"""Notifications and the Wayland portal over a private D-Bus session bus (a real dbus-daemon), and the
honest answers without one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtDBus import QDBusConnection
from pytestqt.qtbot import QtBot

from desktop_app.ui.notifications import Notifier
from desktop_app.ui.portal_shortcuts import probe_portal

KEEP: list[object] = []
ROOT = Path(__file__).resolve().parents[2]


def _bus(address: str, name: str) -> QDBusConnection:
    bus = QDBusConnection.connectToBus(address, name)
    assert bus.isConnected()
    return bus


@pytest.fixture
def notification_service(bus_address: str) -> Iterator[subprocess.Popen[str]]:
    service = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.fake_notifications", bus_address],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert service.stdout is not None
    assert service.stdout.readline().strip() == "ready"
    try:
        yield service
    finally:
        service.terminate()
        service.wait(10)


def test_a_notification_with_actions_reaches_the_desktop_and_its_click_comes_back(
    qtbot: QtBot, bus_address: str, notification_service: subprocess.Popen[str]
) -> None:
    shown: list[tuple[str, str]] = []
    notifier = Notifier(
        lambda s, b: shown.append((s, b)), bus=_bus(bus_address, "notify-1"), address=bus_address
    )
    assert notifier.desktop_available, notifier.unavailable_reason
    with qtbot.waitSignal(notifier.action_invoked, timeout=10_000) as clicked:
        key = notifier.notify(
            "Allow “search”?", "It's Gemini's 'search' tool.", {"allow": "Allow", "deny": "Deny"}
        )
    assert clicked.args == [key, "allow"]
    assert notification_service.stdout is not None
    line = notification_service.stdout.readline()
    assert '"Allow \\u201csearch\\u201d?"' in line and "It's Gemini's 'search' tool." in line
    assert '["allow", "Allow", "deny", "Deny"]' in line
    assert notifier.via == "desktop" and shown == []
    KEEP.append(notifier)  # deleting a D-Bus signal receiver crashes PySide6: live as long as the app


def test_without_a_notification_service_it_falls_back_and_says_why(qtbot: QtBot, bus_address: str) -> None:
    shown: list[tuple[str, str]] = []
    notifier = Notifier(
        lambda s, b: shown.append((s, b)), bus=_bus(bus_address, "notify-2"), address=bus_address
    )
    assert not notifier.desktop_available
    assert "no notification service" in notifier.unavailable_reason
    notifier.notify("Reconnecting gave up", "Check the network.")
    assert shown == [("Reconnecting gave up", "Check the network.")] and notifier.via == "fallback"


def test_without_a_session_bus_it_falls_back(qtbot: QtBot) -> None:
    shown: list[tuple[str, str]] = []
    bus = QDBusConnection.connectToBus("unix:path=/nonexistent/bus", "no-bus")
    notifier = Notifier(lambda s, b: shown.append((s, b)), bus=bus)
    assert "no D-Bus session bus" in notifier.unavailable_reason
    notifier.notify("Reminder", "")
    assert shown == [("Reminder", "")]


def test_the_portal_path_reports_unavailable_honestly(qtbot: QtBot, bus_address: str) -> None:
    no_bus = probe_portal(QDBusConnection.connectToBus("unix:path=/nonexistent/bus", "no-bus-2"))
    assert not no_bus.available and "no D-Bus session bus" in no_bus.reason
    no_portal = probe_portal(_bus(bus_address, "portal"))
    assert not no_portal.available and "No XDG desktop portal" in no_portal.reason
