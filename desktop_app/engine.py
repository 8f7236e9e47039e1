"""The conversation engine: microphone blocks to the session, the session's events to the speaker and the UI.

It runs on the loop thread and knows nothing about where audio comes from or goes to (the
:mod:`desktop_app.core.ports` seams) or which backend answers (the LiveSession seam).

Usage::

    async with Conversation(connector, options, sink=sink, on_event=publish) as conv:
        await conv.stream_audio(source)          # returns when the source ends
        await conv.end_audio_stream()
        await conv.wait_for_reply(since_turns=0)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserText
from desktop_app.core.errors import LiveError
from desktop_app.core.events import (
    ErrorEvent,
    Event,
    GenerationComplete,
    Interaction,
    InteractionUpdate,
    Interrupted,
    MicAudio,
    ModelAudio,
    ModelText,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
)
from desktop_app.core.ports import AudioSink, AudioSource
from desktop_app.live.models import model_spec
from desktop_app.live.options import SessionOptions
from desktop_app.live.session import LiveConnector, LiveSession
from desktop_app.runtime.tasks import TaskSupervisor

__all__ = ["Conversation", "ConversationStats"]

log = logging.getLogger(__name__)

_TURN_CONTENT = (ModelAudio, ModelText, Transcript, GenerationComplete)
_MAX_LATENCY_SAMPLES = 10_000  # bounded: oldest samples are dropped


@dataclass(slots=True)
class ConversationStats:
    """Counters for the final status line and the benchmarks."""

    blocks_sent: int = 0
    audio_bytes_sent: int = 0
    model_audio_bytes: int = 0
    stale_chunks_dropped: int = 0
    turns: int = 0
    interruptions: int = 0
    mic_to_wire_s: list[float] = field(default_factory=list)

    def record_mic_to_wire(self, seconds: float) -> None:
        if len(self.mic_to_wire_s) >= _MAX_LATENCY_SAMPLES:
            del self.mic_to_wire_s[: _MAX_LATENCY_SAMPLES // 2]
        self.mic_to_wire_s.append(seconds)


class Conversation:
    """One live conversation on one session. Enter it with ``async with``; all calls on the loop thread.

    Pass the application's ``supervisor`` to run the receive loop as one of its named tasks. Either way the
    loop never dies silently: a LiveError, or any unexpected exception (logged with its traceback), becomes
    an ``ErrorEvent`` and ``SessionState(CLOSED, reason)``, and :attr:`failure` is set.
    """

    def __init__(
        self,
        connector: LiveConnector,
        options: SessionOptions,
        *,
        sink: AudioSink,
        on_event: Callable[[Event], None] = lambda _event: None,
        clock: Clock | None = None,
        supervisor: TaskSupervisor | None = None,
    ) -> None:
        self._connector = connector
        self._supervisor = supervisor
        self._options = options
        self._sink = sink
        self._publish = on_event
        self._clock = clock or MonotonicClock()
        self.stats = ConversationStats()
        self._session: LiveSession | None = None
        self._session_cm: Any = None
        self._receiver: asyncio.Task[None] | None = None
        self._turn_changed = asyncio.Condition()
        self._dropping_interrupted_turn = False
        self._turn_open = False  # model content seen since the last TurnComplete
        self._background_work = model_spec(options.model).background_work  # turn_complete is not "done"
        self._working = False  # a background model's turn ended and its IDLE has not come yet
        self._failure: LiveError | None = None

    @property
    def session(self) -> LiveSession:
        if self._session is None:
            raise RuntimeError("the conversation is not open")
        return self._session

    def set_sink(self, sink: AudioSink) -> None:
        """Play the rest of the conversation through ``sink`` (after the speaker was reopened)."""
        self._sink = sink

    @property
    def failure(self) -> LiveError | None:
        """The error that ended the session, if any."""
        return self._failure

    async def __aenter__(self) -> Conversation:
        self._publish(SessionState(SessionPhase.CONNECTING, self._connector.backend_name))
        self._session_cm = self._connector.connect(self._options)
        try:
            self._session = await self._session_cm.__aenter__()
        except LiveError as err:
            self._publish(SessionState(SessionPhase.CLOSED, str(err)))
            raise
        self._publish(SessionState(SessionPhase.LIVE, self._connector.backend_name))
        if self._supervisor is not None:  # named and tracked with the application's other tasks
            self._receiver = self._supervisor.spawn("conversation-receive", self._receive_loop).task
        else:
            self._receiver = asyncio.get_running_loop().create_task(
                self._receive_loop(), name="conversation-receive"
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session and stop the receive loop. Safe to call twice."""
        if self._session is not None:
            await self._session.close()
        if self._receiver is not None:
            self._receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._receiver
            self._receiver = None
        if self._session_cm is not None:
            cm, self._session_cm = self._session_cm, None
            await cm.__aexit__(None, None, None)
            self._publish(SessionState(SessionPhase.CLOSED, ""))

    # --- sending -------------------------------------------------------------------------------

    async def stream_audio(self, source: AudioSource) -> None:
        """Send every block ``source`` yields until it ends. Raises the session's LiveError if it fails."""
        async for block in source.blocks():
            await self.send_mic_block(block)

    async def send_mic_block(self, block: MicAudio) -> None:
        """Send one microphone block and count it (mic-to-wire latency from ``block.captured_at``)."""
        self._raise_if_failed()
        await self.session.send(UserAudio(block.pcm, block.fmt))
        self.stats.blocks_sent += 1
        self.stats.audio_bytes_sent += len(block.pcm)
        if block.captured_at:
            self.stats.record_mic_to_wire(self._clock.now() - block.captured_at)

    async def end_audio_stream(self) -> None:
        """Tell the server the microphone paused, so it answers what it has heard."""
        self._raise_if_failed()
        await self.session.send(AudioStreamEnd())

    async def send_text(self, text: str) -> None:
        self._raise_if_failed()
        await self.session.send(UserText(text))

    # --- receiving -----------------------------------------------------------------------------

    async def wait_for_reply(self, since_turns: int, timeout: float | None = None) -> None:
        """Wait until a model turn has completed after ``since_turns`` turns and no other turn is under way.

        Take ``since_turns`` from ``stats.turns`` before sending the input you want answered. Raises the
        session's LiveError if it ends first, and TimeoutError after ``timeout`` seconds. On a model whose
        catalog entry says ``background_work`` (extended thinking) the reply counts only once the server
        said ``interaction_status`` IDLE after the turn: pass a ``timeout`` if the server may never say it.
        """

        def answered() -> bool:
            return self.stats.turns > since_turns and not self._turn_open and not self._working

        def ended() -> bool:
            return self._failure is not None or self._receiver is None or self._receiver.done()

        async def _wait() -> None:
            async with self._turn_changed:
                await self._turn_changed.wait_for(lambda: answered() or ended())

        await asyncio.wait_for(_wait(), timeout)
        self._raise_if_failed()
        if not answered():
            raise LiveError("The live session ended before the model answered.")

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    async def _receive_loop(self) -> None:
        try:
            async for event in self.session.events():
                self._dispatch(event)
                if isinstance(event, TurnComplete | InteractionUpdate):
                    async with self._turn_changed:
                        self._turn_changed.notify_all()
        except LiveError as err:
            self._fail(err, getattr(err, "kind", "live_error"))
        except Exception as err:  # a bug, not the network: say plainly that the session stopped
            log.error("the live session's receive loop failed", exc_info=err)
            self._fail(LiveError(f"The live session stopped after an internal error ({err!r})."), "internal")
        finally:
            async with self._turn_changed:
                self._turn_changed.notify_all()

    def _fail(self, err: LiveError, code: str) -> None:
        self._failure = err
        self._publish(ErrorEvent(str(err), code=code, retryable=err.retryable))
        self._publish(SessionState(SessionPhase.CLOSED, str(err)))

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, Interrupted):
            self.stats.interruptions += 1
            self._dropping_interrupted_turn = True
            self._sink.interrupt()
        elif isinstance(event, ModelAudio):
            if self._dropping_interrupted_turn:
                self.stats.stale_chunks_dropped += 1
                return
            self.stats.model_audio_bytes += len(event.pcm)
            self._sink.play(event)
        elif isinstance(event, TurnComplete):
            self.stats.turns += 1
            self._dropping_interrupted_turn = False
            self._turn_open = False
            self._working = self._background_work  # until IDLE (it rides with or follows turn_complete)
        elif isinstance(event, InteractionUpdate) and event.status is not None:
            self._working = event.status is Interaction.IN_PROGRESS
        if isinstance(event, _TURN_CONTENT):
            self._turn_open = True
        self._publish(event)
