"""The relay over the real stack: a websockets client in the browser's role → relay → GenaiConnector →
google-genai SDK → the emulator over TLS on loopback. Real sockets everywhere; nothing faked."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import cv2
import numpy as np
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, float_to_pcm16
from desktop_app.core.redaction import Redactor
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.relay import RelayConfig, RelayServer
from tests.integration.relay_client import (
    AUDIO_SETUP,
    TEXT_SETUP,
    WAIT,
    open_client,
    recv_json,
    recv_to_close,
    recv_until,
    states,
    texts,
    turn_complete,
)

pytestmark = pytest.mark.integration

REAL_KEY = "AIzaSyINTEGRATIONTESTKEY0123456789abcdef"


@pytest.fixture
async def relay(connector: GenaiConnector) -> AsyncIterator[RelayServer]:
    async with RelayServer(
        connector, SessionOptions(), RelayConfig(port=0), redact=Redactor(["test-key"])
    ) as server:
        yield server


def speech_then_silence(speech_s: float, silence_s: float) -> bytes:
    """A voiced 220 Hz tone with a syllable envelope, then silence: one utterance for any energy VAD."""
    rate = MIC_FORMAT.rate
    t = np.arange(int(speech_s * rate)) / rate
    voiced = 0.4 * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * 220 * t)
    return float_to_pcm16(np.concatenate([voiced, np.zeros(int(silence_s * rate))]))


def jpeg(width: int = 320, height: int = 240) -> bytes:
    image = np.zeros((height, width, 3), np.uint8)
    image[:, :] = (40, 160, 220)  # BGR
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    return encoded.tobytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_tutorial_page_protocol_gets_text_replies(relay: RelayServer, emulator: Emulator) -> None:
    """The tutorial page's exact messages: TEXT setup, then 3 s of audio with a frame in one message,
    the first time without frame data (its camera had not delivered yet)."""
    ws = await connect(relay.ws_url)
    await ws.send(json.dumps(TEXT_SETUP))
    first = {
        "realtime_input": {
            "media_chunks": [
                {"mime_type": "audio/pcm", "data": b64(speech_then_silence(1.5, 1.5))},
                {"mime_type": "image/jpeg"},
            ]
        }
    }
    await ws.send(json.dumps(first))
    reply = await recv_until(ws, turn_complete)
    assert reply[0] == {"setup_complete": True}
    assert "audio" not in json.dumps(reply), "a TEXT client gets no audio"
    assert "error" not in json.dumps(reply)
    assert "I heard 1.5 s of speech" in texts(reply)

    second = {
        "realtime_input": {
            "media_chunks": [
                {"mime_type": "audio/pcm", "data": b64(speech_then_silence(1.2, 1.8))},
                {"mime_type": "image/jpeg", "data": b64(jpeg(320, 240))},
            ]
        }
    }
    await ws.send(json.dumps(second))
    reply = await recv_until(ws, turn_complete)
    text = texts(reply)
    assert "turn 2" in text
    assert "320x240" in text, text
    assert not any("audio" in m for m in reply)
    await ws.close()
    assert emulator.stats.video_frames_in == 1
    assert emulator.stats.audio_in_s == pytest.approx(6.0, abs=0.05)


async def test_audio_client_gets_audio_and_transcriptions(relay: RelayServer) -> None:
    ws = await open_client(relay, AUDIO_SETUP)
    speech = speech_then_silence(1.0, 1.0)
    block = MIC_FORMAT.bytes_for_ms(20)
    for offset in range(0, len(speech), block):  # our page's form: 20 ms chunks with the rate in the MIME
        chunk = {"mime_type": "audio/pcm;rate=16000", "data": b64(speech[offset : offset + block])}
        await ws.send(json.dumps({"realtime_input": {"media_chunks": [chunk]}}))
    reply = await recv_until(ws, turn_complete)
    audio = b"".join(base64.b64decode(m["audio"]) for m in reply if "audio" in m)
    assert MODEL_FORMAT.duration_s(len(audio)) == pytest.approx(1.0, abs=0.15), (
        "the utterance echoed at 24 kHz"
    )
    assert "I heard" in texts(reply, "output_transcription")
    assert texts(reply, "input_transcription")
    assert not any("text" in m for m in reply)
    await ws.close()


async def test_two_clients_at_once(relay: RelayServer, emulator: Emulator) -> None:
    text_client = await open_client(relay, TEXT_SETUP)
    audio_client = await open_client(relay, AUDIO_SETUP)
    await text_client.send(json.dumps({"client_content": {"text": "first client"}}))
    await audio_client.send(json.dumps({"client_content": {"text": "second client"}}))
    text_reply, audio_reply = await asyncio.gather(
        recv_until(text_client, turn_complete), recv_until(audio_client, turn_complete)
    )
    assert "first client" in texts(text_reply) and "second client" not in texts(text_reply)
    assert not any("audio" in m for m in text_reply)
    assert "second client" in texts(audio_reply, "output_transcription")
    assert any("audio" in m for m in audio_reply)
    assert emulator.stats.connections == 2
    status = relay.status()
    assert status["backend"] == "emulator"
    assert sorted(c["modality"] for c in status["clients"]) == ["AUDIO", "TEXT"]
    await text_client.close()
    await audio_client.close()


async def test_foreign_origin_is_refused_with_403(relay: RelayServer, emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(relay.ws_url, origin="https://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    ws = await open_client(relay, AUDIO_SETUP)  # a loopback client still gets in
    await ws.close()
    assert emulator.stats.connections == 1


async def test_bad_frames_are_answered_without_harming_a_second_client(relay: RelayServer) -> None:
    bystander = await open_client(relay, TEXT_SETUP)
    offender = await open_client(relay, AUDIO_SETUP)
    bad_frames: list[tuple[str | bytes, str]] = [
        ("{oops", "bad_json"),
        (b"\x00binary", "binary_frame"),
        (
            json.dumps({"realtime_input": {"media_chunks": [{"mime_type": "audio/wav", "data": "AAAA"}]}}),
            "unknown_mime",
        ),
        (
            json.dumps({"realtime_input": {"media_chunks": [{"mime_type": "audio/pcm", "data": "*"}]}}),
            "bad_base64",
        ),
        (json.dumps({"client_content": {"text": ["not", "a", "string"]}}), "wrong_type"),
        (json.dumps({"tool_response": {}}), "unknown_kind"),
    ]
    for frame, code in bad_frames:
        await offender.send(frame)
        assert (await recv_json(offender))["error"]["code"] == code
    await offender.send(json.dumps({"client_content": {"text": "still alive"}}))
    assert "still alive" in texts(await recv_until(offender, turn_complete), "output_transcription")

    await offender.send("x" * (1024 * 1024 + 1))  # over the 1 MiB cap
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(offender.recv(), WAIT)
    assert offender.close_code == 1009

    await bystander.send(json.dumps({"client_content": {"text": "unharmed"}}))
    assert "unharmed" in texts(await recv_until(bystander, turn_complete))
    await bystander.close()


async def test_static_page_served_and_traversal_refused(relay: RelayServer) -> None:
    async def get(target: str) -> tuple[int, bytes, str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
        writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{relay.port}\r\n\r\n".encode())
        data = await asyncio.wait_for(reader.read(), WAIT)
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        content_type = next(
            (v.strip() for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-type"),
            "",
        )
        return int(lines[0].split()[1]), body, content_type

    status, body, content_type = await get("/")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert b'<script type="module" src="js/app.js">' in body
    for module in ("js/app.js", "js/mic-worklet.js", "js/player-worklet.js"):
        status, _, content_type = await get(f"/{module}")
        assert (status, content_type) == (200, "text/javascript; charset=utf-8")
    for target in (
        "/../../pyproject.toml",
        "/%2e%2e/%2e%2e/pyproject.toml",
        "/js/..%2f..%2f..%2fpyproject.toml",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/..%5c..%5cpyproject.toml",
    ):
        status, body, _ = await get(target)
        assert status in (400, 404), target
        assert b"[project]" not in body and b"root:" not in body


async def test_upstream_refusal_is_reported_without_the_key() -> None:
    async with Emulator(EmulatorConfig(pace=0.0, rejected_keys=frozenset({REAL_KEY}))) as emu:
        connector = GenaiConnector(Backend("emulator", REAL_KEY, emu.base_url, emu.client_ssl_context()))
        async with RelayServer(
            connector, SessionOptions(), RelayConfig(port=0), redact=Redactor([REAL_KEY])
        ) as relay:
            ws = await connect(relay.ws_url)
            await ws.send(json.dumps(AUDIO_SETUP))
            error = await recv_json(ws)
            assert error["error"]["code"] == "auth", error
            assert REAL_KEY not in json.dumps(error)
            assert await recv_json(ws) == {"session": {"state": "closed"}}
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), WAIT)
            assert ws.close_code == 1011
            assert REAL_KEY not in (ws.close_reason or "")


async def test_a_plain_connectors_drop_is_a_final_error_and_1013(
    relay: RelayServer, emulator: Emulator
) -> None:
    """Handed a connector that does not reconnect, the relay does not either: the drop is reported.
    (With the ResilientConnector the app uses, the session comes back: see test_reconnect_relay.py.)"""
    ws = await open_client(relay, TEXT_SETUP)
    await ws.send(json.dumps({"client_content": {"text": "before the drop"}}))
    assert "before the drop" in texts(await recv_until(ws, turn_complete))
    emulator.drop_connections()
    messages = await recv_to_close(ws)
    assert states(messages) == ["closed"]
    [error] = [m["error"] for m in messages if "error" in m]
    assert error["code"] == "connection_lost"
    assert ws.close_code == 1013
    await asyncio.wait_for(relay.wait_for_clients(0), WAIT)
    assert emulator.stats.connections == 1, "the relay has no reconnect loop of its own"


@asynccontextmanager
async def relay_with(emulator: Emulator, **config: Any) -> AsyncIterator[RelayServer]:
    connector = GenaiConnector(Backend("emulator", "k", emulator.base_url, emulator.client_ssl_context()))
    async with RelayServer(connector, SessionOptions(), RelayConfig(port=0, **config)) as server:
        yield server


class PingCountingClient(ClientConnection):
    """A client connection that counts the keepalive pings it receives (and answers, as any client does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pings = 0
        self.pinged = asyncio.Event()

    def process_event(self, event: Any) -> None:
        super().process_event(event)
        if isinstance(event, Frame) and event.opcode is Opcode.PING:
            self.pings += 1
            self.pinged.set()

    async def wait_pings(self, count: int) -> None:
        while self.pings < count:
            self.pinged.clear()
            await asyncio.wait_for(self.pinged.wait(), WAIT)


async def test_setup_timeout_closes_an_idle_client_but_not_a_silent_set_up_one(emulator: Emulator) -> None:
    async with relay_with(emulator, setup_timeout_s=1.0) as relay:
        silent = await open_client(relay, AUDIO_SETUP)  # set up, then says nothing at all
        idle = await connect(relay.ws_url)  # connected later, never sends a setup
        assert (await recv_json(idle))["error"]["code"] == "setup_timeout"
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(idle.recv(), WAIT)
        assert (idle.close_code, idle.close_reason) == (1008, "Setup timeout: no setup message within 1 s.")
        # the silent client has been quiet for longer than the idle one lived, and is still served
        await asyncio.wait_for(relay.wait_for_clients(1), WAIT)
        assert relay.status()["totals"]["setup_timeouts"] == 1
        assert emulator.stats.active_connections == 1
        await silent.send(json.dumps({"client_content": {"text": "still here"}}))
        assert "still here" in texts(await recv_until(silent, turn_complete), "output_transcription")
        await silent.close()


async def test_a_peer_that_stops_answering_pings_is_dropped_and_a_silent_one_is_not(
    emulator: Emulator,
) -> None:
    # A pong must be late by a whole second to count: a busy 2-core machine can stall the loop for a while.
    async with relay_with(emulator, ping_interval_s=0.2, ping_timeout_s=1.0, close_timeout_s=0.2) as relay:
        silent = await connect(relay.ws_url, create_connection=PingCountingClient, ping_interval=None)
        await silent.send(json.dumps(AUDIO_SETUP))
        assert await recv_json(silent) == {"setup_complete": True}
        assert await recv_json(silent) == {"session": {"state": "connected"}}
        dead = await open_client(relay, AUDIO_SETUP)
        await emulator.wait_until(lambda s: s.active_connections == 2)
        dead.transport.pause_reading()  # a frozen peer: reads nothing, so it never answers a ping
        await asyncio.wait_for(relay.wait_for_clients(1), WAIT)
        assert isinstance(silent, PingCountingClient)
        pings_when_dead_dropped = silent.pings
        await emulator.wait_until(lambda s: s.active_connections == 1)  # its live session is closed too
        status = relay.status()
        assert status["totals"]["unresponsive"] == 1
        [kept] = status["clients"]
        assert kept["id"] == 1 and kept["state"] == "connected" and kept["messages_in"] == 1
        assert kept["ping_ms"] is not None  # it answered keepalive pings
        await silent.wait_pings(pings_when_dead_dropped + 3)  # and keeps answering, never dropped
        assert relay.client_count == 1
        await silent.send(json.dumps({"client_content": {"text": "still here"}}))
        assert "still here" in texts(await recv_until(silent, turn_complete), "output_transcription")
        await silent.close()
        dead.transport.abort()
