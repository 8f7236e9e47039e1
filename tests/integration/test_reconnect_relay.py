"""Relay sessions get seamless reconnects by wrapping the relay's connector: a browser client streams an
utterance, the upstream connection drops in the middle of it, and the browser still gets one whole reply.

Real parts throughout: a websockets client in the browser's role → the relay → ResilientConnector →
GenaiConnector → google-genai SDK → the emulator over TLS.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT
from desktop_app.emulator import Emulator, EmulatorConfig, Faults
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.resilient_session import ResilientConnector
from desktop_app.relay import RelayConfig, RelayServer
from tests.support.audio import silence, speech_like

pytestmark = pytest.mark.integration

WAIT = 20.0


@pytest.fixture(autouse=True)
def no_warning_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.INFO)
    yield
    bad = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert not bad, f"warnings logged: {bad}"


async def recv_json(ws: ClientConnection) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), WAIT)
    assert isinstance(raw, str)
    message = json.loads(raw)
    assert isinstance(message, dict)
    return message


async def test_a_relay_session_survives_an_upstream_drop_mid_utterance() -> None:
    # client messages upstream: setup (1), then 20 ms audio chunks: the drop comes 0.5 s into the speech
    faults = Faults(drop_after_client_messages=1 + 25)
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=faults)) as emu,
        RelayServer(
            ResilientConnector(
                GenaiConnector(Backend("emulator", "k", emu.base_url, emu.client_ssl_context()))
            ),  # type: ignore[arg-type]
            SessionOptions(),
            RelayConfig(port=0),
        ) as relay,
    ):
        ws = await connect(relay.ws_url)
        await ws.send(json.dumps({"setup": {"generation_config": {"response_modalities": ["AUDIO"]}}}))
        assert await recv_json(ws) == {"setup_complete": True}
        assert await recv_json(ws) == {"session": {"state": "connected"}}
        pcm = speech_like(1.2) + silence(0.8)
        block = MIC_FORMAT.bytes_for_ms(20)
        for offset in range(0, len(pcm), block):
            chunk = {
                "mime_type": "audio/pcm",
                "data": base64.b64encode(pcm[offset : offset + block]).decode(),
            }
            await ws.send(json.dumps({"realtime_input": {"media_chunks": [chunk]}}))
        reply: list[dict[str, Any]] = []
        while not (reply and reply[-1].get("turn_complete")):
            reply.append(await recv_json(ws))
        await ws.close()
    assert emu.stats.drops == 1 and emu.stats.resumptions == 1
    audio = b"".join(base64.b64decode(m["audio"]) for m in reply if "audio" in m)
    assert MODEL_FORMAT.duration_s(len(audio)) == pytest.approx(1.2, abs=0.15)  # the whole utterance
    said = "".join(m.get("output_transcription", "") for m in reply)
    assert "turn 1: I heard 1.2 s of speech" in said
    assert not any("error" in m or "interrupted" in m for m in reply)
    assert emu.stats.turns == 1
