"""The running window's end of the one-instance socket: QLocalServer answering :mod:`instance_client`.

Construct it on the Qt thread while holding the :class:`~desktop_app.ui.instance_client.InstanceLock`
(only the lock holder may remove a stale socket file), call :meth:`InstanceServer.listen`, and connect
:attr:`InstanceServer.command` to what each command does. Each connection sends one line; the server
answers ``ok`` (or ``error: …`` for an unknown command) and closes it. A client that sends nothing is
dropped after ``idle_ms``; a line longer than 256 bytes is refused (nothing a client says is trusted).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop_app.ui.instance_client import COMMANDS, socket_path

__all__ = ["InstanceServer"]

log = logging.getLogger(__name__)

_MAX_LINE = 256


class InstanceServer(QObject):
    """See the module docstring. :attr:`command` fires on the Qt thread with the command text."""

    command = Signal(str)

    def __init__(
        self, path: Path | None = None, *, idle_ms: int = 2000, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.path = path or socket_path()
        self._idle_ms = idle_ms
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Listen on :attr:`path` (removing a stale socket file first); False, logged, when it cannot."""
        QLocalServer.removeServer(str(self.path))
        if self._server.listen(str(self.path)):
            return True
        log.error("the instance socket %s cannot listen: %s", self.path, self._server.errorString())
        return False

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        """Stop listening and remove the socket file."""
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            conn = self._server.nextPendingConnection()
            if conn is None:
                return
            conn.readyRead.connect(lambda c=conn: self._read(c))
            conn.disconnected.connect(conn.deleteLater)
            QTimer.singleShot(self._idle_ms, conn, conn.abort)
            if conn.bytesAvailable():
                self._read(conn)

    def _read(self, conn: QLocalSocket) -> None:
        if not conn.canReadLine():
            if conn.bytesAvailable() > _MAX_LINE:
                self._answer(conn, "error: the command is too long")
            return
        line = bytes(conn.readLine(_MAX_LINE + 1).data()).decode(errors="replace").strip()
        if line not in COMMANDS:
            self._answer(conn, f"error: unknown command {line[:40]!r}")
            return
        self._answer(conn, "ok")
        self.command.emit(line)

    @staticmethod
    def _answer(conn: QLocalSocket, text: str) -> None:
        conn.write((text + "\n").encode())
        conn.flush()
        conn.disconnectFromServer()
