"""The simulated model: turn logic as a sans-I/O state machine.

One :class:`SimulatedModel` serves one connection. The shell feeds it every parsed client event with
:meth:`SimulatedModel.handle` and sends whatever :meth:`SimulatedModel.pop` returns, in order, pacing audio by
:attr:`Outgoing.audio_s`. The model never sleeps or touches a socket; "what has been sent" is exactly "what
has been popped", which is what makes barge-in honest: an interruption drops the part of the reply that was
not popped yet, and its usage counts only what was.

What it does (DESIGN.md §6): end of speech → the utterance echoed back at 24 kHz plus a transcription that
describes what arrived (duration, level, latest camera frame); text → ``You said: "…"`` with a synthetic
voice; a text that names a declared function → ``toolCall``, answered after the ``toolResponse``; speech or
text during a reply (with START_OF_ACTIVITY_INTERRUPTS) → ``interrupted`` then ``turnComplete``. Function
calls (``tool_calls``): a BLOCKING call holds the turn until its answer; a NON_BLOCKING one lets the turn go
on, and its answer is spoken per its scheduling (SILENT: not at all; WHEN_IDLE: after the current reply;
INTERRUPT: at once, interrupting it). A barge-in cancels every pending call (``toolCallCancellation``).

This module holds the turn logic; a turn's message queue and token bill are ``replies``', its words
``reply_text``'s, and the snapshots behind resumption handles ``resumption``'s.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, rms_dbfs
from desktop_app.emulator import media, messages, reply_text, tool_calls
from desktop_app.emulator.parse import SetupRequest
from desktop_app.emulator.protocol_errors import CLIENT_CONTENT_HISTORY_ONLY, invalid
from desktop_app.emulator.replies import AUDIO_TOKENS_IN_PER_S, Item, Reply, ReplyStyle
from desktop_app.emulator.resumption import ResumptionStore, SessionState
from desktop_app.emulator.tool_turns import ToolTurns
from desktop_app.emulator.vad import EnergyVad, SpeechEnded, SpeechStarted, VadEvent, VadParams

__all__ = [
    "ModelOptions",
    "Outgoing",
    "SimulatedModel",
]


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """Knobs of the simulated model (the emulator's config fills them in)."""

    chunk_ms: int = 40
    max_utterance_s: float = 30.0
    voice_activity: bool = True  # send voiceActivity start/end when the VAD fires
    # Gemini 3.1 Flash Live takes clientContent only to seed history, and only with
    # historyConfig.initialHistoryInClientContent; anything else closes 1007 (research/protocol.md §2.5).
    client_content_history_only: bool = False
    background_work: bool = False  # extended thinking: replies go on after turnComplete (model_rules)
    tool_triggers: tuple[tool_calls.ToolTrigger, ...] = ()  # typed phrase → a call with arguments
    speech_triggers: tuple[tool_calls.ToolTrigger, ...] = ()  # the next utterance → the next call


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One server message to send. ``audio_s`` is the audio it carries: wait that long (÷ pace) after it."""

    output: messages.ServerOutput
    audio_s: float = 0.0


class SimulatedModel(ToolTurns):
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
        options: ModelOptions = ModelOptions(),
        store: ResumptionStore | None = None,
        new_call_id: Callable[[], str] = tool_calls.new_call_id,
    ) -> None:
        self.setup = setup
        self.options = options
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
        self._style = ReplyStyle(
            text_mode=self._text_mode,
            output_transcription=setup.output_transcription,
            chunk_ms=self.options.chunk_ms,
            resumption=setup.resumption,
            thoughts=setup.include_thoughts,
            background=self.options.background_work,
        )
        self._urgent: deque[Item] = deque()
        self._replies: deque[Reply] = deque()
        self._manual_active = False
        self._manual_audio = bytearray()
        self._pending_texts: list[str] = []
        self._frame: messages.VideoIn | None = None
        self._frame_info: tuple[messages.VideoIn, media.FrameInfo | None] | None = None
        self._frames_since_turn = 0
        self._realtime_seen = False
        self._calls = tool_calls.PendingCalls(setup)
        self._speech_triggers = deque(self.options.speech_triggers)
        self._urgent.append(Item(messages.SetupComplete(session_id=state.session_id)))
        if setup.resumption:
            self._urgent.append(Item(None))

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

    def handle(self, event: messages.ClientEvent) -> None:
        """Take one client event. Raises :class:`~desktop_app.emulator.protocol_errors.WireError` for a
        message the service would refuse at this point (activity signals while automatic detection is on;
        client content on a model that takes it only as seeded history)."""
        if not isinstance(event, messages.ClientTurn | messages.ToolResponse | messages.ContextUpdate):
            self._realtime_seen = True
        match event:
            case messages.AudioIn(pcm=pcm, rate=rate):
                self._on_audio(media.resample(pcm, rate, MIC_FORMAT.rate))
            case messages.VideoIn():
                if event.mime_type.lower().startswith("image/"):
                    self._frame = event
                    self._frames_since_turn += 1
            case messages.TextIn(text=text):
                if self.setup.activity.interrupts:
                    self._interrupt()
                self._answer_text(text)
            case messages.ActivityStart():
                self._require_manual()
                if not self._manual_active:
                    self._manual_active = True
                    self._manual_audio.clear()
                    if self.setup.activity.interrupts:
                        self._interrupt()
            case messages.ActivityEnd():
                self._require_manual()
                if self._manual_active:
                    self._manual_active = False
                    audio = bytes(self._manual_audio)
                    self._manual_audio.clear()
                    self._answer_speech(audio, rms_dbfs(audio))
            case messages.AudioStreamEnd():
                if not self.setup.activity.disabled:
                    for vad_event in self._vad.flush():
                        self._on_vad(vad_event)
            case messages.ClientTurn(texts=texts) if self.options.client_content_history_only:
                if self._realtime_seen or not self.setup.history_in_client_content:
                    raise invalid(CLIENT_CONTENT_HISTORY_ONLY)
                self._pending_texts.extend(t for t in texts if t)  # seeded history: no reply
            case messages.ClientTurn(texts=texts, turn_complete=complete):
                self._interrupt()  # "A message here will interrupt any current model generation"
                self._pending_texts.extend(t for t in texts if t)
                if complete:
                    text = "\n".join(self._pending_texts)
                    self._pending_texts.clear()
                    self._answer_text(text)
            case messages.ToolResponse():
                self._on_tool_response(event)
            case messages.ContextUpdate():
                pass

    def emit(self, output: messages.ServerOutput) -> None:
        """Queue a message the shell decided on (e.g. ``goAway``) ahead of any reply audio."""
        self._urgent.append(Item(output))

    # ------------------------------------------------------------------ output

    def pop(self) -> Outgoing | None:
        """The next message to send, or None when there is nothing to send now.

        Popping counts as sending: interruptions keep what was popped and drop the rest.
        """
        item: Item | None = None
        if self._urgent:
            item = self._urgent.popleft()
        else:
            while self._replies and item is None:
                head = self._replies[0]
                if head.items:
                    item = head.take()
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
        return Outgoing(messages.SessionResumptionUpdate(new_handle=handle, resumable=True))

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
                self._urgent.append(Item(messages.VoiceActivity("ACTIVITY_START", event.offset_s)))
            if self.setup.explicit_vad_signal:
                self._urgent.append(Item(messages.VadSignal("VAD_SIGNAL_TYPE_SOS")))
            if self.setup.activity.interrupts:
                self._interrupt()
        elif isinstance(event, SpeechEnded):
            if self.options.voice_activity:
                self._urgent.append(Item(messages.VoiceActivity("ACTIVITY_END", event.offset_s)))
            if self.setup.explicit_vad_signal:
                self._urgent.append(Item(messages.VadSignal("VAD_SIGNAL_TYPE_EOS")))
            self._answer_speech(event.audio, event.level_dbfs)

    # ------------------------------------------------------------------ turns

    def _interrupt(self, *, cancel_calls: bool = True) -> None:
        cancelled = self._calls.cancel_all() if cancel_calls else ()
        if cancelled:  # the user barged in while calls were pending
            self._urgent.append(Item(messages.ToolCallCancellation(cancelled)))
        if not self._replies:
            return
        head = self._replies[0]
        self._replies.clear()
        self._urgent.append(Item(messages.Interrupted()))
        self._urgent.append(Item(head.interrupted(self._text_mode, self.options.background_work)))
        if self.setup.resumption:
            self._urgent.append(Item(None))

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
            self._urgent.append(Item(messages.InputTranscription(f"[speech {duration:.1f} s]")))
        trigger = self._speech_triggers.popleft() if self._speech_triggers else None
        if trigger is not None and trigger.name in self.setup.function_names:
            self._call(turn, self._prompt(AUDIO=1), [(trigger.name, dict(trigger.args))])
            return
        if audio16:
            reply_audio = media.resample(audio16, MIC_FORMAT.rate, MODEL_FORMAT.rate)
        else:
            reply_audio = media.synth_voice(0.6, pitch_hz=media.voice_pitch(self.setup.voice))
        text = reply_text.heard_speech(turn, duration, level_dbfs, bool(audio16), self._describe_frame())
        prompt = self._prompt(AUDIO=round(duration * AUDIO_TOKENS_IN_PER_S))
        self._queue_reply(turn, prompt, text, reply_audio)

    def _answer_text(self, text: str) -> None:
        turn = self._next_turn()
        prompt = self._prompt(TEXT=math.ceil(len(text) / 4))
        called = tool_calls.triggered_calls(text, self.setup, self.options.tool_triggers)
        if called:
            self._call(turn, prompt, called)
            return
        said = reply_text.said_text(turn, text)
        audio = media.synth_voice(
            min(4.0, 0.5 + 0.03 * len(said)), pitch_hz=media.voice_pitch(self.setup.voice)
        )
        reply = self._queue_reply(turn, prompt, said, audio)
        if tool_calls.declared_search(self.setup) and tool_calls.asks_to_search(text):
            at = next(
                i for i, it in enumerate(reply.items) if isinstance(it.output, messages.GenerationComplete)
            )
            reply.items.insert(at, Item(messages.Grounding((text[:100],), tool_calls.EMULATOR_SOURCES)))

    def _queue_reply(self, turn: int, prompt: dict[str, int], text: str, audio: bytes) -> Reply:
        reply = Reply(items=deque(), prompt=prompt, turn=turn)
        self._replies.append(reply)
        reply.compose(text, audio, self._style)
        return reply

    def _describe_frame(self) -> str:
        frame = self._frame
        if frame is None:
            return reply_text.frame_note(None, None)
        if self._frame_info is None or self._frame_info[0] is not frame:
            self._frame_info = (frame, media.describe_frame(frame.data))
        return reply_text.frame_note(frame, self._frame_info[1])
