"""One asyncio loop on one named thread, for the whole program (DESIGN.md §1, §3.3).

Other threads (Qt, audio callbacks) enter only through :meth:`LoopThread.submit` (run a coroutine, get a
``concurrent.futures.Future``) and :meth:`LoopThread.call_soon` (run a plain callable). Only the loop thread
touches session, relay and device state. The loop logs anything that escapes a task or callback with its
traceback (:func:`~desktop_app.runtime.tasks.install_exception_handler`); pass ``report`` to hear of it too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from desktop_app.runtime.tasks import install_exception_handler
from desktop_app.runtime.thread_names import name_os_thread

__all__ = ["LoopThread"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class LoopThread:
    """Start with :meth:`start` (returns once the loop is proven running); stop with :meth:`stop`."""

    def __init__(
        self, name: str = "asyncio-loop", report: Callable[[str, BaseException | None], None] | None = None
    ) -> None:
        self._name = name
        self._report = report
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the loop thread is not running")
        return self._loop

    def is_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def start(self, timeout: float = 5.0) -> None:
        """Start the thread and wait until its loop is running."""
        if self._thread is not None:
            raise RuntimeError("the loop thread was already started")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=False)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the asyncio loop thread did not start")

    def _run(self) -> None:
        name_os_thread(self._name)
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        install_exception_handler(loop, self._report)
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the loop from any other thread. Never block the Qt thread on the result."""
        if self.is_loop_thread():
            coro.close()
            raise RuntimeError("submit() called from the loop thread; await the coroutine instead")
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Schedule a plain callable on the loop from any thread (cheap; safe from audio callbacks)."""
        self.loop.call_soon_threadsafe(callback, *args)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel remaining tasks, close async generators and the loop, and join the thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("the asyncio loop thread did not stop within %.1f s", timeout)
        self._thread = None
