"""Server frames out: typed :data:`~desktop_app.emulator.messages.ServerOutput` values → camelCase JSON.

:func:`encode` gives compact UTF-8 bytes: send them as a binary frame, as the service does.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from desktop_app.emulator import messages

__all__ = ["encode", "format_duration", "to_json"]


def format_duration(seconds: float) -> str:
    """A ``google.protobuf.Duration`` in JSON form: ``"5s"``, ``"1.250s"``."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:.3f}s"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _usage(usage: messages.Usage) -> dict[str, Any]:
    result: dict[str, Any] = {
        "promptTokenCount": usage.prompt_total,
        "responseTokenCount": usage.response_total,
        "totalTokenCount": usage.prompt_total + usage.response_total + usage.thoughts,
    }
    if usage.thoughts:
        result["thoughtsTokenCount"] = usage.thoughts
    if usage.prompt:
        result["promptTokensDetails"] = [
            {"modality": modality, "tokenCount": count} for modality, count in usage.prompt.items()
        ]
    if usage.response:
        result["responseTokensDetails"] = [
            {"modality": modality, "tokenCount": count} for modality, count in usage.response.items()
        ]
    return result


def to_json(output: messages.ServerOutput) -> dict[str, Any]:
    """The server message for ``output``: a dict with camelCase keys, ready for ``json.dumps``."""
    match output:
        case messages.SetupComplete(session_id=session_id):
            return {"setupComplete": {"sessionId": session_id}}
        case messages.AudioChunk(pcm=pcm, rate=rate):
            part = {"inlineData": {"mimeType": f"audio/pcm;rate={rate}", "data": _b64(pcm)}}
            return {"serverContent": {"modelTurn": {"parts": [part]}}}
        case messages.TextPart(text=text):
            return {"serverContent": {"modelTurn": {"parts": [{"text": text}]}}}
        case messages.OutputTranscription(text=text):
            return {"serverContent": {"outputTranscription": {"text": text}}}
        case messages.InputTranscription(text=text, finished=finished):
            body: dict[str, Any] = {"text": text}
            if finished:
                body["finished"] = True
            return {"serverContent": {"inputTranscription": body}}
        case messages.GenerationComplete():
            return {"serverContent": {"generationComplete": True}}
        case messages.ThoughtPart(text=text):
            return {"serverContent": {"modelTurn": {"parts": [{"text": text, "thought": True}]}}}
        case messages.InteractionStatus(status=status):
            return {"serverContent": {"interactionStatus": status}}
        case messages.TurnComplete(usage=usage, status=status):
            content: dict[str, Any] = {"turnComplete": True}
            if status is not None:
                content["interactionStatus"] = status
            message: dict[str, Any] = {"serverContent": content}
            if usage is not None:
                message["usageMetadata"] = _usage(usage)
            return message
        case messages.Interrupted():
            return {"serverContent": {"interrupted": True}}
        case messages.ToolCall(calls=calls):
            return {
                "toolCall": {"functionCalls": [{"id": c.id, "name": c.name, "args": c.args} for c in calls]}
            }
        case messages.ToolCallCancellation(ids=ids):
            return {"toolCallCancellation": {"ids": list(ids)}}
        case messages.GoAway(time_left_s=time_left):
            return {"goAway": {"timeLeft": format_duration(time_left)}}
        case messages.SessionResumptionUpdate(new_handle=handle, resumable=resumable):
            return {"sessionResumptionUpdate": {"newHandle": handle, "resumable": resumable}}
        case messages.VoiceActivity(kind=kind, audio_offset_s=offset):
            return {"voiceActivity": {"type": kind, "audioOffset": format_duration(offset)}}
        case messages.VadSignal(kind=kind):
            return {"voiceActivityDetectionSignal": {"vadSignalType": kind}}
    raise TypeError(f"not a server output: {output!r}")  # pragma: no cover


def encode(output: messages.ServerOutput) -> bytes:
    """``output`` as compact UTF-8 JSON bytes: send these as a binary frame."""
    return json.dumps(to_json(output), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
