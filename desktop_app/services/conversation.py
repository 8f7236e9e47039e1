"""The conversation service: the live session on the current backend, what goes into it, and turn latency.

It opens one :class:`~desktop_app.engine.Conversation` and reopens it when the session's settings change.
With :attr:`ConversationService.wanted` False (the window starting idle) nothing is opened, not even on a
settings change, until :meth:`ConversationService.open` (the user's first deliberate act).
Microphone blocks, frames and typed text are sent to whichever session is current; the session's events
pass through :attr:`ConversationService.taps` (vision's speech-aware pacing, the recorder) and are then
published, with a :class:`TurnLatency` measured from the end of the user's speech to the first reply audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable

from desktop_app.config import Section, Settings
from desktop_app.core.app_events import TurnLatency
from desktop_app.core.clock import Clock
from desktop_app.core.commands import ActivityEnd, ActivityStart, Command, UserImage
from desktop_app.core.errors import LiveError
from desktop_app.core.events import Event, MicAudio, ModelAudio, TurnComplete, VoiceActivity
from desktop_app.core.ports import AudioSink
from desktop_app.engine import Conversation
from desktop_app.live.connect_config import setup_notices
from desktop_app.live.options import SessionOptions, ToolDeclaration
from desktop_app.services.backend import BackendService, session_options
from desktop_app.services.bus import Bus, ServiceBase

__all__ = ["ConversationService"]


class ConversationService(ServiceBase):
    """Call on the loop thread. ``sink`` gives the speaker to play replies through (looked up at start)."""

    sections = frozenset({Section.BACKEND, Section.SESSION})

    def __init__(
        self,
        settings: Settings,
        bus: Bus,
        backend: BackendService,
        sink: Callable[[], AudioSink],
        clock: Clock,
    ) -> None:
        super().__init__(settings, bus)
        self._backend = backend
        self._sink = sink
        self._clock = clock
        self._speech_ended_at: float | None = None
        self.conversation: Conversation | None = None
        self._opening = asyncio.Lock()  # one session opening at a time
        self.wanted = True
        """Whether a session should be open: False until :meth:`open` (the window starts idle), and
        :meth:`start` and :meth:`apply_settings` open nothing meanwhile. Set it before :meth:`start`."""
        self.taps: list[Callable[[Event], None]] = []
        """Called with every session event before it is published (on the loop thread, must not block)."""
        self.on_mic_sent: Callable[[MicAudio], None] | None = None
        """Called with each microphone block after it was sent (the recorder)."""
        self.on_user_text: Callable[[str], None] | None = None
        """Called with each typed turn just before it is sent (the history)."""
        self.session_tools: Callable[[str], tuple[tuple[ToolDeclaration, ...], bool]] | None = None
        """Given the model id, (the functions to declare, Google Search on): asked at each session open."""

    @property
    def live(self) -> Conversation | None:
        """The conversation if it is open and has not failed."""
        conv = self.conversation
        return conv if conv is not None and conv.failure is None else None

    async def start(self) -> None:
        """Open a session on the backend if one is :attr:`wanted`; a refusal is a notice (the error's kind
        is its code). Callers that overlap (Start talking and a typed message at once) share one opening:
        the later one finds the session the first opened."""
        async with self._opening:
            await self._open_session()

    async def _open_session(self) -> None:
        handle = self._backend.handle
        if handle is None or self.conversation is not None or not self.wanted:
            return
        options = self._options()
        for notice in setup_notices(options):  # a saved option this model refuses: left out, said once
            self._bus.notice(notice, "model_setup")
        conv = Conversation(
            handle.connector,
            options,
            sink=self._sink(),
            on_event=self._on_event,
            clock=self._clock,
            supervisor=self._bus.supervisor,
        )
        try:
            await conv.__aenter__()
        except LiveError as err:
            self._bus.notice(str(err), err.kind, retryable=err.retryable)
            return
        self.conversation = conv

    def _options(self) -> SessionOptions:
        """The settings' session; with push-to-talk the server's activity detection is off (the key is)."""
        options = session_options(self._settings)
        if self._settings.push_to_talk:
            options = dataclasses.replace(options, vad=dataclasses.replace(options.vad, disabled=True))
        if self.session_tools is not None:
            tools, search = self.session_tools(options.model)
            options = dataclasses.replace(options, tools=tools, google_search=search)
        return options

    async def open(self) -> bool:
        """The user acted (Start talking, a typed message, the camera, a share): from now on a session is
        :attr:`wanted`; open it if none is. True when one is live."""
        self.wanted = True
        if self.conversation is None:
            await self.start()
        return self.live is not None

    async def stop(self) -> None:
        if self.conversation is not None:
            conv, self.conversation = self.conversation, None
            await conv.close()

    async def apply_settings(self, settings: Settings) -> None:
        """Open a new session with ``settings`` (after a backend change: on the new backend)."""
        self._settings = settings
        await self.stop()
        await self.start()

    async def reopen(self) -> None:
        """Open a new session with the same settings (the declared tools changed); no-op when closed."""
        if self.conversation is not None:
            await self.stop()
            await self.start()

    def use_sink(self, sink: AudioSink) -> None:
        """Play the rest of the conversation through ``sink`` (after the speaker was reopened)."""
        if self.conversation is not None:
            self.conversation.set_sink(sink)

    # --- sending ------------------------------------------------------------------------------------

    async def send_mic_block(self, block: MicAudio) -> None:
        """Send one block to the current session; dropped when there is none (its failure was reported)."""
        conv = self.live
        if conv is None:
            return
        try:
            await conv.send_mic_block(block)
        except LiveError:
            return  # the session's receive loop reports the failure once
        if self.on_mic_sent is not None:  # after the send: recording never delays the microphone
            self.on_mic_sent(block)

    async def mic_paused(self) -> None:
        """The microphone was paused: let the server answer what it heard instead of waiting for silence."""
        self._speech_ended_at = self._clock.now()
        conv = self.live
        if conv is not None:
            with contextlib.suppress(LiveError):
                await conv.end_audio_stream()

    async def activity(self, start: bool) -> None:
        """The talk key went down (start) or up, in a push-to-talk session: ``activityStart``/``End``, so
        the model answers the moment the key is released. No-op without a live session."""
        self._speech_ended_at = None if start else self._clock.now()
        conv = self.live
        if conv is not None:
            with contextlib.suppress(LiveError):
                await conv.session.send(ActivityStart() if start else ActivityEnd())

    async def send_text(self, text: str) -> bool:
        """Send a typed turn (opening the session if none was wanted yet: typing is a deliberate act; a
        session being opened is waited for); False (and a notice) when there is no live session or the
        send failed: the window marks the message as not sent, with Resend."""
        if not self.wanted or self._opening.locked():
            await self.open()
        conv = self.live
        if conv is None:
            self._bus.notice("Not connected: the message was not sent. Reconnect and try again.", "not_live")
            return False
        if self.on_user_text is not None:
            self.on_user_text(text)
        try:
            await conv.send_text(text)
        except LiveError as err:
            self._bus.notice(str(err), err.kind, retryable=err.retryable)
            return False
        return True

    async def send_command(self, command: Command) -> None:
        """Send ``command`` (a tool answer) to the current session; LiveError when none is open."""
        conv = self.live
        if conv is None:
            raise LiveError("No live session to send to.")
        await conv.session.send(command)

    async def send_frame(self, jpeg: bytes) -> None:
        """Send a frame to whichever session is current (the vision pump outlives reconnects)."""
        conv = self.live
        if conv is None:
            raise LiveError("No live session to send the frame to.")
        await conv.session.send(UserImage(jpeg))

    # --- receiving ----------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        """Session events: measure turn latency, feed the taps, publish."""
        if isinstance(event, VoiceActivity) and not event.speaking:
            self._speech_ended_at = self._clock.now()
        elif isinstance(event, ModelAudio) and self._speech_ended_at is not None:
            self._bus.publish(TurnLatency((self._clock.now() - self._speech_ended_at) * 1000))
            self._speech_ended_at = None
        elif isinstance(event, TurnComplete):
            self._speech_ended_at = None
        for tap in self.taps:
            tap(event)
        self._bus.publish(event)
