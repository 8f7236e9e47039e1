"""The only crossing between the asyncio loop thread and the Qt thread (DESIGN.md §1, electrum's model).

Events, loop → Qt: :class:`EventBridge` ``publish`` may be called from any thread (the controller calls it
on the loop thread). Each event is re-emitted on the Qt thread through :attr:`EventBridge.received`, by a
queued signal. Latest-value events (:class:`AudioLevels`, :class:`PreviewFrame`) are coalesced: only the
newest pending one of each type is kept (older ones are dropped, that is the drop policy) and they are
delivered at most ``max_rate_hz`` times a second, so a slow paint never builds a backlog. Audio payload
events (:class:`ModelAudio`, :class:`MicAudio`) never cross; the window has no use for them.

Commands, Qt → loop: :class:`CommandRunner` ``submit`` runs a controller coroutine on the
:class:`~desktop_app.runtime.loop_thread.LoopThread` and calls ``on_result`` back on the Qt thread. It never
waits for the result. A command that raises becomes a readable :attr:`CommandRunner.failed` sentence
(and an ERROR log with the traceback, since the controller promised not to raise). ``run_blocking`` does
the same for plain blocking functions (device queries), which run in the loop's worker threads.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from desktop_app.controller_api import LoopThread
from desktop_app.core.events import Event, MicAudio, ModelAudio
from desktop_app.core.media_events import AudioLevels, PreviewFrame
from desktop_app.core.redaction import Redactor

__all__ = ["COALESCED_EVENTS", "CommandRunner", "EventBridge", "readable_error"]

log = logging.getLogger(__name__)
T = TypeVar("T")

COALESCED_EVENTS: tuple[type[Event], ...] = (AudioLevels, PreviewFrame)
"""Latest-value events: only the newest pending one of each type is delivered."""

_NOT_FORWARDED: tuple[type[Event], ...] = (ModelAudio, MicAudio)


class EventBridge(QObject):
    """Construct on the Qt thread; give :meth:`publish` to the controller; connect to :attr:`received`."""

    received = Signal(object)
    """Every forwarded event, emitted on the Qt thread in arrival order (coalesced ones at their pace)."""

    _arrived = Signal(object)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None, *, max_rate_hz: float = 30.0) -> None:
        super().__init__(parent)
        self._interval_s = 1.0 / max_rate_hz
        self._lock = threading.Lock()
        self._pending: dict[type[Event], Event] = {}
        self._wake_posted = False
        self._last_flush = 0.0
        self._closed = False
        self.coalesced_dropped = 0
        """How many latest-value events were replaced by a newer one before delivery."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._wake.connect(self._on_wake, Qt.ConnectionType.QueuedConnection)

    def publish(self, event: Event) -> None:
        """Hand ``event`` to the Qt thread. Any thread; never blocks beyond a short lock."""
        if self._closed or isinstance(event, _NOT_FORWARDED):
            return
        if isinstance(event, COALESCED_EVENTS):
            with self._lock:
                if type(event) in self._pending:
                    self.coalesced_dropped += 1
                self._pending[type(event)] = event
                post = not self._wake_posted
                self._wake_posted = True
            if post:
                self._wake.emit()
            return
        self._arrived.emit(event)

    def close(self) -> None:
        """Stop forwarding (call on the Qt thread before the bridge goes away)."""
        self._closed = True
        self._timer.stop()
        with self._lock:
            self._pending.clear()

    @Slot(object)
    def _deliver(self, event: Event) -> None:
        if not self._closed:
            self.received.emit(event)

    @Slot()
    def _on_wake(self) -> None:
        wait = self._last_flush + self._interval_s - time.monotonic()
        if wait <= 0:
            self._flush()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000)))

    @Slot()
    def _flush(self) -> None:
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
            self._wake_posted = False
        self._last_flush = time.monotonic()
        for event in pending:
            if self._closed:
                return
            self.received.emit(event)


def readable_error(what: str, exc: BaseException, redact: Callable[[str], str] | None = None) -> str:
    """One sentence for a notice: ``what`` plus the first line of the error, secrets removed."""
    first = (str(exc).strip().splitlines() or [""])[0].strip() or type(exc).__name__
    if len(first) > 240:
        first = first[:237] + "…"
    text = f"{what} failed: {first}" if what else first
    if not text.endswith((".", "!", "?", "…")):
        text += "."
    return (redact or Redactor())(text)


