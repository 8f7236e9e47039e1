"""Our LiveSession adapter on the real google-genai SDK, against the emulator over TLS. No SDK mocks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosedError

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserText
from desktop_app.core.errors import (
    AuthError,
    ConnectionLostError,
    InvalidRequestError,
    LiveError,
    ModelNotFoundError,
    ServerError,
    SessionNotFoundError,
)
from desktop_app.core.events import (
    GoAway,
    Interrupted,
    LiveEvent,
    ModelAudio,
    ResumptionUpdate,
    Role,
    SetupComplete,
    Transcript,
    TurnComplete,
    UsageUpdate,
)
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.errors import classify_close
from desktop_app.live.genai_session import GenaiConnector, GenaiSession
from desktop_app.live.options import Modality, SessionOptions
from tests.support.audio import blocks, speech_like

pytestmark = pytest.mark.integration


async def until(events: AsyncIterator[LiveEvent], kind: type, limit: float = 20) -> list[LiveEvent]:
    """Collect events up to and including the first of ``kind``."""
    seen: list[LiveEvent] = []

    async def collect() -> None:
        async for event in events:
            seen.append(event)
            if isinstance(event, kind):
                return
        raise AssertionError(f"the session ended before {kind.__name__}: {seen}")

    await asyncio.wait_for(collect(), limit)
    return seen


async def send_speech(session: GenaiSession, seconds: float) -> None:
    for block in blocks(speech_like(seconds)):
        await session.send(UserAudio(block))


async def test_an_audio_turn_echoes_audio_of_the_same_duration(connector: GenaiConnector) -> None:
    async with connector.connect(SessionOptions()) as session:
        events = session.events()
        await send_speech(session, 1.5)
        await session.send(AudioStreamEnd())
        seen = await until(events, TurnComplete)
        seen += await until(events, UsageUpdate)  # usage metadata follows the turn
    audio = b"".join(e.pcm for e in seen if isinstance(e, ModelAudio))
    assert MODEL_FORMAT.duration_s(len(audio)) == pytest.approx(1.5, rel=0.10)
    assert any(isinstance(e, Transcript) and e.role is Role.USER for e in seen)
    assert any(isinstance(e, Transcript) and e.role is Role.MODEL for e in seen)
    assert any(isinstance(e, UsageUpdate) and e.total_tokens > 0 for e in seen)


async def test_a_text_turn_is_answered(connector: GenaiConnector) -> None:
    async with connector.connect(SessionOptions()) as session:
        events = session.events()
        await session.send(UserText("What is on the table?"))
        seen = await until(events, TurnComplete)
    said = "".join(e.text for e in seen if isinstance(e, Transcript) and e.role is Role.MODEL)
    assert "What is on the table?" in said


async def test_the_receive_loop_spans_several_turns(connector: GenaiConnector) -> None:
    async with connector.connect(SessionOptions()) as session:
        events = session.events()
        for word in ("one", "two", "three"):
            await session.send(UserText(word))
            seen = await until(events, TurnComplete)
            assert word in "".join(e.text for e in seen if isinstance(e, Transcript))


async def test_speech_during_a_reply_interrupts_it() -> None:
    async with Emulator(EmulatorConfig(pace=1.0)) as emu:  # real-time replies, so there is time to barge in
        connector = GenaiConnector(Backend("emulator", "k", emu.base_url, emu.client_ssl_context()))
        async with connector.connect(SessionOptions()) as session:
            events = session.events()
            await send_speech(session, 2.0)
            await session.send(AudioStreamEnd())
            await until(events, ModelAudio)
            await send_speech(session, 0.6)
            seen = await until(events, TurnComplete)
    kinds = [type(e) for e in seen]
    assert Interrupted in kinds
    assert kinds.index(Interrupted) < kinds.index(TurnComplete)
    received = sum(len(e.pcm) for e in seen if isinstance(e, ModelAudio))
    assert MODEL_FORMAT.duration_s(received) < 2.0  # the rest of the reply was not sent


async def test_go_away_arrives_as_an_event() -> None:
    async with Emulator(EmulatorConfig(pace=0.0, go_away_after_s=0.2)) as emu:
        connector = GenaiConnector(Backend("emulator", "k", emu.base_url, emu.client_ssl_context()))
        async with connector.connect(SessionOptions()) as session:
            seen = await until(session.events(), GoAway)
    go_away = seen[-1]
    assert isinstance(go_away, GoAway) and go_away.time_left_s is not None


async def test_a_resumption_handle_resumes_and_a_bad_one_is_refused(connector: GenaiConnector) -> None:
    async with connector.connect(SessionOptions()) as session:
        events = session.events()
        await session.send(UserText("remember me"))
        seen = await until(events, TurnComplete)
        seen += await until(events, ResumptionUpdate)
    handles = [e.handle for e in seen if isinstance(e, ResumptionUpdate) and e.resumable and e.handle]
    assert handles
    async with connector.connect(SessionOptions().resuming(handles[-1])) as resumed:
        await resumed.send(UserText("still you?"))
        seen = await until(resumed.events(), TurnComplete)
        assert any(isinstance(e, Transcript) for e in seen)
    with pytest.raises(SessionNotFoundError, match="session not found"):
        async with connector.connect(SessionOptions().resuming("no-such-handle")):
            pass


@pytest.mark.parametrize(
    ("options", "error", "reason"),
    [
        (SessionOptions(model="gemini-0.1-nonexistent"), ModelNotFoundError, "is not found for API version"),
        # an alias the catalog does not know, so the user's TEXT choice goes out (and is refused)
        (
            SessionOptions(model="gemini-2.5-flash-native-audio-latest", modality=Modality.TEXT),
            InvalidRequestError,
            "likely cause is one of: text replies .*invalid argument",
        ),
    ],
)
async def test_refused_setups_are_classified_with_the_servers_reason(
    connector: GenaiConnector, options: SessionOptions, error: type[LiveError], reason: str
) -> None:
    with pytest.raises(error, match=reason) as caught:
        async with connector.connect(options):
            pass
    assert not caught.value.retryable


async def test_a_refused_key_is_an_auth_error() -> None:
    async with Emulator(EmulatorConfig(accepted_keys=frozenset({"good"}))) as emu:
        connector = GenaiConnector(Backend("emulator", "bad-key", emu.base_url, emu.client_ssl_context()))
        with pytest.raises(AuthError, match="API key was refused") as caught:
            async with connector.connect(SessionOptions()):
                pass
    assert caught.value.code == 1007 and "bad-key" not in str(caught.value)


async def test_a_dropped_connection_is_retryable(emulator: Emulator, connector: GenaiConnector) -> None:
    async with connector.connect(SessionOptions()) as session:
        events = session.events()
        await session.send(UserText("hello"))
        await until(events, TurnComplete)
        # client messages so far: setup (1), "hello" (2); the TCP connection is cut after the 3rd
        emulator.faults.drop_after_client_messages = 3
        await session.send(UserText("are you there?"))
        with pytest.raises(ConnectionLostError) as caught:
            await until(events, TurnComplete)
    assert caught.value.retryable and caught.value.code == 1006


async def test_a_server_fault_close_is_retryable(emulator: Emulator, connector: GenaiConnector) -> None:
    async with connector.connect(SessionOptions()) as session:
        events = session.events()
        emulator.faults.close_code = 1011
        emulator.faults.close_reason = "Internal error encountered."
        emulator.faults.close_after_client_messages = 2  # setup (1), then this text (2)
        await session.send(UserText("hello"))
        with pytest.raises(ServerError, match="Internal error encountered") as caught:
            await until(events, TurnComplete)
    assert caught.value.retryable


async def test_setup_complete_reports_the_session_id(connector: GenaiConnector) -> None:
    async with connector.connect(SessionOptions()) as session:
        first = await anext(session.events())
    assert isinstance(first, SetupComplete)
    assert first.session_id and first.session_id == session.session_id


@pytest.mark.parametrize(
    ("first_message", "reason"),
    [
        ('{"realtime_input": {"text": "hi"}}', "Request contains an invalid argument."),
        (
            '{"setup": {"model": "models/gemini-2.5-flash-native-audio-preview-12-2025", "colour": 1}}',
            'Unknown name "colour"',
        ),
    ],
)
async def test_raw_refusals_classify_as_invalid_requests_with_the_reason(
    emulator: Emulator, first_message: str, reason: str
) -> None:
    """What the SDK cannot send (a bad first message, an unknown field) still maps to a readable error."""
    async with ws_connect(
        emulator.ws_url, ssl=emulator.client_ssl_context(), additional_headers={"x-goog-api-key": "k"}
    ) as ws:
        await ws.send(first_message)
        with pytest.raises(ConnectionClosedError) as caught:
            await ws.recv()
    assert caught.value.rcvd is not None
    error = classify_close(caught.value.rcvd.code, caught.value.rcvd.reason)
    assert isinstance(error, InvalidRequestError) and not error.retryable
    assert reason in str(error) and error.code == 1007
