"""One browser connection's relay logic as a sans-I/O state machine.

The I/O shell (:mod:`desktop_app.relay.connection`) feeds it browser frames, the live session's events and
what happened to the session (opened, failed, ended), and carries out the actions it returns:

- :class:`OpenSession` — open the live session with these options (after a valid ``setup``);
- :class:`Forward` — hand one chunk, text turn or stream end to the live session;
- :class:`Reply` — queue a JSON frame for the browser (``flush_audio`` first drops queued audio);
- :class:`Reconnect` — close the live session and open a new one with these options after a delay;
- :class:`Close` — close the browser connection with this code and reason.

Policy, in one place:

- The first message must be ``setup``; until a valid one arrives, other messages get ``setup_required``.
  An invalid setup is answered and the browser may send a corrected one.
- ``media_chunks`` are forwarded one by one (the service reads only the first of a legacy list), camera
  frames before audio, so the frame is in view when an utterance in the same message ends.
- The live session is always opened with AUDIO and output transcription. A TEXT client receives the
  model's transcription as ``{"text"}`` and no audio; an AUDIO client receives ``{"audio"}`` plus the
  ``output_transcription``/``input_transcription`` extensions (DESIGN.md §4).
- Every bad message is answered with ``{"error"}`` and the connection goes on, until ``max_errors``
  bad messages (then close 1008). Binary frames are bad messages too.
- A retryable live failure reconnects (with the newest resumption handle) up to ``max_reconnects`` times
  in a row; a fatal one, or too many, is reported and closes the connection (1011 fatal, 1013 retryable).
- ``goAway`` with a resumption handle at hand reconnects at once, before the server cuts the line.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

from desktop_app.core.errors import LiveError, SessionNotFoundError
from desktop_app.core.events import (
    GoAway,
    Interrupted,
    LiveEvent,
    ModelAudio,
    ModelText,
    ResumptionUpdate,
    Role,
    Transcript,
    TurnComplete,
)
from desktop_app.live.options import Modality, SessionOptions
from desktop_app.relay import codec
from desktop_app.relay.messages import (
    AudioChunk,
    AudioStreamEnd,
    BrowserSetup,
    ErrorCode,
    ImageChunk,
    ProtocolError,
    RealtimeInput,
    TextTurn,
)

__all__ = [
    "Action",
    "ClientStats",
    "Close",
    "CloseCode",
    "Forward",
    "OpenSession",
    "Phase",
    "ProtocolLimits",
    "Reconnect",
    "RelayProtocol",
    "Reply",
    "close_reason",
]


class CloseCode(enum.IntEnum):
    """WebSocket close codes the relay uses."""

    NORMAL = 1000
    GOING_AWAY = 1001
    POLICY = 1008  # too many bad messages, no setup, send queue overflow
    TOO_BIG = 1009  # websockets' own max_size enforcement
    UPSTREAM_FAILED = 1011  # the live session failed for good
    TRY_AGAIN_LATER = 1013  # the live session kept dropping; reconnects exhausted


class Phase(enum.StrEnum):
    AWAITING_SETUP = "awaiting_setup"
    LIVE = "live"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class OpenSession:
    options: SessionOptions


@dataclass(frozen=True, slots=True)
class Forward:
    item: AudioChunk | ImageChunk | TextTurn | AudioStreamEnd


@dataclass(frozen=True, slots=True)
class Reply:
    frame: str
    audio: bool = False
    """An ``{"audio"}`` frame: may be dropped from the send queue when the model is interrupted."""
    flush_audio: bool = False
    """Drop audio still queued for the browser before queueing this frame (``{"interrupted"}``)."""


@dataclass(frozen=True, slots=True)
class Reconnect:
    options: SessionOptions
    delay_s: float


@dataclass(frozen=True, slots=True)
class Close:
    code: int
    reason: str


Action = OpenSession | Forward | Reply | Reconnect | Close


@dataclass(frozen=True, slots=True)
class ProtocolLimits:
    max_errors: int = 64
    """Bad messages tolerated per connection before it is closed (1008)."""
    max_reconnects: int = 3
    """Consecutive failed (re)connects before giving up."""
    reconnect_delays_s: tuple[float, ...] = (0.2, 0.5, 1.0)
    """Delay before reconnect attempt 1, 2, 3…; the last value repeats."""


@dataclass(slots=True)
class ClientStats:
    """Per-connection counters, shown by ``GET /status``."""

    messages_in: int = 0
    bytes_in: int = 0
    messages_out: int = 0
    bytes_out: int = 0
    audio_chunks_in: int = 0
    frames_in: int = 0
    texts_in: int = 0
    chunks_skipped: int = 0
    audio_out: int = 0
    errors_sent: int = 0
    audio_dropped: int = 0
    reconnects: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def close_reason(text: str) -> str:
    """``text`` cut to the 123-byte limit of a WebSocket close reason, on a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= 123:
        return text
    return encoded[:120].decode("utf-8", errors="ignore") + "…"


