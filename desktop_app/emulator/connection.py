"""One emulator connection: the handshake checks, the reader, the paced writer and the injected faults.

The reader validates the setup (key, model, modality, resumption handle), builds the connection's
:class:`~desktop_app.emulator.model.SimulatedModel` and feeds it every client message; the writer sends
what the model pops, pacing reply audio at ``config.pace`` × real time. Counted faults (``Faults``) fire
here as messages go in and out. Frames are read by ``decode`` and ``parse`` and written by ``encode``;
turn logic lives in ``model``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from desktop_app.emulator import protocol_errors as errors
from desktop_app.emulator.decode import decode_frame
from desktop_app.emulator.encode import encode
from desktop_app.emulator.handshake import match_path, request_key
from desktop_app.emulator.messages import (
    AudioIn,
    GoAway,
    Interrupted,
    ServerOutput,
    ToolCall,
    ToolCallCancellation,
    ToolResponse,
    TurnComplete,
    VideoIn,
)
from desktop_app.emulator.model import ModelOptions, Outgoing, SimulatedModel
from desktop_app.emulator.model_rules import BACKGROUND_MODELS, check_setup
from desktop_app.emulator.parse import parse_client_message, parse_setup
from desktop_app.emulator.resumption import SessionState, new_session_id
from desktop_app.emulator.tool_calls import check_tools

if TYPE_CHECKING:
    from desktop_app.emulator.server import Emulator

__all__ = ["Connection"]

log = logging.getLogger(__name__)

DELAYED_MAX = 1024
"""Messages held back by ``Faults.reply_delay_ms`` at most; when full the writer waits (backpressure, as
a congested link): nothing is dropped, so the bytes on the wire stay those of an undelayed connection."""


class Connection:
    """One client connection: the reader (the task that calls :meth:`run`), a writer and timer tasks.

    The server makes one per accepted WebSocket and awaits :meth:`run`, which returns once the connection
    is over and every task it started has finished. :meth:`close`, :meth:`drop` and :meth:`start_go_away`
    may be called from the loop at any time (fault injection on demand).
    """

    def __init__(self, emulator: Emulator, ws: ServerConnection) -> None:
        self.emulator = emulator
        self.config = emulator.config
        self.stats = emulator.stats
        self.ws = ws
        self.api_version = match_path(ws.request.path if ws.request else "") or "v1beta"
        self.model: SimulatedModel | None = None
        self._received = 0
        self._sent = 0
        self._wake = asyncio.Event()
        self._next_at = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._closer: asyncio.Task[None] | None = None
        self._delayed: asyncio.Queue[tuple[float, Outgoing, bytes]] = asyncio.Queue(DELAYED_MAX)
        self._delayer: asyncio.Task[None] | None = None
        self._finished = False

    # ------------------------------------------------------------------ control

    async def close(self, code: int, reason: str) -> None:
        """Close with ``code`` and ``reason`` (cut to fit a close frame); returns once the frame went out."""
        self._request_close(code, reason)
        if self._closer is not None:
            await asyncio.shield(self._closer)

    def _request_close(self, code: int, reason: str) -> None:
        if self._closer is None and not self._finished:
            self.stats.close_codes.append(code)
            self._closer = asyncio.create_task(
                self.ws.close(code, errors.close_reason(reason)), name="emulator-close"
            )
            self.emulator.changed()

    def drop(self) -> None:
        """Abort the TCP stream without a close frame (the client sees 1006). Idempotent."""
        if self._finished:
            return
        self._finished = True
        self.stats.drops += 1
        self.stats.close_codes.append(1006)
        self.ws.transport.abort()
        self.emulator.changed()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``coro`` until the connection ends; if it fails, log why and close 1011."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("emulator task %s failed", task.get_name(), exc_info=task.exception())
            self._request_close(1011, errors.INTERNAL)

    def start_go_away(self, time_left_s: float) -> None:
        """Send ``goAway`` now and close 1011 after ``time_left_s``; ignored before the setup is accepted."""
        if self.model is not None and not self._finished:
            self._spawn(self._go_away(0.0, time_left_s), "emulator-go-away")

    # ------------------------------------------------------------------ reader

    async def run(self) -> None:
        """Serve the connection until it ends; protocol errors close it with their code. Await it once."""
        try:
            await self._run()
        except errors.WireError as error:
            log.info("closing emulator connection: %s", error)
            if self.model is None:
                self.stats.setups_rejected += 1
            self._request_close(error.code, error.reason)
        except ConnectionClosed:
            pass
        finally:
            pending = list(self._tasks)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if self._closer is not None:
                await asyncio.gather(self._closer, return_exceptions=True)
            self._finished = True

    def _count_in(self) -> bool:
        """Count a received message; True if a fault ended the connection."""
        self._received += 1
        self.stats.messages_in += 1
        if self.emulator.faults.take("drop_after_client_messages", self._received):
            self.drop()
            return True
        if self.emulator.faults.take("close_after_client_messages", self._received):
            self._request_close(self.emulator.faults.close_code, self.emulator.faults.close_reason)
            return True
        return False

    async def _run(self) -> None:
        first = await self.ws.recv()
        if self._count_in():
            return
        request = self.ws.request
        key = request_key(request.path, request.headers) if request else ""
        if not self.config.key_accepted(key):
            raise errors.WireError(errors.INVALID_PAYLOAD, errors.API_KEY_INVALID)
        setup = parse_setup(decode_frame(first, self.api_version))
        if setup.model_id not in self.config.known_models:
            raise errors.model_not_found(setup.model, self.api_version)
        if setup.response_modalities == ("TEXT",) and setup.model_id not in self.config.text_models:
            raise errors.invalid()  # native-audio models "always respond with audio output"
        check_setup(setup)  # what this model refuses, per its documentation
        check_tools(setup)  # malformed function declarations, per the API reference
        state = self._session_state(setup.resume_handle)
        self.model = SimulatedModel(
            setup,
            state,
            options=ModelOptions(
                chunk_ms=self.config.chunk_ms,
                max_utterance_s=self.config.max_utterance_s,
                voice_activity=self.config.voice_activity,
                client_content_history_only=setup.model_id in self.config.history_only_models,
                background_work=setup.model_id in BACKGROUND_MODELS,
                tool_triggers=self.config.tool_triggers,
                speech_triggers=self.config.speech_triggers,
            ),
            store=self.emulator.store,
        )
        self.stats.setups_accepted += 1
        self.stats.last_setup = setup.raw
        self.emulator.changed()
        self._spawn(self._write_loop(), "emulator-writer")
        if self.config.go_away_after_s is not None:
            self._spawn(
                self._go_away(self.config.go_away_after_s, self.config.go_away_time_left_s),
                "emulator-go-away",
            )
        async for frame in self.ws:
            if self._count_in():
                return
            events = parse_client_message(decode_frame(frame, self.api_version))
            for event in events:
                if isinstance(event, AudioIn):
                    self.stats.audio_in_s += len(event.pcm) / (2 * event.rate)
                    if self.emulator.timeline is not None:
                        self.emulator.timeline.received_audio(self.stats.audio_in_s)
                elif isinstance(event, VideoIn):
                    self.stats.video_frames_in += 1
                elif isinstance(event, ToolResponse):
                    schedulings = event.schedulings or (None,) * len(event.ids)
                    self.stats.tool_responses.extend(zip(event.ids, schedulings, strict=False))
                self.model.handle(event)
            self._wake.set()
            self.emulator.changed()

    def _session_state(self, handle: str | None) -> SessionState:
        if handle is None:
            return SessionState(session_id=new_session_id())
        if self.emulator.faults.reject_next_resumption:
            self.emulator.faults.reject_next_resumption = False
            raise errors.WireError(errors.POLICY_VIOLATION, errors.SESSION_NOT_FOUND)
        state = self.emulator.store.lookup(handle)
        if state is None:
            raise errors.WireError(errors.POLICY_VIOLATION, errors.SESSION_NOT_FOUND)
        self.stats.resumptions += 1
        return dataclasses.replace(state, resumptions=state.resumptions + 1)

    # ------------------------------------------------------------------ writer

    async def _write_loop(self) -> None:
        """Send what the model produces, pacing audio at ``config.pace`` × real time (at most
        ``config.lead_ms`` ahead of it).

        Urgent messages (voice activity, transcriptions, ``interrupted``, ``goAway``) never wait for the
        pacing of reply audio.
        """
        assert self.model is not None
        model = self.model
        loop = asyncio.get_running_loop()
        pace = self.config.pace
        lead = self.config.lead_ms / 1000
        while not self._finished and self._closer is None:
            self._wake.clear()
            now = loop.time()
            if not model.has_urgent and model.has_output and now < self._next_at - lead:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_at - lead - now)
                continue
            outgoing = model.pop()
            if outgoing is None:
                await self._wake.wait()
                continue
            if isinstance(outgoing.output, Interrupted):
                self._next_at = now
            await self._transmit(outgoing)
            if outgoing.audio_s > 0 and pace > 0:
                self._next_at = max(self._next_at, now) + outgoing.audio_s / pace

    async def _transmit(self, outgoing: Outgoing) -> None:
        frame = encode(outgoing.output)
        delay = self.emulator.faults.reply_delay_ms / 1000
        if delay <= 0 and self._delayed.empty():
            await self._send_now(outgoing, frame)
            return
        if self._delayer is None:
            self._delayer = self._spawn(self._delay_loop(), "emulator-delay")
        await self._delayed.put((asyncio.get_running_loop().time() + delay, outgoing, frame))

    async def _delay_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            send_at, outgoing, frame = await self._delayed.get()
            wait = send_at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # the injected latency itself, not synchronisation
            await self._send_now(outgoing, frame)

    async def _send_now(self, outgoing: Outgoing, frame: bytes) -> None:
        if self._finished or self._closer is not None:
            return
        try:
            await self.ws.send(frame)  # bytes → a binary frame, as the service sends
        except ConnectionClosed:
            self._finished = True
            return
        self._sent += 1
        self._count_out(outgoing.output)
        if self.emulator.timeline is not None:
            self.emulator.timeline.sent(outgoing.output)
        if self.emulator.faults.take("drop_after_server_messages", self._sent):
            self.drop()
        elif self.emulator.faults.take("close_after_server_messages", self._sent):
            self._request_close(self.emulator.faults.close_code, self.emulator.faults.close_reason)
        self.emulator.changed()

    def _count_out(self, output: ServerOutput) -> None:
        stats = self.stats
        stats.messages_out += 1
        if isinstance(output, TurnComplete):
            stats.turns += 1
        elif isinstance(output, Interrupted):
            stats.interruptions += 1
        elif isinstance(output, ToolCall):
            stats.tool_calls += len(output.calls)
        elif isinstance(output, ToolCallCancellation):
            stats.tool_cancellations += len(output.ids)
        elif isinstance(output, GoAway):
            stats.go_aways += 1

    async def _go_away(self, after_s: float, time_left_s: float) -> None:
        if after_s > 0:
            await asyncio.sleep(after_s)  # the configured timer
        assert self.model is not None
        self.model.emit(GoAway(time_left_s))
        self._wake.set()
        await asyncio.sleep(time_left_s)  # the announced time left
        self._request_close(errors.INTERNAL_ERROR, errors.DEADLINE_EXPIRED)