def _post(runner_ref: weakref.ref[CommandRunner], token: int, _future: object) -> None:
    """Done callback (loop thread, or the Qt thread on cancel): hand the result to the Qt thread."""
    runner = runner_ref()
    if runner is None:
        return
    # RuntimeError: the runner was deleted during shutdown, and nobody is waiting any more
    with contextlib.suppress(RuntimeError):
        runner._finished.emit(token)


@dataclass(frozen=True, slots=True)
class _Route:
    """Where a finished call's result goes, and its failure (None: the runner's :attr:`failed` signal)."""

    what: str
    on_result: Callable[[Any], None] | None
    on_error: Callable[[str], None] | None
    owner: QObject | None

    def owner_gone(self) -> bool:
        return self.owner is not None and not shiboken6.isValid(self.owner)


class CommandRunner(QObject):
    """Runs work on the loop thread for the Qt thread. Construct and call on the Qt thread only."""

    failed = Signal(str)
    """A command or blocking call raised: a sentence for a notice."""

    _finished = Signal(int)

    def __init__(self, loop: LoopThread, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loop = loop
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[_Route, concurrent.futures.Future[Any]]] = {}
        self._redact: Callable[[str], str] = Redactor()
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    def set_redactor(self, redact: Callable[[str], str]) -> None:
        """Use ``redact`` (e.g. one that knows the API key) on every failure sentence."""
        self._redact = redact

    @property
    def pending(self) -> int:
        """Submitted work whose result has not been delivered yet."""
        return len(self._waiting)

    def submit(
        self,
        what: str,
        coro_fn: Callable[..., Coroutine[Any, Any, T]],
        *args: Any,
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        owner: QObject | None = None,
    ) -> concurrent.futures.Future[T] | None:
        """Run ``coro_fn(*args)`` on the loop; ``on_result(value)`` later on the Qt thread.

        ``what`` names the action for a failure notice ("Muting the microphone"). A failure goes to
        ``on_error`` when given (not logged), else to :attr:`failed` (and logged with its traceback).
        With ``owner``, the callbacks are dropped if that Qt object was deleted meanwhile (a closed
        dialog). Returns the future (for cancelling), or None when the loop is not running (that too
        is reported as a failure).
        """
        return self._start(_Route(what, on_result, on_error, owner), coro_fn, *args)

    def run_blocking(
        self,
        what: str,
        fn: Callable[..., T],
        *args: Any,
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        owner: QObject | None = None,
    ) -> concurrent.futures.Future[T] | None:
        """Run the blocking ``fn(*args)`` in a worker thread of the loop; results as for :meth:`submit`.

        With ``on_error`` the failure sentence goes there instead of :attr:`failed`, and is not logged
        as an error: a missing device is an expected answer to a device query.
        """
        return self._start(_Route(what, on_result, on_error, owner), asyncio.to_thread, fn, *args)

    def cancel_all(self) -> None:
        """Cancel what has not finished; their callbacks are dropped."""
        waiting, self._waiting = self._waiting, {}
        for _route, future in waiting.values():
            future.cancel()

    def _start(
        self, route: _Route, coro_fn: Callable[..., Coroutine[Any, Any, T]], *args: Any
    ) -> concurrent.futures.Future[T] | None:
        coro = coro_fn(*args)
        try:
            future = self._loop.submit(coro)
        except RuntimeError as err:
            coro.close()
            self._fail(route, readable_error(route.what, err, self._redact))
            return None
        token = next(self._ids)
        self._waiting[token] = (route, future)
        # a weak reference: the loop thread must never drop the last reference to a QObject (deleting
        # it there, outside its own thread, crashes Qt)
        future.add_done_callback(functools.partial(_post, weakref.ref(self), token))
        return future

    def _fail(self, route: _Route, message: str) -> None:
        if route.on_error is not None:
            route.on_error(message)
        else:
            self.failed.emit(message)

    @Slot(int)
    def _on_finished(self, token: int) -> None:
        entry = self._waiting.pop(token, None)
        if entry is None:
            return
        route, future = entry
        if future.cancelled() or route.owner_gone():
            return
        exc = future.exception()
        if exc is not None:
            if route.on_error is None:
                log.error("%s raised", route.what, exc_info=exc)
            self._fail(route, readable_error(route.what, exc, self._redact))
            return
        if route.on_result is not None:
            route.on_result(future.result())
