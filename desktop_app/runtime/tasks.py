"""Supervised tasks: every background task has a name, a strong reference and a logged failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["TaskSupervisor"]

log = logging.getLogger(__name__)


class TaskSupervisor:
    """Owns the program's background tasks on one loop.

    Use :meth:`spawn` instead of ``asyncio.create_task``: the task is kept alive, named, and if it fails the
    exception is logged and passed to ``on_failure`` (never lost). :meth:`cancel_all` stops everything.
    """

    def __init__(self, on_failure: Callable[[str, BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_failure = on_failure

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start ``coro`` as a supervised task called ``name``. Call on the loop thread."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        log.error("task %s failed: %s", task.get_name(), exc, exc_info=exc)
        if self._on_failure is not None:
            self._on_failure(task.get_name(), exc)

    @property
    def running(self) -> list[str]:
        return sorted(t.get_name() for t in self._tasks)

    async def cancel_all(self, timeout: float = 5.0) -> None:
        """Cancel every task and wait up to ``timeout`` seconds for them to finish."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                log.error("task %s did not stop within %.1f s", task.get_name(), timeout)
