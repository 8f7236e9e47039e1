"""Fixtures for the window tests (pytest-qt, offscreen): a themed QApplication, a tmp config dir, an in-memory
keyring, and a WindowApp wired to a recording controller on a real loop thread.

A Qt warning (``qt_log_level_fail``) or a WARNING log fails a test here, as everywhere in the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt creates the QApplication

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.controller_api import MonitorInfo
from desktop_app.core.events import Event
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyStore
from desktop_app.ui.theme import apply_theme
from desktop_app.ui.window_app import WindowApp
from desktop_app.ui.window_memory import WindowMemory
from desktop_app.ui.window_ports import WindowPorts
from tests.ui.fake_controller import RecordingController
from tests.ui.fake_screens import fake_choices


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.gui)
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))


@pytest.fixture(autouse=True)
def _private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, the key file and window.ini go to a temporary directory; no key from the environment."""
    folder = tmp_path / "config"
    monkeypatch.setenv("GLD_CONFIG_DIR", str(folder))
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return folder


@pytest.fixture(scope="session", autouse=True)
def _themed(qapp: QApplication) -> None:
    """The real style sheet, so a broken rule shows up as a Qt warning in every test."""
    apply_theme(qapp)


class MemoryKeyring:
    """A keyring backend in memory (the keyring package's interface, the part KeyStore uses)."""

    def __init__(self, broken: bool = False) -> None:
        self.store: dict[tuple[str, str], str] = {}
        self.broken = broken

    def get_password(self, service: str, user: str) -> str | None:
        if self.broken:
            raise RuntimeError("locked")
        return self.store.get((service, user))

    def set_password(self, service: str, user: str, password: str) -> None:
        if self.broken:
            raise RuntimeError("locked")
        self.store[(service, user)] = password

    def delete_password(self, service: str, user: str) -> None:
        self.store.pop((service, user), None)


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def key_store(_private_config: Path, keyring_backend: MemoryKeyring) -> KeyStore:
    return KeyStore(_private_config, backend=keyring_backend)


class Harness:
    """A running WindowApp with its recording controller."""

    def __init__(self, app: WindowApp, qtbot: QtBot) -> None:
        self.app = app
        self.qtbot = qtbot

    @property
    def window(self) -> Any:
        return self.app.window

    @property
    def controller(self) -> RecordingController:
        controller = self.app.controller
        assert isinstance(controller, RecordingController)
        return controller

    def emit(self, *events: Event) -> None:
        self.controller.emit(*events)

    def wait(self, condition: Any, timeout: int = 5000) -> None:
        self.qtbot.waitUntil(condition, timeout=timeout)

    def wait_call(self, name: str, *args: Any) -> None:
        self.wait(lambda: self.controller.last(name) == args)

    def close(self) -> None:
        if not self.app.done:
            with self.qtbot.waitSignal(self.app.finished, timeout=10_000):
                self.window.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(backend="emulator", video_source=None)


@pytest.fixture
def harness(qtbot: QtBot, settings: Settings, key_store: KeyStore, tmp_path: Path) -> Iterator[Harness]:
    """The window, shown, with its controller built and started."""
    loop = LoopThread("test-loop")

    def factory(s: Settings, publish: Any) -> RecordingController:
        return RecordingController(s, publish, loop)

    app = WindowApp(
        settings,
        factory,
        WindowPorts(
            key_store=key_store,
            memory=WindowMemory(tmp_path / "window.ini"),
            monitor_lister=lambda: [MonitorInfo(1, 1280, 720, 0, 0), MonitorInfo(2, 1920, 1080, 1280, 0)],
            screen_chooser=fake_choices,
        ),
        loop=loop,
    )
    app.start()  # not qtbot.addWidget: pytest-qt would delete the window before our orderly shutdown
    h = Harness(app, qtbot)
    h.wait(lambda: app.controller is not None and h.controller.names()[:1] == ["start"])
    try:
        yield h
    finally:
        h.close()
        app.window.deleteLater()
        assert "test-loop" not in {t.name for t in threading.enumerate()}


@pytest.fixture
def bus_address() -> Iterator[str]:
    """A private session bus: ``dbus-daemon`` (Debian: dbus-daemon, in packaging/apt-packages.txt)."""
    if shutil.which("dbus-daemon") is None:
        pytest.fail("these tests need dbus-daemon (apt-get install dbus-daemon)")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    try:
        yield address
    finally:
        daemon.terminate()
        daemon.wait(10)
