"""GenaiSession.send: each core command becomes exactly one SDK call, and failures are classified."""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types

from desktop_app.core.audio_format import PcmFormat
from desktop_app.core.commands import (
    ActivityEnd,
    ActivityStart,
    AudioStreamEnd,
    Command,
    FunctionResult,
    ToolResponse,
    UserAudio,
    UserImage,
    UserText,
)
from desktop_app.core.errors import ConnectionLostError, LiveError
from desktop_app.live.genai_session import GenaiSession


class RecordingSdk:
    """Stands in for google-genai's AsyncSession: records each call and its keyword arguments."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_with = fail_with

    async def send_realtime_input(self, **kwargs: Any) -> None:
        self._record("send_realtime_input", kwargs)

    async def send_tool_response(self, **kwargs: Any) -> None:
        self._record("send_tool_response", kwargs)

    def _record(self, name: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((name, kwargs))
        if self.fail_with is not None:
            raise self.fail_with


async def sent(command: Command) -> tuple[str, dict[str, Any]]:
    sdk = RecordingSdk()
    await GenaiSession(sdk, secrets=()).send(command)
    [call] = sdk.calls
    return call


async def test_audio_carries_its_rate_in_the_mime_type() -> None:
    name, kwargs = await sent(UserAudio(b"\x01\x00", PcmFormat(24_000)))
    assert name == "send_realtime_input"
    assert kwargs == {"audio": types.Blob(data=b"\x01\x00", mime_type="audio/pcm;rate=24000")}


async def test_a_frame_goes_as_video_with_its_mime_type() -> None:
    assert await sent(UserImage(b"png", "image/png")) == (
        "send_realtime_input",
        {"video": types.Blob(data=b"png", mime_type="image/png")},
    )


@pytest.mark.parametrize(
    ("command", "kwargs"),
    [
        (UserText("hi"), {"text": "hi"}),
        (AudioStreamEnd(), {"audio_stream_end": True}),
        (ActivityStart(), {"activity_start": types.ActivityStart()}),
        (ActivityEnd(), {"activity_end": types.ActivityEnd()}),
    ],
)
async def test_text_and_markers_are_realtime_input(command: Command, kwargs: dict[str, Any]) -> None:
    assert await sent(command) == ("send_realtime_input", kwargs)


async def test_tool_answers_go_together_in_one_tool_response() -> None:
    results = (FunctionResult("c1", "lookup", {"ok": True}), FunctionResult("c2", "other"))
    name, kwargs = await sent(ToolResponse(results))
    assert name == "send_tool_response"
    assert kwargs == {
        "function_responses": [
            types.FunctionResponse(id="c1", name="lookup", response={"ok": True}),
            types.FunctionResponse(id="c2", name="other", response={}),
        ]
    }


async def test_an_sdk_failure_is_classified_and_a_live_error_passes_through() -> None:
    lost = ConnectionLostError("gone", code=1006)
    with pytest.raises(ConnectionLostError) as same:
        await GenaiSession(RecordingSdk(fail_with=lost), secrets=()).send(UserText("x"))
    assert same.value is lost
    with pytest.raises(LiveError) as classified:
        await GenaiSession(RecordingSdk(fail_with=OSError("reset")), secrets=()).send(UserText("x"))
    assert not isinstance(classified.value, OSError)
