"""The bundled page in Debian's chromium: fake microphone and camera, through the relay to the emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.core.redaction import Redactor
from desktop_app.emulator import Emulator
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_connector import ResilientConnector
from desktop_app.relay import RelayConfig, RelayServer
from tests.browser.conftest import WEB, BrowserPage, MediaFiles, screenshot_path
from tests.browser.pagestate import assert_text_mode_reply, gld, interrupt_a_long_reply, wait_page

pytestmark = pytest.mark.browser


async def test_voice_conversation_with_microphone_and_camera(
    relay: RelayServer, emulator: Emulator, browser_page: BrowserPage, media_files: MediaFiles
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    assert await page.title() == "Gemini Live — browser"
    await wait_page(page, "window.__gld.backend === 'emulator'")
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    await page.click("#camera")  # the microphone started with Connect (one step, as the page says)
    await wait_page(page, "window.__gld.micOn && window.__gld.cameraOn")

    # The espeak utterance ends, the emulator echoes it back at 24 kHz and describes what it received. The
    # microphone started with Connect, before the camera: the first pause may end a turn that saw no frame
    # yet, so wait for the reply that describes one.
    width, height = media_files.video_size
    described = f"camera frame: {width}x{height}"
    await wait_page(
        page,
        f"window.__gld.transcript.some((t) => t.role === 'model' && t.text.includes('{described}'))",
        timeout_s=45,
    )
    await wait_page(page, "window.__gld.turnsCompleted >= 1", timeout_s=45)
    await wait_page(page, f"window.__gld.samplesPlayed >= {MODEL_FORMAT.rate}")  # ≥ 1 s of reply played
    state = await gld(page)
    model_words = " ".join(t["text"] for t in state["transcript"] if t["role"] == "model")
    user_words = " ".join(t["text"] for t in state["transcript"] if t["role"] == "user")
    assert "I heard" in model_words, state
    assert described in model_words, state
    assert user_words, "the input transcription is shown"
    assert state["audioChunksSent"] > 100, "20 ms chunks"
    assert state["audioChunksDropped"] == 0
    assert state["framesSent"] >= 1
    assert state["errors"] == []
    assert emulator.stats.video_frames_in >= 1
    assert emulator.stats.audio_in_s > 3.0

    [client] = relay.status()["clients"]
    assert client["modality"] == "AUDIO"
    assert client["audio_out"] > 0

    shot = screenshot_path("voice-conversation")
    await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


async def test_text_mode_typed_turn_gets_text_and_no_audio(
    relay: RelayServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    await page.select_option("#modality", "TEXT")
    await page.uncheck("#listen")  # typing only: the fake microphone's speech would be a turn of its own
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    await page.fill("#text", "What is on my screen?")
    await page.click("#send")
    await wait_page(page, "window.__gld.turnsCompleted >= 1")
    assert_text_mode_reply(await gld(page), "What is on my screen?")
    await page.screenshot(path=str(screenshot_path("text-mode")))


async def test_interruption_flushes_queued_playback(
    relay: RelayServer, emulator: Emulator, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    state = await interrupt_a_long_reply(page, page.fill)
    assert emulator.stats.interruptions >= 1
    assert state["interruptions"] == 1
    assert state["flushedSamples"] > 0, json.dumps(state)


@asynccontextmanager
async def resilient_relay(
    emulator: Emulator, policy: ReconnectPolicy | None = None
) -> AsyncIterator[RelayServer]:
    """The relay as the app runs it: every browser's live session over a ResilientConnector."""
    connector = ResilientConnector(
        GenaiConnector(Backend("emulator", "browser-key", emulator.base_url, emulator.client_ssl_context())),
        policy,
    )
    config = RelayConfig(port=0, web_root=WEB)
    async with RelayServer(connector, SessionOptions(), config, redact=Redactor(["browser-key"])) as server:
        yield server


async def test_status_line_shows_reconnecting_then_live_across_an_upstream_drop(
    emulator: Emulator, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    async with resilient_relay(emulator) as relay:
        await page.goto(relay.url)
        await wait_page(page, "window.__gld.backend === 'emulator'")
        await page.select_option("#modality", "TEXT")
        await page.uncheck("#listen")
        await page.click("#connect")
        await wait_page(page, "window.__gld.state === 'live'")
        emulator.drop_connections()
        await wait_page(page, "window.__gld.reconnects === 1 && window.__gld.state === 'live'")
        state = await gld(page)
        shown = [entry["text"] for entry in state["statusLog"]]
        assert shown[-2:] == ["Reconnecting…", "Live — emulator, replies in text"], shown
        assert await page.text_content("#status-text") == "Live — emulator, replies in text"
        await page.fill("#text", "Are you back?")  # the conversation goes on
        await page.click("#send")
        await wait_page(page, "window.__gld.turnsCompleted >= 1")
        model = [t["text"] for t in (await gld(page))["transcript"] if t["role"] == "model"]
        assert any("Are you back?" in text for text in model), model
        assert (await gld(page))["errors"] == []
    assert emulator.stats.drops == 1 and emulator.stats.resumptions == 1


async def test_status_line_says_why_when_reconnecting_gives_up(
    emulator: Emulator, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    policy = ReconnectPolicy(max_failures=2, backoff_base_s=0.05, backoff_max_s=0.1)
    async with resilient_relay(emulator, policy) as relay:
        await page.goto(relay.url)
        await wait_page(page, "window.__gld.backend === 'emulator'")
        await page.uncheck("#listen")
        await page.click("#connect")
        await wait_page(page, "window.__gld.state === 'live'")
        emulator.faults.close_after_client_messages = 1  # every new connection's setup is refused (1011)
        emulator.faults.sticky = True
        emulator.drop_connections()
        await wait_page(page, "window.__gld.state === 'error'")
        state = await gld(page)
        assert "reconnecting" in [entry["state"] for entry in state["statusLog"]]
        status = await page.text_content("#status-text") or ""
        assert status.startswith("Try again later. The connection to the Live API failed 2 times in a row"), (
            status
        )
        assert [e["code"] for e in state["errors"]] == ["reconnect_gave_up", "close_1013"], state["errors"]
        assert emulator.stats.connections == 1 + 2


async def test_microphone_keeps_streaming_through_a_reconnect(
    emulator: Emulator, browser_page: BrowserPage
) -> None:
    """The live session buffers what is said during the gap and sends it after the resume, so the page
    must keep sending: an utterance spoken across the reconnect still gets its reply."""
    page = browser_page.page
    emulator.faults.reply_delay_ms = 300  # every server message, the new setupComplete too: a long gap
    async with resilient_relay(emulator) as relay:
        await page.goto(relay.url)
        await wait_page(page, "window.__gld.backend === 'emulator'")
        await page.click("#connect")  # the microphone starts with it
        await wait_page(page, "window.__gld.state === 'live' && window.__gld.micOn")
        await wait_page(page, "window.__gld.audioChunksSent >= 40")  # 0.8 s in: mid-utterance
        emulator.drop_connections()
        await wait_page(page, "window.__gld.reconnects === 1 && window.__gld.state === 'live'")
        await wait_page(page, "window.__gld.turnsCompleted >= 1", timeout_s=45)
        state = await gld(page)
        assert state["audioChunksSentReconnecting"] > 0, "the page stopped sending during the gap"
        assert state["audioChunksDropped"] == 0
        model_words = " ".join(t["text"] for t in state["transcript"] if t["role"] == "model")
        assert "I heard" in model_words, state
        assert state["errors"] == []
    assert emulator.stats.drops == 1 and emulator.stats.resumptions == 1
