"""The application behind the window and the headless live mode: a thin façade over the services.

:class:`AppController` implements :class:`desktop_app.controller_api.Controller` by delegating to the
services it was built with (see :func:`desktop_app.app.build_app`); it owns no device, session or socket
itself. It starts them in order, stops them in reverse, publishes :class:`InputState` after every toggle,
and applies new settings by asking :func:`~desktop_app.config.changed_sections` which services must hear
of them. Failures never escape as exceptions: they become ``ErrorEvent`` notices and the rest goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from desktop_app.config import NEW_SESSION_SECTIONS, Section, Settings, changed_sections
from desktop_app.core.app_events import InputState
from desktop_app.core.errors import AppError
from desktop_app.runtime.tasks import install_exception_handler
from desktop_app.services.backend import KeyCheck
from desktop_app.services.bus import Bus, Service, ServiceBase
from desktop_app.services.mic_gate import GateStep
from desktop_app.services.roster import Running, Services
from desktop_app.services.tools import SwitchableConsent, ToolInfo, tool_infos
from desktop_app.services.voice_preview import speak_preview
from desktop_app.tools.consent import ConsentBroker
from desktop_app.tools.ports import BrowserPort, ClipboardPort
from desktop_app.tools.spec import Policy

__all__ = ["AppController", "Running", "Services"]


class AppController(ServiceBase):
    """See the module docstring. Construct anywhere (no I/O); call every method on the loop thread.

    It is the service of services (it hears every settings section): :meth:`start`, :meth:`stop` and
    :meth:`apply_settings` run theirs.

    Args:
        save: writes the settings in :meth:`apply_settings` (an OSError becomes a notice).
    """

    sections = frozenset(Section)

    def __init__(
        self, settings: Settings, bus: Bus, services: Services, save: Callable[[Settings], object]
    ) -> None:
        super().__init__(settings, bus)
        self.services = services
        """The services this mode runs (read them; the controller starts and stops them)."""
        self._save = save
        self._stopped = False
        self._waiting_for_backend = False  # start() stopped at a backend that could not open

    # --- what the modes and tests read --------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    def running(self) -> Running:
        """A snapshot of the parts running now; take a new one after a start, stop or settings change."""
        s = self.services
        return Running(
            s.conversation.conversation if s.conversation else None,
            s.audio.audio if s.audio else None,
            s.relay.relay if s.relay else None,
            s.history.recording_path if s.history else None,
        )

    @property
    def input_state(self) -> InputState:
        audio, vision = self.services.audio, self.services.vision
        gate = audio.gate if audio else None
        return InputState(
            listening=gate.listening if gate else True,
            mic_muted=gate.muted if gate else False,
            push_to_talk=gate.push_to_talk if gate else False,
            talking=gate.talking if gate else False,
            camera=vision.camera if vision else None,
            screen=vision.screen if vision else None,
            vision_paused=vision.paused if vision else False,
            headphones=audio.headphones if audio else not self._settings.echo_cancellation,
            volume=audio.volume if audio else self._settings.output_volume,
            screen_label=vision.screen_label if vision else "",
            mic_test=gate.testing if gate else False,
        )

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the backend, history, relay, audio, session and (if set) the camera. Problems are events."""
        self._stopped = False
        install_exception_handler(asyncio.get_running_loop(), self._loop_error)
        try:
            await self.services.backend.start()
        except AppError as err:
            self._waiting_for_backend = True  # retry() starts the rest
            self._bus.notice(str(err), "backend")
            return
        self._waiting_for_backend = False
        for service in self.services.in_start_order()[1:]:
            await service.start()
        if self._settings.push_to_talk and self.services.audio is not None:  # the session opened without VAD
            self.services.audio.set_gate(self.services.audio.gate.set_push_to_talk(True))
        self.publish_input()

    async def stop(self) -> None:
        """Shut down in order: session, capture (vision, microphone), playback, relay, backend, history."""
        if self._stopped:
            return
        self._stopped = True
        for service in self.services.in_stop_order():
            await service.stop()
        await self._bus.supervisor.cancel_all()  # each service stopped its own; this is the safety net

    # --- commands -----------------------------------------------------------------------------------

    async def set_mic_muted(self, muted: bool) -> None:
        if self.services.audio is not None:
            await self._gate(self.services.audio.gate.mute(muted))

    async def set_push_to_talk(self, enabled: bool) -> None:
        """Also the ``push_to_talk`` setting: a new session opens with activity detection off (or on)."""
        if self.services.audio is not None:
            await self._gate(self.services.audio.gate.set_push_to_talk(enabled))
        if enabled != self._settings.push_to_talk:
            await self.apply_settings(dataclasses.replace(self._settings, push_to_talk=enabled))

    async def talk(self, pressed: bool) -> None:
        """Holding the talk key is a deliberate act: it also starts listening (and the session)."""
        audio = self.services.audio
        if audio is not None:
            if pressed and audio.gate.push_to_talk and not audio.gate.listening:
                await self.set_listening(True)
            await self._gate(audio.gate.talk(pressed))

    async def set_listening(self, on: bool) -> None:
        """ "Start talking" (True): open the session if none is open, then send the microphone; False:
        stop sending it (the session stays open)."""
        if on:
            await self._open_session()
        if self.services.audio is not None:
            await self._gate(self.services.audio.gate.listen(on))

    async def set_mic_test(self, running: bool) -> None:
        """The settings' microphone test runs (True) or ended: the microphone is not sent meanwhile."""
        if self.services.audio is not None:
            await self._gate(self.services.audio.gate.mic_test(running))

    async def set_camera(self, spec: str | None) -> None:
        if self.services.vision is not None:
            if spec:
                await self._open_session()
            await self.services.vision.set_camera(spec)
        self.publish_input()

    async def set_screen(self, monitor: str | None) -> None:
        if self.services.vision is not None:
            if monitor is not None:
                await self._open_session()
            await self.services.vision.set_screen(monitor)
        self.publish_input()

    async def set_vision_paused(self, paused: bool) -> None:
        if self.services.vision is not None:
            self.services.vision.set_paused(paused)
        self.publish_input()

    async def retry_camera(self) -> None:
        if self.services.vision is not None:
            self.services.vision.retry()

    async def send_text(self, text: str) -> bool:
        text = text.strip()
        if not text or self.services.conversation is None:
            return False
        return await self.services.conversation.send_text(text)

    async def retry(self) -> None:
        """See :meth:`desktop_app.controller_api.Controller.retry`."""
        s = self.services
        if self._stopped:
            return
        if self._waiting_for_backend:
            await self.start()
            return
        if s.backend.handle is None:  # a settings change could not reopen it: the session and relay wait
            try:
                await s.backend.start()
            except AppError as err:
                self._bus.notice(str(err), "backend")
                return
            if s.relay is not None:
                await s.relay.start()
        if s.conversation is not None and s.conversation.live is None:
            await s.conversation.stop()
            await s.conversation.start()

    async def check_key(self, key: str) -> KeyCheck:
        """See :meth:`desktop_app.controller_api.Controller.check_key`."""
        return await self.services.backend.check_key(key)

    async def preview_voice(self, voice: str) -> str:
        """See :meth:`desktop_app.controller_api.Controller.preview_voice`."""
        audio = self.services.audio
        sink = audio.sink if audio is not None else None
        return await speak_preview(self.services.backend.handle, sink, self._settings.model, voice)

    async def set_volume(self, volume: float) -> None:
        if self.services.audio is not None:
            volume = self.services.audio.set_volume(volume)
        self._settings = dataclasses.replace(self._settings, output_volume=min(2.0, max(0.0, volume)))
        self.publish_input()

    async def set_headphones(self, on: bool) -> None:
        self._settings = dataclasses.replace(self._settings, echo_cancellation=not on)
        if self.services.audio is not None:
            await self.services.audio.set_headphones(on)
            self._use_new_sink()
        self.publish_input()

    async def apply_settings(self, settings: Settings) -> bool:
        """Save ``settings`` and apply what changed; True when a new session was opened."""
        old, self._settings = self._settings, settings
        try:
            self._save(settings)
        except OSError as err:
            self._bus.notice(f"The settings could not be saved ({err}).", "settings")
        changed = changed_sections(old, settings)
        s = self.services
        if Section.BACKEND in changed:
            await self._reopen_backend(settings)
        services: list[Service | None] = [s.tools, s.conversation, s.relay, s.audio, s.vision, s.history]
        for service in services:
            if service is None or not service.sections & changed:
                continue
            if service is s.history and self._stopped:
                continue
            await service.apply_settings(settings)
            if service is s.audio:
                self._use_new_sink()
        if Section.VOLUME in changed:
            await self.set_volume(settings.output_volume)
        elif Section.VIDEO_SOURCE in changed:
            self.publish_input()
        return bool(changed & NEW_SESSION_SECTIONS)

    # --- tools --------------------------------------------------------------------------------------

    def set_consent(self, broker: ConsentBroker | None) -> None:
        if self.services.tools is not None and isinstance(self.services.tools.consent, SwitchableConsent):
            self.services.tools.consent.broker = broker

    def set_desktop_ports(self, clipboard: ClipboardPort, browser: BrowserPort) -> None:
        """The window's clipboard and browser for the built-in tools (loop thread)."""
        if self.services.tools is not None:
            self.services.tools.desktop.use(clipboard, browser)

    def tool_specs(self) -> tuple[ToolInfo, ...]:
        tools = self.services.tools
        if tools is None or tools.suite is None:
            return ()
        return tool_infos(tools.suite)

    async def set_tool_policy(self, name: str, policy: Policy) -> None:
        tools = self.services.tools
        if tools is not None and tools.suite is not None:
            tools.suite.runtime.policies.set(name, Policy(policy))  # saved through remember_tool_policies

    def remember_tool_policies(self, entries: tuple[str, ...]) -> None:
        """The tool policies changed (Always allow, the Tools tab): keep and save them."""
        self._settings = dataclasses.replace(self._settings, tool_policies=entries)
        try:
            self._save(self._settings)
        except OSError as err:
            self._bus.notice(f"The settings could not be saved ({err}).", "settings")

    # --- internals ----------------------------------------------------------------------------------

    async def _open_session(self) -> None:
        """The user acted: open the session if the window started idle (a failure is a notice)."""
        if self.services.conversation is not None and not self._stopped:
            await self.services.conversation.open()

    async def _gate(self, step: GateStep) -> None:
        assert self.services.audio is not None
        conversation = self.services.conversation
        manual = self._settings.push_to_talk  # the session was opened without activity detection
        opening = step.gate.open and step.gate.talking and not self.services.audio.gate.open
        if manual and opening and conversation is not None:
            await conversation.activity(True)  # before the first block goes out
        self.services.audio.set_gate(step)
        self.publish_input()
        if step.paused and conversation is not None:
            await (conversation.activity(False) if manual else conversation.mic_paused())

    async def _reopen_backend(self, settings: Settings) -> None:
        """Close what runs on the backend, then reopen it; the session and relay reopen on it next."""
        s = self.services
        for service in (s.conversation, s.relay):
            if service is not None:
                await service.stop()
        try:
            await s.backend.apply_settings(settings)
        except AppError as err:
            self._bus.notice(str(err), "backend")

    def _use_new_sink(self) -> None:
        """After the devices reopened: the speaker, or a silent sink if none opened (never a closed one)."""
        if self.services.conversation is not None and self.services.audio is not None:
            self.services.conversation.use_sink(self.services.audio.sink)

    def publish_input(self) -> None:
        self._bus.publish(self.input_state)

    def _loop_error(self, message: str, exc: BaseException | None) -> None:
        detail = f" ({exc!r})" if exc is not None else ""
        self._bus.notice(f"An internal error occurred: {message}{detail}.", "internal")
