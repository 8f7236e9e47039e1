"""Relay sessions get seamless reconnects by wrapping the relay's connector (as ``app.open_backend`` does):
the browser sees ``{"session": {"state": "reconnecting"}}`` and then ``"connected"`` across an upstream
drop or ``goAway``, and the conversation goes on whole; a fatal close ends it with an error and 1011 after
one connection; repeated failures end it with an error and 1013 once the reconnect cap is reached.

Real parts throughout: a websockets client in the browser's role → the relay → ResilientConnector →
GenaiConnector → google-genai SDK → the emulator over TLS, with the emulator's fault injection.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.client import connect

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT
from desktop_app.emulator import Emulator, EmulatorConfig, Faults
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_connector import ResilientConnector
from desktop_app.relay import RelayConfig, RelayServer
from tests.integration.relay_client import (
    AUDIO_SETUP,
    TEXT_SETUP,
    WAIT,
    open_client,
    recv_to_close,
    recv_until,
    state_is,
    states,
    texts,
    turn_complete,
)
from tests.support.audio import silence, speech_like

pytestmark = pytest.mark.integration

FAST_RETRIES = ReconnectPolicy(max_failures=3, backoff_base_s=0.05, backoff_max_s=0.1)


@asynccontextmanager
async def resilient_relay(emu: Emulator, policy: ReconnectPolicy | None = None) -> AsyncIterator[RelayServer]:
    connector = ResilientConnector(
        GenaiConnector(Backend("emulator", "k", emu.base_url, emu.client_ssl_context())), policy
    )
    async with RelayServer(connector, SessionOptions(), RelayConfig(port=0)) as relay:
        yield relay


async def test_a_relay_session_survives_an_upstream_drop_mid_utterance() -> None:
    # client messages upstream: setup (1), then 20 ms audio chunks: the drop comes 0.5 s into the speech
    faults = Faults(drop_after_client_messages=1 + 25)
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=faults)) as emu,
        resilient_relay(emu) as relay,
    ):
        ws = await open_client(relay)
        pcm = speech_like(1.2) + silence(0.8)
        block = MIC_FORMAT.bytes_for_ms(20)
        for offset in range(0, len(pcm), block):
            chunk = {
                "mime_type": "audio/pcm",
                "data": base64.b64encode(pcm[offset : offset + block]).decode(),
            }
            await ws.send(json.dumps({"realtime_input": {"media_chunks": [chunk]}}))
        reply = await recv_until(ws, turn_complete)
        [client] = relay.status()["clients"]
        await ws.close()
    assert emu.stats.drops == 1 and emu.stats.resumptions == 1
    assert states(reply) == ["reconnecting", "connected"]
    assert (client["state"], client["reconnects"]) == ("connected", 1)
    audio = b"".join(base64.b64decode(m["audio"]) for m in reply if "audio" in m)
    assert MODEL_FORMAT.duration_s(len(audio)) == pytest.approx(1.2, abs=0.15)  # the whole utterance
    assert "turn 1: I heard 1.2 s of speech" in texts(reply, "output_transcription")
    assert not any("error" in m or "interrupted" in m for m in reply)
    assert emu.stats.turns == 1


async def test_a_drop_between_turns_shows_reconnecting_then_connected_and_the_talk_goes_on() -> None:
    async with Emulator(EmulatorConfig(pace=0.0)) as emu, resilient_relay(emu) as relay:
        ws = await open_client(relay, TEXT_SETUP)
        await ws.send(json.dumps({"client_content": {"text": "before the drop"}}))
        assert "before the drop" in texts(await recv_until(ws, turn_complete))
        emu.drop_connections()
        gap = await recv_until(ws, state_is("connected"))
        assert states(gap) == ["reconnecting", "connected"]
        assert not any("error" in m for m in gap)
        await ws.send(json.dumps({"client_content": {"text": "after the drop"}}))
        reply = texts(await recv_until(ws, turn_complete))
        assert "after the drop" in reply and "turn 2" in reply  # the same, resumed conversation
        await ws.close()
    assert emu.stats.drops == 1 and emu.stats.resumptions == 1 and emu.stats.connections == 2


async def test_go_away_resumes_before_the_cut() -> None:
    async with Emulator(EmulatorConfig(pace=0.0)) as emu, resilient_relay(emu) as relay:
        ws = await open_client(relay, TEXT_SETUP)
        await ws.send(json.dumps({"client_content": {"text": "hello"}}))
        assert "hello" in texts(await recv_until(ws, turn_complete))
        await emu.wait_until(lambda s: len(emu.store) >= 2)  # the handle after the turn: a quiet moment
        emu.go_away(time_left_s=30.0)  # the session must not wait 30 s for the cut
        gap = await recv_until(ws, state_is("connected"))
        assert states(gap) == ["reconnecting", "connected"]
        assert emu.stats.go_aways == 1 and emu.stats.resumptions == 1
        await ws.send(json.dumps({"client_content": {"text": "still here"}}))
        assert "still here" in texts(await recv_until(ws, turn_complete))
        assert relay.status()["clients"][0]["reconnects"] == 1
        await ws.close()


async def test_a_1007_close_is_reported_and_closes_1011_without_a_retry() -> None:
    faults = Faults(
        close_after_client_messages=2,  # the setup, then the first text turn
        close_code=1007,
        close_reason="Request contains an invalid argument.",
    )
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=faults)) as emu,
        resilient_relay(emu, FAST_RETRIES) as relay,
    ):
        ws = await open_client(relay, TEXT_SETUP)
        await ws.send(json.dumps({"client_content": {"text": "hello"}}))
        messages = await recv_to_close(ws)
        connections = emu.stats.connections  # while the emulator still runs
        await asyncio.wait_for(relay.wait_for_clients(0), WAIT)
    assert connections == 1, "a fatal close is never retried"
    assert states(messages) == ["closed"]
    [error] = [m["error"] for m in messages if "error" in m]
    assert error["code"] == "invalid_request"
    assert "invalid argument" in error["message"]
    assert ws.close_code == 1011
    assert "invalid argument" in (ws.close_reason or "")


async def test_repeated_failures_reach_the_cap_and_close_1013_with_the_reason() -> None:
    # Every connection is closed 1011 right after its setupComplete and first handle, resumed or not.
    faults = Faults(close_after_server_messages=2, sticky=True)
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=faults)) as emu,
        resilient_relay(emu, FAST_RETRIES) as relay,
    ):
        ws = await connect(relay.ws_url)
        await ws.send(json.dumps(AUDIO_SETUP))
        messages = await recv_to_close(ws)
        connections = emu.stats.connections
    assert messages[0] == {"setup_complete": True}
    assert states(messages) == ["connected"] + ["reconnecting", "connected"] * 3 + ["closed"]
    [error] = [m["error"] for m in messages if "error" in m]
    assert error["code"] == "reconnect_gave_up"
    assert "failed 3 times in a row" in error["message"]
    assert ws.close_code == 1013
    assert (ws.close_reason or "").startswith("The connection to the Live API failed 3 times in a row")
    assert connections == 1 + 3
