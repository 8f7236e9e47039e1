"""The simulated model: turn logic as a sans-I/O state machine.

One :class:`SimulatedModel` serves one connection. The shell feeds it every parsed client event with
:meth:`SimulatedModel.handle` and sends whatever :meth:`SimulatedModel.pop` returns, in order, pacing audio by
:attr:`Outgoing.audio_s`. The model never sleeps or touches a socket; "what has been sent" is exactly "what
has been popped", which is what makes barge-in honest: an interruption drops the part of the reply that was
not popped yet, and its usage counts only what was.

What it does (DESIGN.md §6): end of speech → the utterance echoed back at 24 kHz plus a transcription that
describes what arrived (duration, level, latest camera frame); text → ``You said: "…"`` with a synthetic
voice; a text that names a declared function → ``toolCall``, answered after the ``toolResponse``; speech or
text during a reply (with START_OF_ACTIVITY_INTERRUPTS) → ``interrupted`` then ``turnComplete``.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, rms_dbfs
from desktop_app.emulator import media
from desktop_app.emulator.messages import (
    ActivityEnd,
    ActivityStart,
    AudioChunk,
    AudioIn,
    AudioStreamEnd,
    ClientEvent,
    ClientTurn,
    ContextUpdate,
    FunctionCall,
    GenerationComplete,
    InputTranscription,
    Interrupted,
    OutputTranscription,
    ServerOutput,
    SessionResumptionUpdate,
    SetupComplete,
    TextIn,
    TextPart,
    ToolCall,
    ToolCallCancellation,
    ToolResponse,
    TurnComplete,
    Usage,
    VadSignal,
    VideoIn,
    VoiceActivity,
)
from desktop_app.emulator.parse import SetupRequest
from desktop_app.emulator.protocol_errors import invalid
from desktop_app.emulator.vad import EnergyVad, SpeechEnded, SpeechStarted, VadEvent, VadParams

__all__ = [
    "ModelOptions",
    "Outgoing",
    "ResumptionStore",
    "SessionState",
    "SimulatedModel",
    "new_session_id",
]

AUDIO_TOKENS_IN_PER_S = 32
AUDIO_TOKENS_OUT_PER_S = 25


def new_session_id() -> str:
    return f"emulator-{secrets.token_hex(8)}"


def _new_call_id() -> str:
    return f"function-call-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class SessionState:
    """What survives a resumption: the session id and how many user turns were answered."""

    session_id: str
    turns: int = 0
    resumptions: int = 0


class ResumptionStore:
    """Resumption handles → session snapshots, shared by all connections of one emulator instance.

    Handles stay valid for the store's lifetime; resuming with an older handle resumes from that older point.
    """

    def __init__(self, new_handle: Callable[[], str] | None = None) -> None:
        self._new_handle = new_handle or (lambda: secrets.token_urlsafe(24))
        self._states: dict[str, SessionState] = {}

    def issue(self, state: SessionState) -> str:
        handle = self._new_handle()
        self._states[handle] = state
        return handle

    def lookup(self, handle: str) -> SessionState | None:
        return self._states.get(handle)

    def __len__(self) -> int:
        return len(self._states)


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """Knobs of the simulated model (the emulator's config fills them in)."""

    chunk_ms: int = 40
    max_utterance_s: float = 30.0
    voice_activity: bool = True  # send voiceActivity start/end when the VAD fires
    # Gemini 3.1 Flash Live takes clientContent only to seed history, and only with
    # historyConfig.initialHistoryInClientContent; anything else closes 1007 (research/protocol.md §2.5).
    client_content_history_only: bool = False


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One server message to send. ``audio_s`` is the audio it carries: wait that long (÷ pace) after it."""

    output: ServerOutput
    audio_s: float = 0.0


@dataclass(slots=True)
class _Item:
    output: ServerOutput | None  # None marks a quiet point: a resumption update is made when popped
    audio_s: float = 0.0


@dataclass(slots=True)
class _Reply:
    """One model turn in progress: queued items plus what has been sent so far (for honest usage)."""

    items: deque[_Item]
    prompt: dict[str, int]
    waiting_for: dict[str, str] = field(default_factory=dict)  # tool call id → function name
    sent_audio_s: float = 0.0
    sent_text_chars: int = 0
    turn: int = 0


class SimulatedModel:
    """The emulator's stand-in for a Live model, for one connection.

    Args:
        setup: the accepted setup of this connection.
        state: the session's state (fresh, or looked up from a resumption handle).
        options: pacing chunk size, VAD limits, voice-activity messages.
        store: where resumption handles are issued; required when ``setup.resumption`` is on.
        new_call_id: id factory for tool calls (tests pass a deterministic one).

    The constructor queues ``setupComplete`` (and, with resumption on, the first handle): the shell starts
    by popping those.
    """

    def __init__(
        self,
        setup: SetupRequest,
        state: SessionState,
        *,
        options: ModelOptions | None = None,
        store: ResumptionStore | None = None,
        new_call_id: Callable[[], str] = _new_call_id,
    ) -> None:
        self.setup = setup
        self.options = options or ModelOptions()
        self._state = state
        self._store = store if store is not None else ResumptionStore()
        self._new_call_id = new_call_id
        activity = setup.activity
        self._vad = EnergyVad(
            VadParams.from_setup(
                activity.start_sensitivity,
                activity.end_sensitivity,
                activity.prefix_padding_ms,
                activity.silence_duration_ms,
                max_utterance_ms=int(self.options.max_utterance_s * 1000),
            )
        )
        self._text_mode = setup.response_modalities == ("TEXT",)
        self._urgent: deque[_Item] = deque()
        self._replies: deque[_Reply] = deque()
        self._manual_active = False
        self._manual_audio = bytearray()
        self._pending_texts: list[str] = []
        self._frame: VideoIn | None = None
        self._frame_info: tuple[VideoIn, media.FrameInfo | None] | None = None
        self._frames_since_turn = 0
        self._realtime_seen = False
        self._urgent.append(_Item(SetupComplete(session_id=state.session_id)))
        if setup.resumption:
            self._urgent.append(_Item(None))

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def turn_open(self) -> bool:
        """True while a model turn is being sent or waits for a tool response."""
        return bool(self._replies)

    @property
    def has_urgent(self) -> bool:
        """True if a message that must not wait for audio pacing is queued."""
        return bool(self._urgent)

    @property
    def has_output(self) -> bool:
        if self._urgent:
            return True
        head = self._replies[0] if self._replies else None
        return head is not None and (bool(head.items) or not head.waiting_for)

    # ------------------------------------------------------------------ input

    def handle(self, event: ClientEvent) -> None:
        """Take one client event. Raises :class:`~desktop_app.emulator.protocol_errors.WireError` for a
        message the service would refuse at this point (activity signals while automatic detection is on;
        client content on a model that takes it only as seeded history)."""
        if not isinstance(event, ClientTurn | ToolResponse | ContextUpdate):
            self._realtime_seen = True
        match event:
            case AudioIn(pcm=pcm, rate=rate):
                self._on_audio(media.resample(pcm, rate, MIC_FORMAT.rate))
            case VideoIn():
                if event.mime_type.lower().startswith("image/"):
                    self._frame = event
                    self._frames_since_turn += 1
            case TextIn(text=text):
                if self.setup.activity.interrupts:
                    self._interrupt()
                self._answer_text(text)
            case ActivityStart():
                self._require_manual()
                if not self._manual_active:
                    self._manual_active = True
                    self._manual_audio.clear()
                    if self.setup.activity.interrupts:
                        self._interrupt()
            case ActivityEnd():
                self._require_manual()
                if self._manual_active:
                    self._manual_active = False
                    audio = bytes(self._manual_audio)
                    self._manual_audio.clear()
                    self._answer_speech(audio, rms_dbfs(audio))
            case AudioStreamEnd():
                if not self.setup.activity.disabled:
                    for vad_event in self._vad.flush():
                        self._on_vad(vad_event)
            case ClientTurn(texts=texts) if self.options.client_content_history_only:
                if self._realtime_seen or not self.setup.history_in_client_content:
                    raise invalid()
                self._pending_texts.extend(t for t in texts if t)  # seeded history: no reply
            case ClientTurn(texts=texts, turn_complete=complete):
                self._interrupt()  # "A message here will interrupt any current model generation"
                self._pending_texts.extend(t for t in texts if t)
                if complete:
                    text = "\n".join(self._pending_texts)
                    self._pending_texts.clear()
                    self._answer_text(text)
            case ToolResponse(ids=ids, responses=responses):
                self._on_tool_response(ids, responses)
            case ContextUpdate():
                pass

    def emit(self, output: ServerOutput) -> None:
        """Queue a message the shell decided on (e.g. ``goAway``) ahead of any reply audio."""
        self._urgent.append(_Item(output))

    # ------------------------------------------------------------------ output

    def pop(self) -> Outgoing | None:
        """The next message to send, or None when there is nothing to send now.

        Popping counts as sending: interruptions keep what was popped and drop the rest.
        """
        item: _Item | None = None
        if self._urgent:
            item = self._urgent.popleft()
        else:
            while self._replies and item is None:
                head = self._replies[0]
                if head.items:
                    item = head.items.popleft()
                    head.sent_audio_s += item.audio_s
                    if isinstance(item.output, TextPart | OutputTranscription):
                        head.sent_text_chars += len(item.output.text)
                elif head.waiting_for:
                    return None
                if not head.items and not head.waiting_for:
                    self._replies.popleft()
        if item is None:
            return None
        if item.output is None:
            return self._resumption_update()
        return Outgoing(item.output, item.audio_s)

    def _resumption_update(self) -> Outgoing | None:
        if self._replies:  # not a quiet point any more: a new turn started meanwhile
            return self.pop()
        handle = self._store.issue(self._state)
        return Outgoing(SessionResumptionUpdate(new_handle=handle, resumable=True))

    # ------------------------------------------------------------------ audio and VAD

    def _require_manual(self) -> None:
        if not self.setup.activity.disabled:
            # activityStart/End are only valid with automatic activity detection disabled.
            raise invalid()

    def _on_audio(self, pcm: bytes) -> None:
        if self.setup.activity.disabled:
            room = int(self.options.max_utterance_s * MIC_FORMAT.rate) * 2 - len(self._manual_audio)
            if self._manual_active and room > 0:
                self._manual_audio += pcm[:room]
            return
        for vad_event in self._vad.feed(pcm):
            self._on_vad(vad_event)

    def _on_vad(self, event: VadEvent) -> None:
        if isinstance(event, SpeechStarted):
            if self.options.voice_activity:
                self._urgent.append(_Item(VoiceActivity("ACTIVITY_START", event.offset_s)))
            if self.setup.explicit_vad_signal:
                self._urgent.append(_Item(VadSignal("VAD_SIGNAL_TYPE_SOS")))
            if self.setup.activity.interrupts:
                self._interrupt()
        elif isinstance(event, SpeechEnded):
            if self.options.voice_activity:
                self._urgent.append(_Item(VoiceActivity("ACTIVITY_END", event.offset_s)))
            if self.setup.explicit_vad_signal:
                self._urgent.append(_Item(VadSignal("VAD_SIGNAL_TYPE_EOS")))
            self._answer_speech(event.audio, event.level_dbfs)

    # ------------------------------------------------------------------ turns

    def _interrupt(self) -> None:
        if not self._replies:
            return
        head = self._replies[0]
        cancelled = tuple(head.waiting_for)
        response: dict[str, int] = {}
        if head.sent_audio_s:
            response["AUDIO"] = round(head.sent_audio_s * AUDIO_TOKENS_OUT_PER_S)
        if head.sent_text_chars and self._text_mode:
            response["TEXT"] = math.ceil(head.sent_text_chars / 4)
        self._replies.clear()
        if cancelled:
            self._urgent.append(_Item(ToolCallCancellation(cancelled)))
        self._urgent.append(_Item(Interrupted()))
        self._urgent.append(_Item(TurnComplete(Usage(dict(head.prompt), response))))
        if self.setup.resumption:
            self._urgent.append(_Item(None))

    def _next_turn(self) -> int:
        self._state = replace(self._state, turns=self._state.turns + 1)
        return self._state.turns

    def _prompt(self, **modalities: int) -> dict[str, int]:
        prompt = {name: count for name, count in modalities.items() if count > 0}
        if self._frames_since_turn:
            per_frame = 66 if self.setup.media_resolution == "MEDIA_RESOLUTION_LOW" else 258
            prompt["VIDEO"] = self._frames_since_turn * per_frame
            self._frames_since_turn = 0
        return prompt

    def _answer_speech(self, audio16: bytes, level_dbfs: float) -> None:
        turn = self._next_turn()
        duration = MIC_FORMAT.duration_s(len(audio16))
        if self.setup.input_transcription:
            self._urgent.append(_Item(InputTranscription(f"[speech {duration:.1f} s]")))
        if audio16:
            heard = (
                f"I heard {duration:.1f} s of speech at {level_dbfs:.0f} dBFS and am playing it back to you."
            )
            reply_audio = media.resample(audio16, MIC_FORMAT.rate, MODEL_FORMAT.rate)
        else:
            heard = "I heard no audio between activityStart and activityEnd."
            reply_audio = media.synth_voice(0.6)
        text = f"Offline emulator, turn {turn}: {heard} {self._describe_frame()}"
        prompt = self._prompt(AUDIO=round(duration * AUDIO_TOKENS_IN_PER_S))
        self._queue_reply(turn, prompt, text, reply_audio)

    def _answer_text(self, text: str) -> None:
        turn = self._next_turn()
        prompt = self._prompt(TEXT=math.ceil(len(text) / 4))
        called = self._named_functions(text)
        if called:
            calls = tuple(FunctionCall(id=self._new_call_id(), name=name) for name in called)
            reply = _Reply(items=deque([_Item(ToolCall(calls))]), prompt=prompt, turn=turn)
            reply.waiting_for = {call.id: call.name for call in calls}
            self._replies.append(reply)
            return
        shown = text if len(text) <= 200 else text[:197] + "…"
        reply_text = (
            f'You said: "{shown}". (Offline emulator, turn {turn}.)'
            if text
            else f"You sent an empty turn. (Offline emulator, turn {turn}.)"
        )
        audio = media.synth_voice(min(4.0, 0.5 + 0.03 * len(reply_text)))
        self._queue_reply(turn, prompt, reply_text, audio)

    def _named_functions(self, text: str) -> list[str]:
        lowered = text.lower()
        names = []
        for name in self.setup.function_names:
            spoken = name.lower()
            if spoken in lowered or re.sub(r"[_\-]+", " ", spoken) in lowered:
                names.append(name)
        return names

    def _on_tool_response(self, ids: tuple[str, ...], responses: tuple[object, ...]) -> None:
        head = self._replies[0] if self._replies else None
        if head is None or not head.waiting_for:
            return  # nothing was asked (or the call was cancelled): ignored, as the service does
        answered = []
        for call_id, response in zip(ids, responses, strict=False):
            name = head.waiting_for.pop(call_id, None)
            if name is not None:
                answered.append((name, response))
        if not answered or head.waiting_for:
            return
        results = "; ".join(
            f"{name} returned {json.dumps(response, default=str)[:120]}" for name, response in answered
        )
        text = f"Offline emulator, turn {head.turn}: the function {results}."
        self._extend_reply(head, text, media.synth_voice(1.0))

    def _queue_reply(self, turn: int, prompt: dict[str, int], text: str, audio: bytes) -> None:
        reply = _Reply(items=deque(), prompt=prompt, turn=turn)
        self._replies.append(reply)
        self._extend_reply(reply, text, audio)

    def _extend_reply(self, reply: _Reply, text: str, audio: bytes) -> None:
        """Append a model turn's content, ``generationComplete``, ``turnComplete`` and a quiet point."""
        items = reply.items
        response: dict[str, int]
        if self._text_mode:
            for piece in _split_words(text, max(1, len(text) // 40)):
                items.append(_Item(TextPart(piece)))
            response = {"TEXT": math.ceil(len(text) / 4)}
        else:
            chunks = media.split_pcm(audio, MODEL_FORMAT.bytes_for_ms(self.options.chunk_ms))
            pieces = (
                _split_words(text, max(1, min(len(chunks), len(text.split()) // 3)))
                if self.setup.output_transcription
                else []
            )
            at = {index * len(chunks) // len(pieces): piece for index, piece in enumerate(pieces)}
            for index, chunk in enumerate(chunks):
                items.append(_Item(AudioChunk(chunk), MODEL_FORMAT.duration_s(len(chunk))))
                if index in at:
                    items.append(_Item(OutputTranscription(at[index])))
            if not chunks:
                items.extend(_Item(OutputTranscription(piece)) for piece in pieces)
            response = {"AUDIO": round(MODEL_FORMAT.duration_s(len(audio)) * AUDIO_TOKENS_OUT_PER_S)}
        items.append(_Item(GenerationComplete()))
        items.append(_Item(TurnComplete(Usage(dict(reply.prompt), response))))
        if self.setup.resumption:
            items.append(_Item(None))

    def _describe_frame(self) -> str:
        frame = self._frame
        if frame is None:
            return "No camera frame received."
        if self._frame_info is None or self._frame_info[0] is not frame:
            self._frame_info = (frame, media.describe_frame(frame.data))
        info = self._frame_info[1]
        if info is None:
            return (
                f"Latest camera frame: {frame.mime_type or 'no MIME type'}, "
                f"{len(frame.data)} bytes, could not be decoded."
            )
        return f"Latest camera frame: {info.width}x{info.height}, average colour {info.hex_colour}."


def _split_words(text: str, pieces: int) -> list[str]:
    """``text`` cut at word boundaries into at most ``pieces`` parts that concatenate back to ``text``."""
    words = re.findall(r"\s*\S+", text)
    if not words:
        return [text] if text else []
    pieces = max(1, min(pieces, len(words)))
    return [
        "".join(words[index * len(words) // pieces : (index + 1) * len(words) // pieces])
        for index in range(pieces)
    ]
