"""One browser connection's relay logic as a sans-I/O state machine.

The I/O shell (:mod:`desktop_app.relay.connection`) feeds it browser frames, the live session's events and
what happened to the session (opened, failed, ended), and carries out the actions it returns:

- :class:`OpenSession` — open the live session with these options (after a valid ``setup``);
- :class:`Forward` — send one command (audio, a frame, a typed turn, a stream end) to the live session;
- :class:`Reply` — queue a JSON frame for the browser (``flush_audio`` first drops queued audio);
- :class:`Close` — close the browser connection with this code and reason;
- :class:`RunTools` / :class:`AnswerConsent` — for the connection's tools (:mod:`.page_tools`).

Policy, in one place:

- The first message must be ``setup``; until a valid one arrives, other messages get ``setup_required``.
  An invalid setup is answered and the browser may send a corrected one. No setup in time: close 1008.
- ``media_chunks`` are forwarded one by one (the service reads only the first of a legacy list), camera
  frames before audio, so the frame is in view when an utterance in the same message ends.
- The live session is always opened with AUDIO and output transcription. A TEXT client receives the
  model's transcription as ``{"text"}`` and no audio; an AUDIO client receives ``{"audio"}`` plus the
  ``output_transcription``/``input_transcription`` extensions (DESIGN.md §4).
- Every bad message is answered with ``{"error"}`` and the connection goes on, until ``max_errors``
  bad messages (then close 1008). Binary frames are bad messages too.
- Messages beyond the per-connection rate (``rate_per_s``, bursts of ``rate_burst``) are answered with
  ``rate_limited`` and dropped; they do not count against ``max_errors``.
- One live session per browser, opened once. Reconnecting is the live session's business (a
  :class:`~desktop_app.live.resilient_session.ResilientSession` retries with backoff and a cap, handles
  ``goAway`` and resumes); the relay only passes on what it reports: ``SessionState`` RECONNECTING becomes
  ``{"session": {"state": "reconnecting"}}`` and LIVE again ``{"session": {"state": "connected"}}``.
- When the live session fails for good the browser gets ``{"error"}``, ``{"session": {"state": "closed"}}``
  and a close: 1013 (try again later) when the failure was transient (the reconnect cap was reached, or a
  plain connector's drop), 1011 when it was fatal (a refused key, 1007, 1008). Nothing is retried here.
- Tool calls go to the connection's own tool runtime; the page sees them as ``tool_call``/``tool_result``
  (:mod:`.tool_frames`) and answers consent cards with ``tool_consent``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from desktop_app.core.app_events import ToolActivity
from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserImage, UserText
from desktop_app.core.errors import LiveError
from desktop_app.core.events import (
    Grounding,
    Interrupted,
    LiveEvent,
    ModelAudio,
    ModelText,
    Role,
    SessionPhase,
    SessionState,
    ToolCall,
    ToolCallCancellation,
    Transcript,
    TurnComplete,
)
from desktop_app.live.options import Modality, SessionOptions
from desktop_app.live.reconnect import ReconnectGaveUpError
from desktop_app.relay import codec
from desktop_app.relay.messages import BrowserSetup, ErrorCode, ProtocolError, RealtimeInput, ToolConsent
from desktop_app.relay.protocol_values import (
    Action,
    AnswerConsent,
    ClientStats,
    Close,
    CloseCode,
    Forward,
    OpenSession,
    Phase,
    ProtocolLimits,
    Reply,
    RunTools,
    close_reason,
)
from desktop_app.relay.ratelimit import TokenBucket
from desktop_app.relay.tool_codec import encode_grounding
from desktop_app.relay.tool_frames import ToolFrames

__all__ = ["RelayProtocol"]


def _identity(text: str) -> str:
    return text


class RelayProtocol:
    """The state of one browser connection. Call everything from one thread; no method does I/O.

    Args:
        base: the relay's session options (model, voice, defaults); the browser's setup overrides only
            the whitelisted fields.
        redact: applied to every error text that leaves the relay (e.g. a :class:`Redactor`).
        limits: the error budget and the inbound rate limit (default: :class:`ProtocolLimits`).

    ``session`` is the live session's state for ``/status``: ``awaiting_setup``, ``connecting``,
    ``connected``, ``reconnecting`` or ``closed``.
    """

    def __init__(
        self,
        base: SessionOptions,
        *,
        redact: Callable[[str], str] = _identity,
        limits: ProtocolLimits | None = None,
    ) -> None:
        limits = limits or ProtocolLimits()
        self._base = base
        self._redact = redact
        self._limits = limits
        self.phase = Phase.AWAITING_SETUP
        self.setup: BrowserSetup | None = None
        self.options: SessionOptions | None = None
        self.stats = ClientStats()
        self.session = "awaiting_setup"
        self._errors = 0
        self._announced = False
        self._forward_output_transcription = True
        self._tool_frames = ToolFrames()
        self._bucket = TokenBucket(limits.rate_per_s, limits.rate_burst) if limits.rate_per_s > 0 else None
        self._rate_limited_frame = codec.encode_error(
            ErrorCode.RATE_LIMITED,
            f"Too many messages: the relay takes at most {limits.rate_per_s:g} per second "
            f"(bursts of {limits.rate_burst}); this one was dropped.",
        )

    # --- browser → relay ------------------------------------------------------------------------

    def receive(self, frame: str | bytes, now: float | None = None) -> list[Action]:
        """One frame from the browser, received at monotonic time ``now`` (None: no rate limit)."""
        self.stats.messages_in += 1
        self.stats.bytes_in += len(frame)
        if self.phase is Phase.CLOSED:
            return []
        if now is not None and self._bucket is not None and not self._bucket.take(now):
            self.stats.rate_limited += 1
            self.stats.errors_sent += 1
            return [Reply(self._rate_limited_frame)]
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
        if isinstance(message, UserText):
            self.stats.texts_in += 1
            return [Forward(message)]
        if isinstance(message, ToolConsent):
            return [AnswerConsent(message.call_id, message.decision)]
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
        self.session = "connecting"
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
        frames = [c for c in message.chunks if isinstance(c, UserImage)]
        audio = [c for c in message.chunks if isinstance(c, UserAudio)]
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
        """No setup arrived in time (an idle or dead client): answer and close (1008)."""
        message = f"Setup timeout: no setup message within {seconds:g} s."
        return [self._error_reply(ErrorCode.SETUP_TIMEOUT, message), *self._close(CloseCode.POLICY, message)]

    def send_queue_overflowed(self) -> list[Action]:
        """The browser stopped reading and its send queue is full: close (1008).

        No reply is queued (there is no room); the close reason says why.
        """
        return self._close(CloseCode.POLICY, "Send queue full: the page stopped reading its messages.")

    # --- live session → relay ------------------------------------------------------------------

    def session_opened(self) -> list[Action]:
        """The live session opened: the browser gets ``setup_complete`` (once) and ``connected``."""
        self.session = "connected"
        actions: list[Action] = []
        if not self._announced:
            self._announced = True
            actions.append(Reply(codec.encode_flag("setup_complete")))
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
        if isinstance(event, SessionState):
            return self._session_state(event.phase, event.notice)
        if isinstance(event, Grounding):
            return [Reply(encode_grounding(event.queries, [(s.title, s.uri) for s in event.sources]))]
        if isinstance(event, ToolCall | ToolCallCancellation):
            if isinstance(event, ToolCall):
                self._tool_frames.calls(event)
            return [RunTools(event)]
        # setup complete (announced on open), usage, VAD signals: not forwarded; goAway and
        # resumption handles are the live session's business (a plain session rides goAway to the cut)
        return []

    def _session_state(self, phase: SessionPhase, notice: str = "") -> list[Action]:
        """A resilient session's state change. Each change is sent once (attempts are not repeated);
        CLOSED is not sent here: the error that follows it (:meth:`live_failed`) says why."""
        if phase is SessionPhase.RECONNECTING and self.session != "reconnecting":
            self.session = "reconnecting"
            return [Reply(codec.encode_session_state("reconnecting", notice))]
        if phase is SessionPhase.LIVE and self.session == "reconnecting":
            self.session = "connected"
            self.stats.reconnects += 1
            return [Reply(codec.encode_session_state("connected", notice))]
        return []

    def live_failed(self, error: LiveError) -> list[Action]:
        """Opening the live session failed, or it failed for good: report and close. Never retried here.

        1013 when the failure was transient (the reconnect cap was reached, or a plain connector's drop or
        1011), so the page may try again later; 1011 when it was fatal (a refused key, 1007, 1008).
        """
        if self.phase is not Phase.LIVE or self.options is None:
            return []
        transient = error.retryable or isinstance(error, ReconnectGaveUpError)
        message = self._redact(str(error)) or "The live session failed."
        code = CloseCode.TRY_AGAIN_LATER if transient else CloseCode.UPSTREAM_FAILED
        self.session = "closed"
        return [
            self._error_reply(error.kind, message, redacted=True),
            Reply(codec.encode_session_state("closed")),
            *self._close(code, message),
        ]

    def live_ended(self) -> list[Action]:
        """The live session's event stream ended without an error (the server closed it normally)."""
        if self.phase is not Phase.LIVE:
            return []
        self.session = "closed"
        return [
            Reply(codec.encode_session_state("closed")),
            *self._close(CloseCode.NORMAL, "The live session ended."),
        ]

    def tool_activity(self, event: ToolActivity) -> list[Action]:
        """A step of one of this connection's tool calls: ``tool_call`` / ``tool_result`` (redacted)."""
        live = self.phase is Phase.LIVE
        return [Reply(self._redact(f)) for f in self._tool_frames.activity(event)] if live else []

    def unknown_call(self, call_id: str) -> list[Action]:
        """A ``tool_consent`` no card waits on: an error, not counted (a late click is no bad client)."""
        message = f"No consent card waits for the tool call '{call_id[:40]}': it was answered or withdrawn."
        return [self._error_reply(ErrorCode.UNKNOWN_CALL, message)]

    # --- helpers --------------------------------------------------------------------------------

    def _error_reply(self, code: str, message: str, *, redacted: bool = False) -> Reply:
        self.stats.errors_sent += 1
        return Reply(codec.encode_error(code, message if redacted else self._redact(message)))

    def _close(self, code: int, reason: str) -> list[Action]:
        self.phase = Phase.CLOSED
        return [Close(code, close_reason(self._redact(reason)))]
