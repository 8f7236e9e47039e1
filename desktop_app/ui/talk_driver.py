"""Push-to-talk from outside the window: a global key, the tray or ``--push-to-talk start|stop``.

:class:`TalkDriver` turns presses and releases into controller commands, in order. A press while
push-to-talk is off switches it on first (the controller then opens a session with activity detection
off), and the release must not overtake that press: the commands run one after another under one
``asyncio.Lock`` on the loop (FIFO), whatever the loop's scheduling. Repeated presses without a release
(a key's auto-repeat, a command sent twice) are ignored. Call :meth:`press`/:meth:`release` on the Qt
thread; ``submit(what, command)`` must run ``command(controller)`` on the loop (``MainWindow.command``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from desktop_app.controller_api import Controller

__all__ = ["TalkDriver"]

Submit = Callable[[str, Callable[[Controller], Coroutine[Any, Any, None]]], None]


class TalkDriver:
    """See the module docstring. ``push_to_talk_on()`` says whether push-to-talk is on now."""

    def __init__(self, submit: Submit, push_to_talk_on: Callable[[], bool]) -> None:
        self._submit = submit
        self._push_to_talk_on = push_to_talk_on
        self._lock: asyncio.Lock | None = None  # made on the loop thread by the first command
        self.held = False

    def press(self) -> None:
        if self.held:
            return
        self.held = True
        switch_on = not self._push_to_talk_on()
        self._submit("Push-to-talk", lambda ctl: self._run(ctl, True, switch_on))

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        self._submit("Push-to-talk", lambda ctl: self._run(ctl, False, False))

    def set_held(self, pressed: bool) -> None:
        """:meth:`press` or :meth:`release`."""
        if pressed:
            self.press()
        else:
            self.release()

    async def _run(self, ctl: Controller, pressed: bool, switch_on: bool) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if switch_on:
                await ctl.set_push_to_talk(True)
            await ctl.talk(pressed)
