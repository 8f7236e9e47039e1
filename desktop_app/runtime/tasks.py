"""Supervised tasks: every background task has a name, a strong reference, a policy and a logged failure.

Nothing dies silently. A supervised task that raises (anything but cancellation) is logged with its
traceback and reported to the supervisor's ``on_failure`` callback (which the application turns into an
``ErrorEvent`` the user sees); then its :class:`Policy` decides: ``RESTART`` runs a fresh coroutine from the
same factory (at most ``max_restarts`` times over its life), ``STOP`` leaves it stopped and calls its
``on_stopped`` callback so the owner can say plainly that this part stopped.

:func:`install_exception_handler` gives a loop a handler for what escapes everything else (a callback that
raised, a future whose exception nobody read): logged with its traceback and reported the same way.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Policy",
    "Supervised",
    "TaskFailure",
    "TaskSupervisor",
    "install_exception_handler",
    "stop_task",
]

log = logging.getLogger(__name__)

CoroFactory = Callable[[], Coroutine[Any, Any, Any]]


class Policy(enum.Enum):
    """What happens after a supervised task fails."""

    RESTART = "restart"  # run a fresh coroutine from the factory (up to ``max_restarts`` times)
    STOP = "stop"  # stay stopped; the task's ``on_stopped`` callback tells the owner


@dataclass(frozen=True, slots=True)
class TaskFailure:
    """One failure, as reported to ``on_failure``: which task, what it raised, and what happens next."""

    name: str
    error: BaseException
    restarting: bool


class Supervised:
    """A handle on one supervised task that survives restarts. Use from the loop thread only."""

    def __init__(
        self,
        supervisor: TaskSupervisor,
        name: str,
        factory: CoroFactory,
        policy: Policy,
        max_restarts: int,
        on_stopped: Callable[[TaskFailure], None] | None,
    ) -> None:
        self.name = name
        self.policy = policy
        self.restarts = 0
        self._supervisor = supervisor
        self._factory = factory
        self._max_restarts = max_restarts
        self._on_stopped = on_stopped
        self._cancelled = False
        self.task: asyncio.Task[Any] = self._launch()
        self.failure: TaskFailure | None = None
        """The failure that stopped this task for good (None while it runs or after a clean end)."""

    def _launch(self) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(self._factory(), name=self.name)
        self._supervisor._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._supervisor._tasks.discard(task)
        if task.cancelled() or self._cancelled:
            return
        exc = task.exception()
        if exc is None:
            return
        restarting = self.policy is Policy.RESTART and self.restarts < self._max_restarts
        failure = TaskFailure(self.name, exc, restarting)
        log.error(
            "task %s failed (%s): %s",
            self.name,
            "restarting" if restarting else "stopped",
            exc,
            exc_info=exc,
        )
        self._supervisor._report(failure)
        if restarting:
            self.restarts += 1
            self.task = self._launch()
            return
        self.failure = failure
        if self._on_stopped is not None:
            try:
                self._on_stopped(failure)
            except Exception:
                log.exception("the on_stopped callback of task %s failed", self.name)

    async def stop(self) -> None:
        """Cancel the task (no restart) and wait until it has ended. Safe to call twice, and after the
        task failed for good (its failure was already reported: it is not raised again here)."""
        self._cancelled = True
        self.task.cancel()
        await asyncio.wait([self.task])


async def stop_task(task: Supervised | None) -> None:
    """Stop ``task`` if there is one (see :meth:`Supervised.stop`). Clear your own reference before the
    await, so that a second stop meanwhile finds nothing: ``task, self._task = self._task, None``."""
    if task is not None:
        await task.stop()


class TaskSupervisor:
    """Owns background tasks on one loop.

    Use :meth:`spawn` instead of ``asyncio.create_task``: the task is kept alive, named, and a failure is
    logged and passed to ``on_failure`` (never lost), then handled by the task's :class:`Policy`.
    :meth:`cancel_all` stops everything.
    """

    def __init__(
        self, on_failure: Callable[[TaskFailure], None] | None = None, *, max_restarts: int = 3
    ) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_failure = on_failure
        self._max_restarts = max_restarts

    def spawn(
        self,
        name: str,
        factory: CoroFactory,
        *,
        policy: Policy = Policy.STOP,
        on_stopped: Callable[[TaskFailure], None] | None = None,
    ) -> Supervised:
        """Start ``factory()`` as a supervised task called ``name``. Call on the loop thread.

        ``factory`` must return a fresh coroutine each call (a restart calls it again), and everything the
        restarted coroutine needs must survive the failure (e.g. an iterator kept outside it).
        """
        return Supervised(self, name, factory, policy, self._max_restarts, on_stopped)

    def _report(self, failure: TaskFailure) -> None:
        if self._on_failure is None:
            return
        try:
            self._on_failure(failure)
        except Exception:
            log.exception("the failure callback for task %s failed", failure.name)

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


def install_exception_handler(
    loop: asyncio.AbstractEventLoop, report: Callable[[str, BaseException | None], None] | None = None
) -> None:
    """Make ``loop`` log what escapes every task and callback with its traceback, and pass it to ``report``.

    ``report(message, exception)`` runs on the loop thread and must not raise or block. Installing again
    replaces the previous handler.
    """

    def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message") or "unhandled error in the event loop")
        log.error("%s", message, exc_info=exc if isinstance(exc, BaseException) else None)
        if report is not None:
            try:
                report(message, exc if isinstance(exc, BaseException) else None)
            except Exception:
                log.exception("reporting a loop error failed")

    loop.set_exception_handler(handler)
