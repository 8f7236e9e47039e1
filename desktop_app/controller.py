"""The running application on the loop thread: backend, relay, devices, session and vision, behind commands.

:class:`LiveController` implements :class:`desktop_app.controller_api.Controller`. The window (or the headless
live mode) calls its coroutines on the loop thread and listens to the events it publishes. It owns:

- the backend (Gemini, or the emulator it starts) and the local relay that serves the browser page;
- the microphone and speaker (``desktop_app.audio``), whose blocks it gates for mute and push-to-talk;
- one :class:`~desktop_app.engine.Conversation`, reopened when settings that shape the session change;
- one :class:`~desktop_app.video.VisionPump` for the camera or the screen;
- the session history file and, with ``record_audio``, the two-channel WAV beside it (see
  :meth:`LiveController.recording_path`).

Failures never escape as exceptions: a device that cannot open, a refused key or a dead camera become
``ErrorEvent`` notices and the rest goes on (typing still works without a microphone).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from pathlib import Path

from desktop_app.app import BackendHandle, open_backend, session_options
from desktop_app.audio.factory import AudioIO, AudioOptions, open_audio
from desktop_app.config import Settings, save_settings
from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.errors import AppError, LiveError, MediaError
from desktop_app.core.events import (
    BackendInfo,
    ErrorEvent,
    Event,
    InputState,
    Interrupted,
    MicAudio,
    ModelAudio,
    RelayStatus,
    TurnComplete,
    TurnLatency,
    VoiceActivity,
)
from desktop_app.engine import Conversation
from desktop_app.history import HistoryWriter, TwoChannelRecorder
from desktop_app.history.paths import new_recording_file
from desktop_app.live.connect_config import setup_notices
from desktop_app.relay.config import RelayConfig
from desktop_app.relay.server import RelayServer
from desktop_app.video import VideoSource, VisionPump
from desktop_app.video.from_settings import encoder_from, pacing_from
from desktop_app.video.source import open_screen_source, open_video_source

__all__ = ["SESSION_FIELDS", "LiveController"]

log = logging.getLogger(__name__)

SESSION_FIELDS = frozenset(
    {
        "backend",
        "api_key",
        "model",
        "voice",
        "response_modality",
        "system_instruction",
        "input_transcription",
        "output_transcription",
        "vad_start_sensitivity",
        "vad_end_sensitivity",
        "vad_silence_ms",
        "vad_prefix_padding_ms",
        "emulator_pace",
    }
)
"""Settings whose change needs a new live session."""

_AUDIO_FIELDS = frozenset(
    {"input_device", "output_device", "block_ms", "echo_cancellation", "noise_suppression"}
)
_RELAY_FIELDS = frozenset({"relay_host", "relay_port", "relay_allow_origins"})
_VIDEO_FIELDS = frozenset(
    {"video_fps", "video_max_side", "video_jpeg_quality", "video_speech_aware", "video_masks"}
)
_RECORDING_TICK_S = 0.25  # how often a recording writes out what can no longer change

AudioOpener = Callable[[AudioOptions, asyncio.AbstractEventLoop, Callable[[Event], None]], AudioIO]


def _open_real_audio(
    options: AudioOptions, loop: asyncio.AbstractEventLoop, publish: Callable[[Event], None]
) -> AudioIO:
    return open_audio(options, loop, on_event=publish, allow_missing=True)


class LiveController:
    """See the module docstring. Construct anywhere (no I/O); call every method on the loop thread.

    Args:
        settings: the user's settings (the key included).
        publish: receives every event; called on the loop thread, must not block.
        relay: start the local relay alongside (the window does; the headless live mode does not).
        audio_opener: opens the microphone and speaker (tests may pass a fake).
        settings_path: where :meth:`apply_settings` saves; None uses the default location.
    """

    def __init__(
        self,
        settings: Settings,
        publish: Callable[[Event], None],
        *,
        relay: bool = True,
        audio_opener: AudioOpener = _open_real_audio,
        backend_opener: Callable[[Settings], AbstractAsyncContextManager[BackendHandle]] = open_backend,
        save: Callable[[Settings], object] = save_settings,
        clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._publish_fn = publish
        self._want_relay = relay
        self._audio_opener = audio_opener
        self._backend_opener = backend_opener
        self._save = save
        self._clock = clock or MonotonicClock()
        self._input = InputState(headphones=not settings.echo_cancellation, volume=settings.output_volume)
        self._backend_stack: AsyncExitStack | None = None
        self._backend: BackendHandle | None = None
        self._relay: RelayServer | None = None
        self._relay_watch: asyncio.Task[None] | None = None
        self._audio: AudioIO | None = None
        self._mic_task: asyncio.Task[None] | None = None
        self._conversation: Conversation | None = None
        self._pump: VisionPump | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._speech_ended_at: float | None = None
        self._history: HistoryWriter | None = None
        self._recorder: TwoChannelRecorder | None = None
        self._recorder_tick: asyncio.Task[None] | None = None
        self._stopped = False

    # --- properties -----------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def conversation(self) -> Conversation | None:
        return self._conversation

    @property
    def audio(self) -> AudioIO | None:
        return self._audio

    @property
    def relay(self) -> RelayServer | None:
        return self._relay

    @property
    def input_state(self) -> InputState:
        return self._input

    @property
    def recording_path(self) -> Path | None:
        """The WAV being recorded (``record_audio``; user left, model right), or None when not recording."""
        return self._recorder.path if self._recorder is not None else None

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the backend, relay, audio, session and (if set) the camera. Problems become events."""
        self._stopped = False
        try:
            await self._open_backend()
        except AppError as err:
            self._notice(str(err), "backend")
            return
        self._open_history()
        self._open_recorder()
        if self._want_relay:
            await self._start_relay()
        self._open_audio()
        await self._open_conversation()
        if self._settings.video_source:
            await self.set_camera(self._settings.video_source)
        self._publish_input()

    async def stop(self) -> None:
        """Shut down in order: session, capture (vision, microphone), playback, relay, backend."""
        if self._stopped:
            return
        self._stopped = True
        await self._close_conversation()
        await self._stop_vision()
        await self._close_audio()
        await self._stop_relay()
        if self._backend_stack is not None:
            stack, self._backend_stack = self._backend_stack, None
            self._backend = None
            await stack.aclose()
        await self._close_recorder()
        if self._history is not None:
            history, self._history = self._history, None
            history.close()

    # --- commands -------------------------------------------------------------------------------

    async def set_mic_muted(self, muted: bool) -> None:
        was_open = self._mic_open()
        self._input = dataclasses.replace(self._input, mic_muted=muted)
        await self._mic_gate_changed(was_open)

    async def set_push_to_talk(self, enabled: bool) -> None:
        was_open = self._mic_open()
        self._input = dataclasses.replace(self._input, push_to_talk=enabled, talking=False)
        await self._mic_gate_changed(was_open)

    async def talk(self, pressed: bool) -> None:
        was_open = self._mic_open()
        self._input = dataclasses.replace(self._input, talking=pressed)
        await self._mic_gate_changed(was_open)

    async def set_camera(self, spec: str | None) -> None:
        await self._stop_vision()
        self._input = dataclasses.replace(self._input, camera=spec, screen=None)
        if spec:
            try:
                source = open_video_source(spec)
            except AppError as err:
                self._input = dataclasses.replace(self._input, camera=None)
                self._notice(str(err), "video")
            else:
                self._start_vision(source)
        self._publish_input()

    async def set_screen(self, monitor: str | None) -> None:
        await self._stop_vision()
        self._input = dataclasses.replace(self._input, screen=monitor, camera=None)
        if monitor is not None:
            try:
                source = open_screen_source(monitor or None)
            except AppError as err:
                self._input = dataclasses.replace(self._input, screen=None)
                self._notice(str(err), "video")
            else:
                self._start_vision(source)
        self._publish_input()

    async def set_vision_paused(self, paused: bool) -> None:
        self._input = dataclasses.replace(self._input, vision_paused=paused)
        if self._pump is not None:
            if paused:
                self._pump.pause()
            else:
                self._pump.resume()
        self._publish_input()

    async def retry_camera(self) -> None:
        if self._pump is not None:
            self._pump.retry()

    async def send_text(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        conv = self._conversation
        if conv is None or conv.failure is not None:
            self._notice("Not connected: the message was not sent. Reconnect and try again.", "not_live")
            return
        if self._history is not None:
            self._history.user_text(text)
        try:
            await conv.send_text(text)
        except LiveError as err:
            self._notice(str(err), err.kind, retryable=err.retryable)

    async def set_volume(self, volume: float) -> None:
        volume = min(2.0, max(0.0, volume))
        self._input = dataclasses.replace(self._input, volume=volume)
        sink = self._audio.sink if self._audio else None
        if sink is not None and hasattr(sink, "volume"):
            sink.volume = volume
        self._settings = dataclasses.replace(self._settings, output_volume=volume)
        self._publish_input()

    async def set_headphones(self, on: bool) -> None:
        self._input = dataclasses.replace(self._input, headphones=on)
        self._settings = dataclasses.replace(self._settings, echo_cancellation=not on)
        await self._reopen_audio()
        self._publish_input()

    async def apply_settings(self, settings: Settings) -> bool:
        """Save ``settings`` and apply what changed; True when a new session was opened."""
        old, self._settings = self._settings, settings
        try:
            self._save(settings)
        except OSError as err:
            self._notice(f"The settings could not be saved ({err}).", "settings")
        changed = {
            f.name for f in dataclasses.fields(Settings) if getattr(old, f.name) != getattr(settings, f.name)
        }
        reconnect = bool(changed & SESSION_FIELDS)
        if changed & {"backend", "api_key", "emulator_pace"}:
            await self._restart_backend()
        elif reconnect:
            await self._close_conversation()
            await self._open_conversation()
        if changed & _AUDIO_FIELDS:
            self._input = dataclasses.replace(self._input, headphones=not settings.echo_cancellation)
            await self._reopen_audio()
        if "output_volume" in changed:
            await self.set_volume(settings.output_volume)
        if changed & _RELAY_FIELDS and self._want_relay:
            await self._stop_relay()
            await self._start_relay()
        if changed & _VIDEO_FIELDS and self._pump is not None:
            self._pump.apply_settings(settings)
        if "video_source" in changed:
            await self.set_camera(settings.video_source)
        if "record_audio" in changed and not self._stopped:
            if settings.record_audio:
                self._open_recorder()
            else:
                await self._close_recorder()
        return reconnect

    # --- backend and relay ----------------------------------------------------------------------

    async def _open_backend(self) -> None:
        stack = AsyncExitStack()
        try:
            self._backend = await stack.enter_async_context(self._backend_opener(self._settings))
        except BaseException:
            await stack.aclose()
            raise
        self._backend_stack = stack
        self._publish(BackendInfo(self._backend.backend.name, self._settings.model, self._backend.notice))

    async def _restart_backend(self) -> None:
        await self._close_conversation()
        relay_was_running = self._relay is not None
        await self._stop_relay()
        if self._backend_stack is not None:
            await self._backend_stack.aclose()
            self._backend_stack = self._backend = None
        try:
            await self._open_backend()
        except AppError as err:
            self._notice(str(err), "backend")
            return
        if relay_was_running:
            await self._start_relay()
        await self._open_conversation()

    async def _start_relay(self) -> None:
        if self._backend is None:
            return
        s = self._settings
        config = RelayConfig(host=s.relay_host, port=s.relay_port, allow_origins=s.relay_allow_origins)
        try:
            relay = RelayServer(
                self._backend.connector, session_options(s), config, api_key=self._settings.api_key
            )
            await relay.start()
        except (OSError, AppError) as err:
            self._notice(f"The browser relay could not start on port {s.relay_port} ({err}).", "relay")
            return
        self._relay = relay
        self._relay_watch = asyncio.get_running_loop().create_task(
            self._watch_relay(relay), name="relay-status"
        )

    async def _watch_relay(self, relay: RelayServer) -> None:
        """Publish RelayStatus now and whenever the set of browser clients changes."""
        while True:
            clients = tuple(f"#{c['id']} {c.get('origin') or 'no origin'}" for c in relay.status()["clients"])
            self._publish(RelayStatus(relay.url, clients))
            count = len(clients)
            waits = [asyncio.ensure_future(relay.wait_for_clients(count + 1))]
            if count:
                waits.append(asyncio.ensure_future(relay.wait_for_clients(count - 1)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()

    async def _stop_relay(self) -> None:
        if self._relay_watch is not None:
            self._relay_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay_watch
            self._relay_watch = None
        if self._relay is not None:
            relay, self._relay = self._relay, None
            await relay.stop()

    # --- audio ----------------------------------------------------------------------------------

    def _audio_options(self) -> AudioOptions:
        s = self._settings
        return AudioOptions(
            input_device=s.input_device,
            output_device=s.output_device,
            devices_from_settings=True,
            block_ms=s.block_ms,
            volume=self._input.volume,
            headphones=self._input.headphones,
            noise_suppression=s.noise_suppression,
        )

    def _open_audio(self) -> None:
        try:
            self._audio = self._audio_opener(self._audio_options(), asyncio.get_running_loop(), self._publish)
        except AppError as err:  # allow_missing covers devices; this is anything else
            self._notice(str(err), "audio")
            return
        for notice in self._audio.notices:
            self._notice(notice, "audio_notice")
        self._mic_task = asyncio.get_running_loop().create_task(
            self._pump_microphone(self._audio), name="microphone"
        )

    async def _close_audio(self) -> None:
        if self._audio is not None:
            audio, self._audio = self._audio, None
            await audio.source.aclose()  # ends the microphone pump
            if self._mic_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._mic_task
                self._mic_task = None
            await audio.sink.aclose()

    async def _reopen_audio(self) -> None:
        await self._close_audio()
        self._open_audio()
        if self._conversation is not None and self._audio is not None:
            self._conversation.set_sink(self._audio.sink)

    def _mic_open(self) -> bool:
        i = self._input
        return not i.mic_muted and (not i.push_to_talk or i.talking)

    async def _mic_gate_changed(self, was_open: bool) -> None:
        self._publish_input()
        if was_open and not self._mic_open():
            # the microphone paused: let the server answer what it heard instead of waiting for silence
            self._speech_ended_at = self._clock.now()
            conv = self._conversation
            if conv is not None and conv.failure is None:
                with contextlib.suppress(LiveError):
                    await conv.end_audio_stream()

    async def _pump_microphone(self, audio: AudioIO) -> None:
        """Forward microphone blocks to the current session while the gate is open; drop them otherwise."""
        async for block in audio.source.blocks():
            conv = self._conversation
            if conv is None or conv.failure is not None or not self._mic_open():
                continue
            try:
                await conv.send_mic_block(block)
            except LiveError:
                continue  # the session's receive loop reports the failure once
            if self._recorder is not None:  # after the send: recording never delays the microphone
                self._record(block)

    # --- session --------------------------------------------------------------------------------

    async def _open_conversation(self) -> None:
        if self._backend is None:
            return
        sink = self._audio.sink if self._audio is not None else _SilentSink()
        options = session_options(self._settings)
        for notice in setup_notices(options):  # a saved option this model refuses: left out, said once
            self._notice(notice, "model_setup")
        conv = Conversation(self._backend.connector, options, sink=sink, on_event=self._on_event)
        try:
            await conv.__aenter__()
        except LiveError as err:
            self._notice(str(err), err.kind, retryable=err.retryable)
            return
        self._conversation = conv

    async def _close_conversation(self) -> None:
        if self._conversation is not None:
            conv, self._conversation = self._conversation, None
            await conv.close()

    def _on_event(self, event: Event) -> None:
        """Session events: measure turn latency and pass everything on."""
        if isinstance(event, VoiceActivity) and not event.speaking:
            self._speech_ended_at = self._clock.now()
        elif isinstance(event, ModelAudio) and self._speech_ended_at is not None:
            self._publish(TurnLatency((self._clock.now() - self._speech_ended_at) * 1000))
            self._speech_ended_at = None
        elif isinstance(event, TurnComplete):
            self._speech_ended_at = None
        elif isinstance(event, VoiceActivity) and event.speaking and self._pump is not None:
            self._pump.set_user_speaking(True)
        if isinstance(event, VoiceActivity) and not event.speaking and self._pump is not None:
            self._pump.set_user_speaking(False)
        if self._recorder is not None and isinstance(event, ModelAudio | Interrupted):
            self._record(event)
        self._publish(event)

    # --- vision ---------------------------------------------------------------------------------

    def _start_vision(self, source: VideoSource) -> None:
        pump = VisionPump(
            source,
            self._send_frame,
            pacing=pacing_from(self._settings),
            encoder=encoder_from(self._settings, source.label),
            on_event=self._publish,
            on_preview=self._publish,
            paused=self._input.vision_paused,
            end_with_source=False,
        )
        self._pump = pump
        self._pump_task = asyncio.get_running_loop().create_task(pump.run(), name="vision-pump")

    async def _send_frame(self, jpeg: bytes) -> None:
        """Send a frame to whichever session is current (the pump outlives reconnects)."""
        conv = self._conversation
        if conv is None or conv.failure is not None:
            raise LiveError("No live session to send the frame to.")
        await conv.session.send_video(jpeg)

    async def _stop_vision(self) -> None:
        if self._pump is not None:
            pump, task = self._pump, self._pump_task
            self._pump = self._pump_task = None
            await pump.stop()
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # --- history --------------------------------------------------------------------------------

    def _open_history(self) -> None:
        """Append this conversation to a JSON-lines file in the history directory (unless turned off)."""
        if not self._settings.history or self._backend is None:
            return
        writer = HistoryWriter(backend=self._backend.backend.name, model=self._settings.model)
        try:
            writer.open()
        except OSError as err:
            self._notice(f"The conversation history cannot be written ({err}).", "history")
            return
        self._history = writer

    # --- recording ------------------------------------------------------------------------------

    def _open_recorder(self) -> None:
        """With ``record_audio`` on, record both sides to ``<session id>.wav`` beside the history file.

        The recorder runs on the loop thread: it is fed the microphone blocks after they were sent and the
        model's audio as it arrives, and writes in pieces of about 250 ms (a few tens of kilobytes to the
        page cache, no fsync), so it never touches an audio callback and never holds the loop for long.
        """
        if not self._settings.record_audio or self._recorder is not None:
            return
        try:
            path = new_recording_file(self._history.path if self._history is not None else None)
        except OSError as err:
            self._notice(f"The conversation cannot be recorded ({err}).", "recording")
            return
        recorder = TwoChannelRecorder(path, self._clock)
        try:
            recorder.open()
        except MediaError as err:
            path.unlink(missing_ok=True)  # no empty, unplayable file for the history panel to offer
            self._notice(str(err), "recording")
            return
        self._recorder = recorder
        if self._history is not None:
            self._history.note("recording", path=path.name)
        self._recorder_tick = asyncio.get_running_loop().create_task(
            self._tick_recorder(recorder), name="recording-tick"
        )

    async def _tick_recorder(self, recorder: TwoChannelRecorder) -> None:
        """Keep the file current while neither side sends audio (muted, push-to-talk, silence)."""
        while self._recorder is recorder:
            await asyncio.sleep(_RECORDING_TICK_S)
            self._record(None)

    def _record(self, item: MicAudio | ModelAudio | Interrupted | None) -> None:
        """Feed the recorder (None: just write out what settled). A write error ends the recording."""
        recorder = self._recorder
        if recorder is None:
            return
        try:
            if item is None:
                recorder.tick()
            else:
                recorder(item)
        except (OSError, ValueError) as err:
            self._recorder = None
            with contextlib.suppress(OSError, ValueError):
                recorder.close()
            self._notice(f"Recording stopped: {recorder.path} cannot be written ({err}).", "recording")

    async def _close_recorder(self) -> None:
        if self._recorder_tick is not None:
            tick, self._recorder_tick = self._recorder_tick, None
            tick.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tick
        if self._recorder is not None:
            recorder, self._recorder = self._recorder, None
            try:
                recorder.close()
            except (OSError, ValueError) as err:
                self._notice(f"The recording {recorder.path} could not be finished ({err}).", "recording")

    # --- publishing -----------------------------------------------------------------------------

    def _publish(self, event: Event) -> None:
        try:
            if self._history is not None:
                self._history(event)
            self._publish_fn(event)
        except Exception:  # a broken listener must not take the engine down
            log.exception("an event listener failed on %s", type(event).__name__)

    def _publish_input(self) -> None:
        self._publish(self._input)

    def _notice(self, message: str, code: str, *, retryable: bool = False) -> None:
        self._publish(ErrorEvent(message, code=code, retryable=retryable))


class _SilentSink:
    """A sink for when no audio could be opened at all: the session still runs, replies are dropped."""

    def play(self, chunk: ModelAudio) -> None:
        pass

    def interrupt(self) -> None:
        pass

    async def drain(self) -> None:
        pass

    async def aclose(self) -> None:
        pass
