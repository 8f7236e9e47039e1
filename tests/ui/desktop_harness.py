"""A WindowApp with its desktop presence (tray, overlay, keys, notifications) and the one-instance socket,
on the recording controller, for the "always at hand" tests. Offscreen Qt: no tray, no X11 keys."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyStore
from desktop_app.ui.desktop_presence import DesktopPresence
from desktop_app.ui.instance_client import InstanceLock
from desktop_app.ui.window_app import WindowApp
from desktop_app.ui.window_memory import WindowMemory
from desktop_app.ui.window_ports import WindowPorts
from tests.ui.conftest import Harness, MemoryKeyring
from tests.ui.fake_controller import RecordingController


class DesktopHarness(Harness):
    @property
    def presence(self) -> DesktopPresence:
        assert self.app.presence is not None
        return self.app.presence


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG_RUNTIME_DIR (the instance socket) and XDG_CONFIG_HOME (the autostart entry)."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    return folder


def desktop_app(
    qtbot: QtBot, settings: Settings, key_store: KeyStore, tmp_path: Path, *, lock: InstanceLock | None
) -> Iterator[DesktopHarness]:
    loop = LoopThread("test-loop")

    def factory(s: Settings, publish: Any) -> RecordingController:
        return RecordingController(s, publish, loop)

    app = WindowApp(
        settings,
        factory,
        WindowPorts(
            key_store=key_store,
            memory=WindowMemory(tmp_path / "window.ini"),
            monitor_lister=lambda: [],
        ),
        loop=loop,
        desktop=True,
        instance_lock=lock,
    )
    app.start()
    h = DesktopHarness(app, qtbot)
    h.wait(lambda: app.controller is not None and h.controller.names()[:1] == ["start"])
    try:
        yield h
    finally:
        if not app.done:
            with qtbot.waitSignal(app.finished, timeout=10_000):
                app.window.quit()
        app.window.deleteLater()
        assert "test-loop" not in {t.name for t in threading.enumerate()}


@contextlib.contextmanager
def started_window(
    qtbot: QtBot, settings: Settings, factory: Any, tmp_path: Path, loop: LoopThread
) -> Iterator[WindowApp]:
    """A started :class:`WindowApp` on ``factory``'s controller with an in-memory key store; closed (and its
    controller stopped) when the block ends: ``with started_window(...) as app: yield app`` in a fixture."""
    app = WindowApp(
        settings,
        factory,
        WindowPorts(
            key_store=KeyStore(tmp_path, backend=MemoryKeyring()),
            memory=WindowMemory(tmp_path / "window.ini"),
        ),
        loop=loop,
    )
    app.start()
    try:
        yield app
    finally:
        if not app.done:
            with qtbot.waitSignal(app.finished, timeout=20_000):
                app.window.close()
        app.window.deleteLater()
