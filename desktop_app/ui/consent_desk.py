"""The window's consent broker (no Qt), and the port the window needs from a controller that runs tools.

:class:`ConsentDesk` implements the tool runtime's ``ConsentBroker``: :meth:`ConsentDesk.ask` runs on the
loop thread, hands a :class:`~desktop_app.ui.tool_view.ConsentPrompt` to ``show`` and waits for
:meth:`ConsentDesk.answer` (called from the Qt thread when the user clicks). The conversation goes on
meanwhile: only the runtime's task for that call waits. When the runtime cancels the question (its consent
timeout, or the server cancelled the call) ``withdraw(call_id, state)`` is called with
:attr:`CardState.TIMED_OUT` or :attr:`CardState.CANCELLED`. ``show`` and ``withdraw`` are called on the loop
thread: the window passes callables that hop to the Qt thread (:class:`~desktop_app.ui.tool_ports.QtHop`).
The desk holds one future per waiting card; the runtime bounds how many calls are open at once.

:class:`ToolHost` is what the window asks of its controller for tools (the shape of the controller's
``set_consent`` and ``tool_specs``); a controller without it simply has no tools in the window (the Tools
tab then lists only the saved choices). :class:`DesktopPortsHost` is the optional command that hands the
window's clipboard and browser to the built-in tools.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from desktop_app.controller_api import (
    BrowserPort,
    ClipboardPort,
    ConsentAnswer,
    ConsentBroker,
    ConsentRequest,
    ToolInfo,
)
from desktop_app.ui.tool_view import CardState, ConsentPrompt

__all__ = ["ConsentDesk", "DesktopPortsHost", "ToolHost"]

_TIMEOUT_SLACK = 0.95  # a cancellation this close to the consent timeout is the timeout


@runtime_checkable
class ToolHost(Protocol):
    """The tool commands of a controller. Plain methods: call them on the loop thread."""

    def set_consent(self, broker: ConsentBroker | None) -> None:
        """Ask ``broker`` whenever a call's policy is "ask" (None: "ask" means deny, with a notice)."""
        ...

    def tool_specs(self) -> Sequence[ToolInfo]:
        """Every tool of this run (built-ins and MCP servers' tools), for the Tools tab."""
        ...


@runtime_checkable
class DesktopPortsHost(Protocol):
    """A controller whose built-in tools can use the window's clipboard and browser (loop thread)."""

    def set_desktop_ports(self, clipboard: ClipboardPort, browser: BrowserPort) -> None: ...


def _settle(future: asyncio.Future[ConsentAnswer], answer: ConsentAnswer) -> None:
    if not future.done():
        future.set_result(answer)


class ConsentDesk:
    """See the module docstring. ``show(prompt)`` and ``withdraw(call_id, state)`` must not block."""

    def __init__(
        self,
        show: Callable[[ConsentPrompt], None],
        withdraw: Callable[[str, CardState], None],
    ) -> None:
        self._show = show
        self._withdraw = withdraw
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[ConsentAnswer]]] = {}

    @property
    def waiting(self) -> tuple[str, ...]:
        """The call ids whose card waits for an answer."""
        with self._lock:
            return tuple(self._waiting)

    async def ask(self, request: ConsentRequest) -> ConsentAnswer:
        """Show the card and wait for the user's answer (loop thread; the runtime bounds the wait)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ConsentAnswer] = loop.create_future()
        with self._lock:
            self._waiting[request.call_id] = (loop, future)
        started = loop.time()
        try:
            self._show(ConsentPrompt.of(request))
            return await future
        except asyncio.CancelledError:
            late = loop.time() - started >= request.timeout_s * _TIMEOUT_SLACK
            self._withdraw(request.call_id, CardState.TIMED_OUT if late else CardState.CANCELLED)
            raise
        finally:
            with self._lock:
                if self._waiting.get(request.call_id, (None, None))[1] is future:
                    del self._waiting[request.call_id]

    def answer(self, call_id: str, answer: ConsentAnswer) -> bool:
        """The user answered the card of ``call_id`` (any thread). False when no card waits for it."""
        with self._lock:
            entry = self._waiting.get(call_id)
        if entry is None:
            return False
        loop, future = entry
        try:
            loop.call_soon_threadsafe(_settle, future, answer)
        except RuntimeError:  # the loop has stopped: the app is closing and the call is gone
            return False
        return True
