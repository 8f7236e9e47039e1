"""One run of the desktop window: the loop thread, the bridge, the window and the controller, in order.

:class:`WindowApp` starts fast: it starts the loop thread, shows the window, and only then (on the next
turn of the Qt loop) reads the saved key off the Qt thread, builds the controller and submits its
``start()``. Closing the window shuts down in order: ``controller.stop()`` on the loop thread (session,
capture, playback, relay), then :meth:`LoopThread.stop`, then the window closes and :attr:`finished` fires.
If the controller does not stop within ``shutdown_timeout_s`` the rest goes ahead anyway (and says so).
With ``desktop=True`` it also runs the :class:`~desktop_app.ui.desktop_presence.DesktopPresence` (tray,
caption overlay, global keys, notifications) and, given the one-instance lock, answers other launches
(:mod:`desktop_app.ui.instance_server`).

:func:`run` is the whole program around it: QApplication, theme, Ctrl+C / SIGTERM as a polite close.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Unpack

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from desktop_app.controller_api import (
    Controller,
    ControllerFactory,
    LoopThread,
    Settings,
    StoredKey,
)
from desktop_app.core.redaction import Redactor
from desktop_app.ui.app_main import WindowOptions
from desktop_app.ui.bridge import CommandRunner, EventBridge
from desktop_app.ui.desktop_presence import DesktopPresence
from desktop_app.ui.glyphs import app_icon
from desktop_app.ui.instance_client import InstanceLock
from desktop_app.ui.instance_server import InstanceServer
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.theme import apply_theme
from desktop_app.ui.window_ports import WindowPorts

__all__ = ["WindowApp", "run"]

log = logging.getLogger(__name__)


class WindowApp(QObject):
    """See the module docstring. Construct on the Qt thread with a QApplication in place; ``ports`` are
    the stores and the monitor lister the window uses (``WindowPorts()``: the user's real ones)."""

    finished = Signal()

    def __init__(
        self,
        settings: Settings,
        controller_factory: ControllerFactory,
        ports: WindowPorts,
        *,
        loop: LoopThread | None = None,
        shutdown_timeout_s: float = 15.0,
        screen: str | None = None,
        desktop: bool = False,
        instance_lock: InstanceLock | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._initial_screen = screen
        self._factory = controller_factory
        self.loop = loop or LoopThread("asyncio-loop")
        self._key_store = ports.key_store
        self._shutdown_timeout_ms = int(shutdown_timeout_s * 1000)
        self.bridge = EventBridge(self)
        self.runner = CommandRunner(self.loop, self)
        self.window = MainWindow(settings, self.runner, ports)
        self.bridge.received.connect(self.window.on_event)
        self.window.close_requested.connect(self.shutdown)
        self.presence: DesktopPresence | None = None
        if desktop:
            self.presence = DesktopPresence(self.window, parent=self)
            self.bridge.received.connect(self.presence.on_event)  # after the window: it reads its transcript
            self.window.hide_on_close = self.presence.hide_on_close
            self.presence.quit_requested.connect(self.window.quit)
        self.instance_lock = instance_lock
        self.instance_server: InstanceServer | None = None
        if instance_lock is not None:
            self.instance_server = InstanceServer(parent=self)
            if self.presence is not None:
                self.instance_server.command.connect(self.presence.run_command)
        self.controller: Controller | None = None
        self._start_future: concurrent.futures.Future[None] | None = None
        self._shutting_down = False
        self.done = False
        self.clean = True
        """False when the controller did not stop in time or failed to stop."""

    def start(self) -> None:
        """Start the loop thread, show the window, then build and start the controller."""
        self.loop.start()
        if self.instance_server is not None:
            self.instance_server.listen()
        self.window.show()
        if self.presence is not None:
            self.presence.apply(self.settings)
        QTimer.singleShot(0, self._load_key)

    def _load_key(self) -> None:
        self.runner.run_blocking(
            "Reading the saved API key",
            self._key_store.load,
            on_result=self._start_controller,
            on_error=lambda _message: self._start_controller(StoredKey()),
        )

    def _start_controller(self, stored: StoredKey) -> None:
        if self._shutting_down:
            return
        self.window.set_stored_key(stored)
        if stored.failed:  # the key store was unavailable: say what was done instead
            self.window.notices.add(stored.warning, "warning", timeout_s=30)
        settings = self.settings
        if not settings.api_key and stored.key:
            settings = dataclasses.replace(settings, api_key=stored.key)
            self.settings = settings
            self.window.settings = settings
        self.runner.set_redactor(Redactor([settings.api_key]))
        try:
            controller = self._factory(settings, self.bridge.publish)
        except Exception as err:
            log.error("the controller could not be built", exc_info=err)
            self.window.notices.add(f"The app could not start: {err}", "error")
            return
        self.controller = controller
        self.window.attach(controller)
        self._start_future = self.runner.submit("Starting", controller.start, on_result=self._started)

    def _started(self, _none: None) -> None:
        if self._initial_screen is not None and self.controller is not None and not self._shutting_down:
            self.runner.submit("Sharing the screen", self.controller.set_screen, self._initial_screen)

    def shutdown(self) -> None:
        """Stop the controller on the loop, then the loop, then close the window (idempotent)."""
        if self._shutting_down:
            return
        self._shutting_down = True
        if self._start_future is not None and not self._start_future.done():
            self._start_future.cancel()
        QTimer.singleShot(self._shutdown_timeout_ms, self, self._stop_timed_out)
        if self.controller is None:
            self._finish()
            return
        self.runner.submit(
            "Shutting down",
            self.controller.stop,
            on_result=lambda _none: self._finish(),
            on_error=self._stop_failed,
        )

    def _stop_failed(self, message: str) -> None:
        log.error("%s", message)
        self.clean = False
        self._finish()

    def _stop_timed_out(self) -> None:
        if not self.done:
            log.error(
                "the controller did not stop within %.0f s; closing anyway", self._shutdown_timeout_ms / 1000
            )
            self.clean = False
            self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        if self.instance_server is not None:
            self.instance_server.close()
        if self.presence is not None:
            self.presence.stop()
        self.runner.cancel_all()
        self.bridge.close()
        self.loop.stop()
        if shiboken6.isValid(self.window):  # someone may have deleted the window to get here
            if self.window.state_file is not None:
                self.window.state_file.write_now({"closed": True, "clean": self.clean})
            self.window.allow_close()
            self.window.close()
        self.finished.emit()


def _route_qt_messages() -> None:
    """Qt's own warnings go to logging (a missing plugin, a bad style sheet), not to raw stderr."""
    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: Any, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


@contextmanager
def _signals_close(target: Callable[[], object]) -> Iterator[None]:
    """Ctrl+C and SIGTERM close the window politely (Qt's loop would otherwise never see them)."""
    receive, send = socket.socketpair()
    receive.setblocking(False)
    send.setblocking(False)
    notifier = QSocketNotifier(receive.fileno(), QSocketNotifier.Type.Read)

    def on_readable() -> None:
        try:
            receive.recv(64)
        except OSError:
            return
        target()

    notifier.activated.connect(on_readable)
    previous_fd = signal.set_wakeup_fd(send.fileno())
    previous = {sig: signal.signal(sig, lambda *_args: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        notifier.setEnabled(False)
        receive.close()
        send.close()


def run(settings: Settings, controller_factory: ControllerFactory, **options: Unpack[WindowOptions]) -> int:
    """Run the window until it is closed; returns the exit code (0, or 1 after an unclean shutdown).

    ``options["screen"]`` (``"1"``, ``"L,T,WxH"``…) starts sharing that screen once the controller has
    started. ``options["instance_lock"]`` (held by the caller, see :mod:`desktop_app.ui.instance_client`)
    makes this window the one other launches and ``--toggle-mute``/``--show``/… talk to.
    """
    _route_qt_messages()
    argv = options.get("argv")
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv[:1]))
    assert isinstance(app, QApplication)
    app.setApplicationName("Gemini Live")
    app.setApplicationDisplayName("Gemini Live")
    app.setDesktopFileName("gemini-live-desktop")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    window_app = WindowApp(
        settings,
        controller_factory,
        WindowPorts(),  # the user's real key store, window memory, monitors and history
        screen=options.get("screen"),
        desktop=True,
        instance_lock=options.get("instance_lock"),
    )
    window_app.finished.connect(app.quit)
    app.setQuitOnLastWindowClosed(False)  # hidden to the tray is not closed; finished quits
    with _signals_close(window_app.window.quit):
        window_app.start()
        app.exec()
    if not window_app.done:  # the Qt loop ended some other way: still stop in order
        window_app.shutdown()
        window_app._finish()
    return 0 if window_app.clean else 1
