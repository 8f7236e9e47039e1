"""A recording stand-in for the controller: it implements the Controller protocol, remembers every command
it was given (on the loop thread, as the real one would be called) and publishes what a test asks it to."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from desktop_app.config import Settings
from desktop_app.controller_api import Controller, KeyCheck
from desktop_app.core.app_events import InputState
from desktop_app.core.events import Event
from desktop_app.runtime.loop_thread import LoopThread


class RecordingController:
    """Every command is appended to :attr:`calls` as ``(name, args)``; toggles also publish an
    :class:`InputState` like the real controller does."""

    def __init__(self, settings: Settings, publish: Callable[[Event], None], loop: LoopThread) -> None:
        self.settings = settings
        self.publish = publish
        self.loop = loop
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.threads: set[str] = set()
        self.input = InputState(listening=settings.listen_at_launch)  # idle at first, as the real one
        self.reconnect_on_apply = True
        self.text_sent = True  # what send_text answers (False: "not connected")
        self.key_check = KeyCheck(checked=True)  # what check_key answers
        self.preview_result = ""  # what preview_voice answers ("": it played)
        self.fail_next: str | None = None
        self._lock = threading.Lock()

    # --- helpers for tests ----------------------------------------------------------------------

    def emit(self, *events: Event) -> None:
        """Publish events from the loop thread, as the real controller does."""
        for event in events:
            self.loop.call_soon(self.publish, event)

    def names(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.calls]

    def last(self, name: str) -> tuple[Any, ...] | None:
        with self._lock:
            for call, args in reversed(self.calls):
                if call == name:
                    return args
        return None

    def _record(self, name: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((name, args))
            self.threads.add(threading.current_thread().name)
        if self.fail_next == name:
            self.fail_next = None
            raise RuntimeError(f"{name} broke\nTraceback (most recent call last): secret details")

    def _state(self, **changes: Any) -> None:
        self.input = dataclasses.replace(self.input, **changes)
        self.publish(self.input)

    # --- the Controller protocol ---------------------------------------------------------------------

    async def start(self) -> None:
        self._record("start")

    async def stop(self) -> None:
        self._record("stop")

    async def set_listening(self, on: bool) -> None:
        self._record("set_listening", on)
        self._state(listening=on)

    async def set_mic_test(self, running: bool) -> None:
        self._record("set_mic_test", running)
        self._state(mic_test=running)

    async def set_mic_muted(self, muted: bool) -> None:
        self._record("set_mic_muted", muted)
        self._state(mic_muted=muted)

    async def set_push_to_talk(self, enabled: bool) -> None:
        self._record("set_push_to_talk", enabled)
        self._state(push_to_talk=enabled, talking=False)

    async def talk(self, pressed: bool) -> None:
        self._record("talk", pressed)
        self._state(talking=pressed)

    async def set_camera(self, spec: str | None) -> None:
        self._record("set_camera", spec)
        self._state(camera=spec, screen=None)

    async def set_screen(self, monitor: str | None) -> None:
        self._record("set_screen", monitor)
        self._state(screen=monitor, camera=None, screen_label=f"screen {monitor}" if monitor else "")

    async def set_vision_paused(self, paused: bool) -> None:
        self._record("set_vision_paused", paused)
        self._state(vision_paused=paused)

    async def retry_camera(self) -> None:
        self._record("retry_camera")

    async def send_text(self, text: str) -> bool:
        self._record("send_text", text)
        return self.text_sent

    async def retry(self) -> None:
        self._record("retry")

    async def check_key(self, key: str) -> KeyCheck:
        self._record("check_key", key)
        return self.key_check

    async def preview_voice(self, voice: str) -> str:
        self._record("preview_voice", voice)
        return self.preview_result

    async def set_volume(self, volume: float) -> None:
        self._record("set_volume", volume)
        self._state(volume=volume)

    async def set_headphones(self, on: bool) -> None:
        self._record("set_headphones", on)
        self._state(headphones=on)

    async def apply_settings(self, settings: Settings) -> bool:
        self._record("apply_settings", settings)
        self.settings = settings
        return self.reconnect_on_apply


def _conforms(c: RecordingController) -> Controller:
    return c  # mypy checks that the fake implements the protocol