def _identity(text: str) -> str:
    return text


class RelayProtocol:
    """The state of one browser connection. Call everything from one thread; no method does I/O.

    Args:
        base: the relay's session options (model, voice, defaults); the browser's setup overrides only
            the whitelisted fields.
        redact: applied to every error text that leaves the relay (e.g. a :class:`Redactor`).
    """

    def __init__(
        self,
        base: SessionOptions,
        *,
        redact: Callable[[str], str] = _identity,
        limits: ProtocolLimits = ProtocolLimits(),
    ) -> None:
        self._base = base
        self._redact = redact
        self._limits = limits
        self.phase = Phase.AWAITING_SETUP
        self.setup: BrowserSetup | None = None
        self.options: SessionOptions | None = None
        self.stats = ClientStats()
        self.resume_handle: str | None = None
        self._errors = 0
        self._failures = 0
        self._announced = False
        self._forward_output_transcription = True

    # --- browser → relay ------------------------------------------------------------------------

    def receive(self, frame: str | bytes) -> list[Action]:
        """One frame from the browser."""
        self.stats.messages_in += 1
        self.stats.bytes_in += len(frame)
        if self.phase is Phase.CLOSED:
            return []
        message = codec.decode_frame(frame)
        if isinstance(message, ProtocolError):
            return self._reject(message)
        if isinstance(message, BrowserSetup):
            return self._accept_setup(message)
        if self.phase is Phase.AWAITING_SETUP:
            return self._reject(
                ProtocolError(
                    ErrorCode.SETUP_REQUIRED,
                    'Send the setup message first: {"setup": {"generation_config": '
                    '{"response_modalities": ["AUDIO"]}}}.',
                )
            )
        if isinstance(message, TextTurn):
            self.stats.texts_in += 1
            return [Forward(message)]
        return self._realtime(message)

    def _accept_setup(self, setup: BrowserSetup) -> list[Action]:
        if self.phase is not Phase.AWAITING_SETUP:
            return self._reject(
                ProtocolError(
                    ErrorCode.SETUP_REPEATED,
                    "The session is already set up; reconnect to change its settings.",
                )
            )
        base = self._base
        self.setup = setup
        self.options = replace(
            base,
            modality=Modality.AUDIO,
            voice=setup.voice if setup.voice is not None else base.voice,
            system_instruction=(
                setup.system_instruction if setup.system_instruction is not None else base.system_instruction
            ),
            input_transcription=(
                setup.input_transcription
                if setup.input_transcription is not None
                else base.input_transcription
            ),
            output_transcription=True,
            resume_handle=None,
        )
        self._forward_output_transcription = setup.output_transcription is not False
        self.phase = Phase.LIVE
        actions: list[Action] = [OpenSession(self.options)]
        if setup.ignored:
            actions.append(
                self._error_reply(
                    ErrorCode.IGNORED_SETUP_FIELDS,
                    "The relay ignored these setup fields (it chooses them itself): "
                    + ", ".join(setup.ignored)
                    + ".",
                )
            )
        return actions

    def _realtime(self, message: RealtimeInput) -> list[Action]:
        # Frames go first: the tutorial's page puts its latest frame *after* 3 s of audio in the same
        # message, and an utterance that ends inside that audio must be answered with the frame in view.
        frames = [c for c in message.chunks if isinstance(c, ImageChunk)]
        audio = [c for c in message.chunks if isinstance(c, AudioChunk)]
        self.stats.frames_in += len(frames)
        self.stats.audio_chunks_in += len(audio)
        actions: list[Action] = [Forward(chunk) for chunk in frames]
        actions += [Forward(chunk) for chunk in audio]
        self.stats.chunks_skipped += message.skipped
        if message.audio_stream_end:
            actions.append(Forward(AudioStreamEnd()))
        for problem in message.problems:
            actions += self._reject(problem)
            if self.phase is Phase.CLOSED:
                break
        return actions

    def _reject(self, error: ProtocolError) -> list[Action]:
        self._errors += 1
        actions: list[Action] = [self._error_reply(error.code, error.message)]
        if error.fatal:
            return actions + self._close(CloseCode.POLICY, error.message)
        if self._errors >= self._limits.max_errors:
            message = f"Closing after {self._errors} invalid messages."
            actions.append(self._error_reply(ErrorCode.TOO_MANY_ERRORS, message))
            return actions + self._close(CloseCode.POLICY, message)
        return actions

    def setup_timed_out(self, seconds: float) -> list[Action]:
        """No setup arrived in time: answer and close (1008)."""
        message = f"No setup message within {seconds:g} s."
        return [self._error_reply(ErrorCode.SETUP_REQUIRED, message), *self._close(CloseCode.POLICY, message)]

    def send_queue_overflowed(self) -> list[Action]:
        """The browser stopped reading and its send queue is full: close (1008).

        No reply is queued (there is no room); the close reason says why.
        """
        return self._close(CloseCode.POLICY, "Send queue full: the page stopped reading its messages.")

    # --- live session → relay ------------------------------------------------------------------

    def session_opened(self) -> list[Action]:
        """The live session (re)opened. The first time the browser also gets ``setup_complete``."""
        self._failures = 0
        actions: list[Action] = []
        if not self._announced:
            self._announced = True
            actions.append(Reply(codec.encode_flag("setup_complete")))
        else:
            self.stats.reconnects += 1
        actions.append(Reply(codec.encode_session_state("connected")))
        return actions

    def live_event(self, event: LiveEvent) -> list[Action]:
        """One event from the live session's receive loop."""
        if self.phase is not Phase.LIVE:
            return []
        text_client = self.setup is not None and self.setup.modality is Modality.TEXT
        if isinstance(event, ModelAudio):
            if text_client:
                return []
            self.stats.audio_out += 1
            return [Reply(codec.encode_audio(event.pcm), audio=True)]
        if isinstance(event, Transcript):
            if not event.text:
                return []
            if event.role is Role.USER:
                if self.options is not None and self.options.input_transcription:
                    return [Reply(codec.encode_transcription("input_transcription", event.text))]
                return []
            if text_client:
                return [Reply(codec.encode_text(event.text))]
            if self._forward_output_transcription:
                return [Reply(codec.encode_transcription("output_transcription", event.text))]
            return []
        if isinstance(event, ModelText):
            return [Reply(codec.encode_text(event.text))] if event.text else []
        if isinstance(event, Interrupted):
            return [Reply(codec.encode_flag("interrupted"), flush_audio=True)]
        if isinstance(event, TurnComplete):
            return [Reply(codec.encode_flag("turn_complete"))]
        if isinstance(event, ResumptionUpdate):
            if event.resumable and event.handle:
                self.resume_handle = event.handle
            return []
        if isinstance(event, GoAway) and self.resume_handle and self.options is not None:
            return [
                Reply(codec.encode_session_state("reconnecting")),
                Reconnect(self.options.resuming(self.resume_handle), delay_s=0.0),
            ]
        return []  # setup complete (announced on open), usage, tool calls, VAD signals: not forwarded

    def live_failed(self, error: LiveError) -> list[Action]:
        """Opening the live session failed, or it dropped: reconnect or give up."""
        if self.phase is not Phase.LIVE or self.options is None:
            return []
        can_retry = error.retryable or isinstance(error, SessionNotFoundError)
        if can_retry and self._failures < self._limits.max_reconnects:
            delays = self._limits.reconnect_delays_s or (0.0,)
            delay = delays[min(self._failures, len(delays) - 1)]
            self._failures += 1
            if isinstance(error, SessionNotFoundError):
                self.resume_handle = None  # the handle was refused: start fresh
            return [
                Reply(codec.encode_session_state("reconnecting")),
                Reconnect(self.options.resuming(self.resume_handle), delay_s=delay),
            ]
        message = self._redact(str(error)) or "The live session failed."
        code = CloseCode.TRY_AGAIN_LATER if can_retry else CloseCode.UPSTREAM_FAILED
        return [
            self._error_reply(error.kind, message, redacted=True),
            Reply(codec.encode_session_state("closed")),
            *self._close(code, message),
        ]

    def live_ended(self) -> list[Action]:
        """The live session's event stream ended without an error (the server closed it normally)."""
        if self.phase is not Phase.LIVE:
            return []
        return [
            Reply(codec.encode_session_state("closed")),
            *self._close(CloseCode.NORMAL, "The live session ended."),
        ]

    # --- helpers --------------------------------------------------------------------------------

    def _error_reply(self, code: str, message: str, *, redacted: bool = False) -> Reply:
        self.stats.errors_sent += 1
        return Reply(codec.encode_error(code, message if redacted else self._redact(message)))

    def _close(self, code: int, reason: str) -> list[Action]:
        self.phase = Phase.CLOSED
        return [Close(code, close_reason(self._redact(reason)))]
