"""Map one SDK ``LiveServerMessage`` to typed events. Pure: no I/O.

Order within a message: :class:`Interrupted` first (so stale audio in the same message can be dropped by the
caller), then model parts, transcriptions, completion markers, and the rest.
"""

from __future__ import annotations

import re

from google.genai import types

from desktop_app.core.events import (
    FunctionCall,
    GenerationComplete,
    GoAway,
    Interrupted,
    LiveEvent,
    ModelAudio,
    ModelText,
    ModelThought,
    ResumptionUpdate,
    Role,
    SetupComplete,
    ToolCall,
    ToolCallCancellation,
    Transcript,
    TurnComplete,
    VoiceActivity,
)
from desktop_app.live.usage import interaction_update, usage_update

__all__ = ["map_server_message", "parse_duration_s"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s\s*$")


def parse_duration_s(value: object) -> float | None:
    """Parse a protobuf Duration as the SDK keeps it (``"50s"``, ``"1.5s"``) or a number of seconds."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1))
    return None


def _content_events(content: types.LiveServerContent) -> list[LiveEvent]:
    events: list[LiveEvent] = []
    if content.interrupted:
        events.append(Interrupted())
    if content.model_turn and content.model_turn.parts:
        for part in content.model_turn.parts:
            if part.inline_data is not None and part.inline_data.data:
                mime = part.inline_data.mime_type or ""
                if mime.startswith("audio/"):
                    events.append(ModelAudio(pcm=part.inline_data.data))
            elif part.text:
                events.append(ModelThought(text=part.text) if part.thought else ModelText(text=part.text))
    for role, heard in ((Role.USER, content.input_transcription), (Role.MODEL, content.output_transcription)):
        if heard and heard.text:
            events.append(Transcript(role=role, text=heard.text, final=bool(heard.finished)))
    if content.generation_complete:
        events.append(GenerationComplete())
    if content.turn_complete:
        reason = content.turn_complete_reason
        events.append(TurnComplete(reason=str(reason.value) if reason is not None else None))
    interaction = interaction_update(content)  # alongside turn_complete: extended thinking keeps working
    if interaction is not None:
        events.append(interaction)
    return events


def map_server_message(message: types.LiveServerMessage) -> list[LiveEvent]:
    """All events carried by one server message, ``Interrupted`` first."""
    events: list[LiveEvent] = []
    if message.setup_complete is not None:
        events.append(SetupComplete(session_id=message.setup_complete.session_id))
    if message.server_content is not None:
        events.extend(_content_events(message.server_content))
    if message.tool_call is not None and message.tool_call.function_calls:
        events.append(
            ToolCall(
                calls=tuple(
                    FunctionCall(id=call.id or "", name=call.name or "", args=dict(call.args or {}))
                    for call in message.tool_call.function_calls
                )
            )
        )
    if message.tool_call_cancellation is not None:
        events.append(ToolCallCancellation(ids=tuple(message.tool_call_cancellation.ids or ())))
    if message.go_away is not None:
        events.append(GoAway(time_left_s=parse_duration_s(message.go_away.time_left)))
    if message.session_resumption_update is not None:
        update = message.session_resumption_update
        events.append(ResumptionUpdate(handle=update.new_handle or None, resumable=bool(update.resumable)))
    if message.voice_activity is not None:
        kind = message.voice_activity.voice_activity_type
        if kind in (types.VoiceActivityType.ACTIVITY_START, types.VoiceActivityType.ACTIVITY_END):
            events.append(VoiceActivity(speaking=kind == types.VoiceActivityType.ACTIVITY_START))
    if message.voice_activity_detection_signal is not None:
        signal = message.voice_activity_detection_signal.vad_signal_type
        if signal in (
            types.VadSignalType.VAD_SIGNAL_TYPE_SOS,
            types.VadSignalType.VAD_SIGNAL_TYPE_EOS,
        ):
            events.append(VoiceActivity(speaking=signal == types.VadSignalType.VAD_SIGNAL_TYPE_SOS))
    if message.usage_metadata is not None:
        events.append(usage_update(message.usage_metadata))
    # Interrupted must precede anything else from the same message, including setup/tool events.
    events.sort(key=lambda event: not isinstance(event, Interrupted))
    return events
