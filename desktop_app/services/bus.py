"""Where every service publishes: one guarded path to the listener, the history tap and the task supervisor.

Each service gets the same :class:`Bus`. It calls :meth:`Bus.publish` for events, :meth:`Bus.notice` for a
problem the user should read, and :attr:`Bus.supervisor` to run its background tasks, so that a task that
fails becomes an ``ErrorEvent`` (see :mod:`desktop_app.runtime.tasks`). Call everything on the loop thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from desktop_app.config import Section, Settings
from desktop_app.core.events import ErrorEvent, Event
from desktop_app.runtime.tasks import TaskFailure, TaskSupervisor

__all__ = ["Bus", "Service", "ServiceBase"]

log = logging.getLogger(__name__)

_PARTS = {
    "microphone": "The microphone",
    "relay-status": "The relay status",
    "vision-pump": "Vision",
    "recording-tick": "The recording",
}


class Bus:
    """``listener`` receives every event on the loop thread and must not block."""

    def __init__(self, listener: Callable[[Event], None]) -> None:
        self._listener = listener
        self.history: Callable[[Event], None] | None = None
        """The history writer, fed every event before the listener (set by the history service)."""
        self.supervisor = TaskSupervisor(on_failure=self._task_failed)

    def publish(self, event: Event) -> None:
        try:
            if self.history is not None:
                self.history(event)
            self._listener(event)
        except Exception:  # a broken listener must not take the engine down
            log.exception("an event listener failed on %s", type(event).__name__)

    def notice(self, message: str, code: str, *, retryable: bool = False) -> None:
        self.publish(ErrorEvent(message, code=code, retryable=retryable))

    def _task_failed(self, failure: TaskFailure) -> None:
        part = _PARTS.get(failure.name, f"The task {failure.name}")
        then = "it was restarted" if failure.restarting else "it has stopped"
        self.notice(f"{part} failed after an internal error ({failure.error!r}); {then}.", "internal")


class Service(Protocol):
    """What every service offers. ``sections``: the settings sections whose change it must hear of."""

    @property
    def sections(self) -> frozenset[Section]: ...

    async def start(self) -> None:
        """Start; a failure becomes a notice, except where the service documents that it raises."""
        ...

    async def stop(self) -> None:
        """Stop and release everything. Safe to call twice, and before start."""
        ...

    async def apply_settings(self, settings: Settings) -> None:
        """Take ``settings`` and restart or reconfigure whatever of this service they change."""
        ...


class ServiceBase:
    """The wiring every service shares: the settings it runs with and the bus it publishes on.

    A subclass sets ``sections``, calls ``super().__init__(settings, bus)`` first, and replaces
    ``self._settings`` in its ``apply_settings``.
    """

    sections: frozenset[Section] = frozenset()

    def __init__(self, settings: Settings, bus: Bus) -> None:
        self._settings = settings
        self._bus = bus
