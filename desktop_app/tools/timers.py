"""The ``set_timer`` tool: a reminder that raises a desktop notification and tells the model when it fires.

When a timer fires, the model is told with a :class:`~desktop_app.core.commands.UserText` through the
session's ``send`` port, not with a second function response (``will_continue``) on the call that set it:
a timer outlives its call. A barge-in while a call is still open makes the server send
``toolCallCancellation`` for it, a reconnect or resumption may forget the call's id, and models that run
functions BLOCKING take no ``will_continue`` at all. A text turn reaches the model in all these cases, and the
call itself is answered at once ("set").

At most ``max_timers`` run at once (a further one is refused with a message the model reads). Timers live
in this run only; :meth:`TimerService.stop` cancels them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from desktop_app.core.commands import Command, UserText
from desktop_app.runtime.tasks import Supervised, TaskSupervisor
from desktop_app.tools.ports import NotifierPort
from desktop_app.tools.spec import Policy, Risk, ToolError, ToolSpec, object_schema

__all__ = ["TimerService", "describe_duration"]

log = logging.getLogger(__name__)
MAX_SECONDS = 24 * 3600


def describe_duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"


class TimerService:
    """Runs timers on the loop. ``sleep`` is injectable for tests; use from the loop thread."""

    def __init__(
        self,
        notifier: NotifierPort,
        send: Callable[[Command], Awaitable[None]],
        *,
        supervisor: TaskSupervisor | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_timers: int = 20,
    ) -> None:
        self._notifier = notifier
        self._send = send
        self._supervisor = supervisor
        self._sleep = sleep
        self._max = max_timers
        self._timers: dict[int, Supervised] = {}
        self._next = 1

    @property
    def active(self) -> int:
        return len(self._timers)

    def set(self, seconds: float, label: str) -> int:
        """Start a timer; its number. ToolError beyond ``max_timers``."""
        if len(self._timers) >= self._max:
            raise ToolError(f"{self._max} timers are already running; no more can be set.")
        if self._supervisor is None:
            self._supervisor = TaskSupervisor()
        number, self._next = self._next, self._next + 1
        self._timers[number] = self._supervisor.spawn(
            f"timer {number}", lambda: self._run(number, seconds, label)
        )
        return number

    async def _run(self, number: int, seconds: float, label: str) -> None:
        try:
            await self._sleep(seconds)
            what = label or "the timer"
            await self._notifier.notify("Reminder", f"{what} ({describe_duration(seconds)} are up)")
            text = (
                f'[Reminder] The timer set {describe_duration(seconds)} ago for "{what}" has just gone off. '
                "Tell the user now."
            )
            try:
                await self._send(UserText(text))
            except Exception as exc:  # no session right now: the notification was still shown
                log.info("the model could not be told that timer %d fired: %s", number, exc)
        finally:
            self._timers.pop(number, None)

    async def stop(self) -> None:
        """Cancel every running timer (at exit)."""
        timers = list(self._timers.values())
        self._timers.clear()
        for timer in timers:
            await timer.stop()

    def tool(self) -> ToolSpec:
        """``set_timer`` (allowed: it only schedules a reminder here)."""

        async def handler(args: dict[str, Any]) -> Any:
            seconds = float(args["seconds"])
            number = self.set(seconds, str(args.get("label", "")).strip())
            return {"timer": number, "fires_in": describe_duration(seconds), "status": "set"}

        return ToolSpec(
            "set_timer",
            "Set a timer or reminder; when it fires the user gets a desktop notification and you are told.",
            handler,
            object_schema(
                {
                    "seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_SECONDS},
                    "label": {"type": "string", "maxLength": 200, "description": "what to remind about"},
                },
                "seconds",
            ),
            risk=Risk.CHANGES,
            policy=Policy.ALLOW,
            timeout_s=2.0,
        )
