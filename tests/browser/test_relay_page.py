"""The bundled page in Debian's chromium: fake microphone and camera, through the relay to the emulator."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.emulator import Emulator
from desktop_app.relay import RelayServer
from tests.browser.conftest import BrowserPage, MediaFiles, screenshot_path
from tests.browser.pagestate import gld, wait_page

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
    await page.click("#camera")
    await page.click("#mic")
    await wait_page(page, "window.__gld.micOn && window.__gld.cameraOn")

    # The espeak utterance ends, the emulator echoes it back at 24 kHz and describes what it received.
    await wait_page(page, "window.__gld.turnsCompleted >= 1", timeout_s=45)
    await wait_page(page, f"window.__gld.samplesPlayed >= {MODEL_FORMAT.rate}")  # ≥ 1 s of reply played
    state = await gld(page)
    model_words = " ".join(t["text"] for t in state["transcript"] if t["role"] == "model")
    user_words = " ".join(t["text"] for t in state["transcript"] if t["role"] == "user")
    width, height = media_files.video_size
    assert "I heard" in model_words, state
    assert f"camera frame: {width}x{height}" in model_words, state
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
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    await page.fill("#text", "What is on my screen?")
    await page.click("#send")
    await wait_page(page, "window.__gld.turnsCompleted >= 1")
    state = await gld(page)
    assert state["transcript"][0] == {"role": "user", "text": "What is on my screen?", "final": True}
    model = [t for t in state["transcript"] if t["role"] == "model"]
    assert model and "What is on my screen?" in model[0]["text"], state
    assert state["samplesPlayed"] == 0, "a TEXT client receives no audio"
    assert state["errors"] == []
    await page.screenshot(path=str(screenshot_path("text-mode")))


async def test_interruption_flushes_queued_playback(
    relay: RelayServer, emulator: Emulator, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    await page.fill("#text", "Please tell me a long story about the sea and the ships that sail on it.")
    await page.click("#send")
    await wait_page(page, "window.__gld.samplesPlayed > 2400")  # the reply is playing
    await page.fill("#text", "Stop.")
    await page.click("#send")
    await wait_page(page, "window.__gld.interruptions >= 1")
    await wait_page(page, "window.__gld.flushedSamples > 0")  # the worklet dropped queued reply audio
    state = await gld(page)
    assert emulator.stats.interruptions >= 1
    assert state["interruptions"] == 1
    assert state["flushedSamples"] > 0, json.dumps(state)
