"""The bundled page in Debian's Firefox ESR (headless, driven over WebDriver BiDi by ``firefox.py``): fake
microphone and camera, through the relay to the emulator; and the mic worklet rendered offline in Firefox.

Firefox's fake microphone is a steady tone, so no pause ever ends the utterance: the voice test turns the
microphone off, the page sends ``audio_stream_end``, and the emulator answers what it heard.

Firefox plays through PulseAudio (it never starts an AudioContext without a sound server), so each tab plays
into a private null sink of the shared daemon, whose monitor the voice test records; one test takes the
sound server away and checks the page says so.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.core.events import FunctionCall, ToolCall
from desktop_app.emulator import Emulator
from desktop_app.live.fake_session import FakeConnector
from desktop_app.relay import RelayServer
from tests.browser.conftest import screenshot_path
from tests.browser.firefox import FirefoxPage, launch_firefox
from tests.browser.pagestate import assert_text_mode_reply, gld, interrupt_a_long_reply, wait_page
from tests.browser.test_worklets import MIC_RENDER, assert_mic_filtered, assert_mic_render
from tests.integration.relay_client import tool_answer
from tests.support.pulse_rig import PulseRig, Recorder, ensure_daemon

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def firefox_speaker() -> Iterator[PulseRig]:
    """Private null sinks in the shared PulseAudio daemon (started if none answers): Firefox plays into
    ``.speaker``, whose ``.speaker_monitor`` a test may record."""
    ensure_daemon()
    rig = PulseRig(f"gldff{os.getpid()}")
    rig.setup()
    try:
        yield rig
    finally:
        rig.teardown()


@pytest.fixture
async def firefox_page(tmp_path: Path, firefox_speaker: PulseRig) -> AsyncIterator[FirefoxPage]:
    """A Firefox tab with fake devices, playing into ``firefox_speaker``; the test fails on any console
    error or uncaught page error."""
    async with launch_firefox(tmp_path / "profile", env={"PULSE_SINK": firefox_speaker.speaker}) as firefox:
        page = await firefox.page()
        yield page
    assert not page.console_errors, f"console errors: {page.console_errors}"


async def open_page(page: FirefoxPage, relay: RelayServer) -> None:
    await page.navigate(relay.url)
    assert await page.title() == "Gemini Live — browser"
    await wait_page(page, "window.__gld.backend === 'emulator'")


async def test_voice_conversation_with_microphone_and_camera_in_firefox(
    relay: RelayServer,
    emulator: Emulator,
    firefox_page: FirefoxPage,
    firefox_speaker: PulseRig,
    tmp_path: Path,
) -> None:
    page = firefox_page
    await open_page(page, relay)
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    await page.click("#camera")  # the microphone started with Connect
    await wait_page(page, "window.__gld.micOn && window.__gld.cameraOn")

    # Three seconds of the fake tone and at least two camera frames, then the user stops talking.
    await wait_page(page, "window.__gld.audioChunksSent >= 150 && window.__gld.framesSent >= 2")
    recorder = Recorder(firefox_speaker.speaker_monitor)
    try:
        await page.click("#mic")
        await wait_page(page, "!window.__gld.micOn")
        await wait_page(page, "window.__gld.turnsCompleted >= 1", timeout_s=45)
        await wait_page(page, f"window.__gld.samplesPlayed >= {MODEL_FORMAT.rate}")  # ≥ 1 s of reply played
        # The reply reached the sound server: the speaker's monitor holds ≥ 0.5 s of it (Firefox's own
        # output latency keeps the last part of that second in flight).
        await asyncio.to_thread(recorder.wait_frames, 2 * recorder.rate, 30.0)
    finally:
        heard = await asyncio.to_thread(recorder.stop)
    window = recorder.rate // 50
    rms = np.sqrt(np.mean(heard[: len(heard) // window * window].reshape(-1, window) ** 2, axis=1))
    assert np.count_nonzero(rms > 0.01) >= 25, f"loudest 20 ms windows: {np.sort(rms)[-5:]}"

    state = await gld(page)
    video: dict[str, Any] = await page.evaluate(
        "() => { const v = document.getElementById('preview');"
        " return { width: v.videoWidth, height: v.videoHeight }; }"
    )
    scale = min(1.0, 1024 / max(video["width"], video["height"]))
    frame = f"{round(video['width'] * scale)}x{round(video['height'] * scale)}"
    model_words = " ".join(t["text"] for t in state["transcript"] if t["role"] == "model")
    user_words = " ".join(t["text"] for t in state["transcript"] if t["role"] == "user")
    assert "I heard 3." in model_words, state  # the tone went out as ~3 s of 16 kHz audio
    assert f"camera frame: {frame}" in model_words, (video, state)  # long side ≤ 1024 px
    assert user_words.startswith("[speech "), "the input transcription is shown"
    assert state["micLevel"] > 0.01, "the level meter saw the tone"
    assert state["audioChunksDropped"] == 0
    assert state["errors"] == []
    assert await page.evaluate("() => document.getElementById('errors').children.length") == 0
    assert emulator.stats.video_frames_in >= 2
    assert emulator.stats.audio_in_s >= 3.0

    [client] = relay.status()["clients"]
    assert client["modality"] == "AUDIO"
    assert client["audio_out"] > 0

    png = await page.screenshot()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    for shot in (tmp_path / "firefox-voice-conversation.png", screenshot_path("firefox-voice-conversation")):
        shot.write_bytes(png)

    await page.click("#connect")  # Disconnect: media stops, the socket closes cleanly
    await wait_page(page, "window.__gld.state === 'closed' && !window.__gld.cameraOn")
    assert (await gld(page))["errors"] == []


async def test_typed_turn_in_text_mode_in_firefox(relay: RelayServer, firefox_page: FirefoxPage) -> None:
    page = firefox_page
    await open_page(page, relay)
    await page.evaluate("() => { document.getElementById('modality').value = 'TEXT'; }")
    await page.click("#listen")  # typing only: the fake tone would be a spoken turn of its own
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    await page.type_into("#text", "What is on my screen?")
    await page.click("#send")
    await wait_page(page, "window.__gld.turnsCompleted >= 1")
    assert_text_mode_reply(await gld(page), "What is on my screen?")


async def test_page_says_so_when_the_browser_has_no_audio_output(relay: RelayServer, tmp_path: Path) -> None:
    """No sound server: Firefox's AudioContext never starts. The page reports it once, within its deadline,
    and the conversation goes on (the transcript of a typed turn still arrives; its audio is dropped)."""
    no_server = {"PULSE_SERVER": f"unix:{tmp_path / 'no-such-pulse-socket'}"}
    async with launch_firefox(tmp_path / "profile", env=no_server) as firefox:
        page = await firefox.page()
        await open_page(page, relay)
        await page.click("#listen")  # the microphone cannot start without a sound server either
        await page.click("#connect")
        await wait_page(page, "window.__gld.errors.some((e) => e.code === 'audio_output')", timeout_s=15)
        await wait_page(page, "window.__gld.state === 'live'")
        await page.type_into("#text", "Can you hear me?")
        await page.click("#send")
        await wait_page(page, "window.__gld.turnsCompleted >= 1")
        state = await gld(page)
        assert [e["code"] for e in state["errors"]] == ["audio_output"], state["errors"]
        assert "did not start within 4 s" in state["errors"][0]["message"]
        assert state["samplesPlayed"] == 0
        assert any(t["role"] == "model" and "Can you hear me?" in t["text"] for t in state["transcript"]), (
            state
        )
        shown = await page.evaluate("() => document.getElementById('errors').textContent")
        assert "Audio output is unavailable" in shown
    assert not page.console_errors, f"console errors: {page.console_errors}"


async def test_interruption_flushes_queued_playback_in_firefox(
    relay: RelayServer, emulator: Emulator, firefox_page: FirefoxPage
) -> None:
    page = firefox_page
    await open_page(page, relay)
    state = await interrupt_a_long_reply(page, page.type_into)
    assert emulator.stats.interruptions >= 1
    assert state["interruptions"] == 1, state
    assert state["errors"] == []


async def test_mic_worklet_resamples_and_filters_in_firefox(
    relay: RelayServer, firefox_page: FirefoxPage
) -> None:
    page = firefox_page
    await page.navigate(relay.url)
    for rate in (48_000, 44_100, 16_000):
        assert_mic_render(await page.evaluate(MIC_RENDER, [rate, 440, 2.0]), rate)
    assert_mic_filtered(await page.evaluate(MIC_RENDER, [48_000, 12_000, 1.0]))


async def test_consent_card_allow_answers_the_session_in_firefox(
    fake_relay: tuple[RelayServer, FakeConnector], firefox_page: FirefoxPage
) -> None:
    relay, connector = fake_relay
    page = firefox_page
    await page.navigate(relay.url)
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    [session] = await connector.wait_sessions(1)
    session.emit(ToolCall((FunctionCall("c1", "lookup", {"q": "otters"}),)))
    allow = '[data-call-id="c1"] button[data-decision="allow_once"]'
    await wait_page(page, f"document.querySelector('{allow}') !== null")
    await page.click(allow)
    answer = await tool_answer(session)
    assert (answer.id, answer.response) == ("c1", {"output": {"answer": "found otters"}})
    await wait_page(page, "window.__gld.tools[0]?.outcome === 'done'")
