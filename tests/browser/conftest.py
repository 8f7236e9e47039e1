"""Browser end-to-end fixtures: Debian's chromium driven by Playwright, with fake media devices fed from files
(an espeak-ng WAV as the microphone, a generated Y4M video as the camera), talking to the relay, which talks
to the emulator through the real SDK over TLS."""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from playwright.async_api import ConsoleMessage, Page, async_playwright

from desktop_app.core.redaction import Redactor
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.relay import RelayConfig, RelayServer
from desktop_app.relay.page_tools import GOOGLE_SEARCH, BrowserTools
from tests.integration.relay_client import lookup_tool

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("GLD_BROWSER_ARTIFACTS", Path(__file__).parent / "artifacts"))
WEB = Path(__file__).resolve().parents[2] / "assets" / "web"
"""This checkout's page: the shared venv's editable install may point at another checkout's assets."""
SPEECH = "Hello Gemini. Can you hear me? This is the browser test speaking."


@dataclass(frozen=True)
class MediaFiles:
    wav: Path
    video: Path
    video_size: tuple[int, int]


@pytest.fixture(scope="session")
def media_files(tmp_path_factory: pytest.TempPathFactory) -> MediaFiles:
    """Speech from espeak-ng padded with silence (so an energy VAD hears the utterance end), and a
    640x480 moving-gradient Y4M video for the fake camera."""
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is missing: install it (packaging/apt-packages.txt lists it)"
    directory = tmp_path_factory.mktemp("browser-media")
    raw = directory / "speech-raw.wav"
    subprocess.run([espeak, "-w", str(raw), SPEECH], check=True, capture_output=True)
    with wave.open(str(raw)) as source:
        rate = source.getframerate()
        speech = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    padded = np.concatenate([np.zeros(rate // 2, "<i2"), speech, np.zeros(int(rate * 2.5), "<i2")])
    wav = directory / "speech.wav"
    with wave.open(str(wav), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(rate)
        sink.writeframes(padded.tobytes())

    width, height = 640, 480
    video = directory / "camera.y4m"
    with video.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        ramp = np.linspace(40, 220, width, dtype=np.float32).astype(np.uint8)
        u_plane = np.full((height // 2, width // 2), 90, np.uint8)
        v_plane = np.full((height // 2, width // 2), 200, np.uint8)
        for frame in range(15):
            y_plane = np.roll(np.tile(ramp, (height, 1)), frame * 8, axis=1)
            out.write(b"FRAME\n" + y_plane.tobytes() + u_plane.tobytes() + v_plane.tobytes())
    return MediaFiles(wav=wav, video=video, video_size=(width, height))


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(pace=1.0)) as emu:
        yield emu


@pytest.fixture
async def relay(emulator: Emulator) -> AsyncIterator[RelayServer]:
    connector = GenaiConnector(
        Backend("emulator", "browser-key", emulator.base_url, emulator.client_ssl_context())
    )
    config = RelayConfig(port=0, web_root=WEB)
    async with RelayServer(connector, SessionOptions(), config, redact=Redactor(["browser-key"])) as server:
        yield server


@pytest.fixture
async def fake_relay() -> AsyncIterator[tuple[RelayServer, FakeConnector]]:
    """A relay on a fake live session whose pages may use ``lookup`` (policy "ask") and search grounding."""
    connector = FakeConnector()
    tools = BrowserTools(frozenset({GOOGLE_SEARCH, "lookup"}), source=lookup_tool)
    config = RelayConfig(port=0, web_root=WEB)
    async with RelayServer(connector, SessionOptions(), config, tools=tools) as relay:
        yield relay, connector


@dataclass
class BrowserPage:
    page: Page
    console_errors: list[str] = field(default_factory=list)
    expected_errors: list[str] = field(default_factory=list)
    """Console errors the test provokes on purpose (the browser's own lines, e.g. a refused WebSocket):
    any console error containing one of these is not a failure."""

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.console_errors if not any(part in e for part in self.expected_errors)]


@pytest.fixture(scope="session")
def chromium() -> Path:
    assert CHROMIUM.exists(), "Debian's chromium is missing: apt-get install -y chromium"
    return CHROMIUM


@pytest.fixture
async def browser_page(media_files: MediaFiles, chromium: Path) -> AsyncIterator[BrowserPage]:
    """A chromium page with fake devices; the test fails on any console error or uncaught page error it
    did not declare in ``expected_errors``."""
    args = [
        "--no-sandbox",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={media_files.wav}%noloop",
        f"--use-file-for-fake-video-capture={media_files.video}",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-gpu",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=args)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            result = BrowserPage(page)

            def on_console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    result.console_errors.append(message.text)

            page.on("console", on_console)
            page.on("pageerror", lambda error: result.console_errors.append(f"uncaught: {error}"))
            yield result
        finally:
            await browser.close()
    assert not result.unexpected_errors(), f"console errors: {result.console_errors}"


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
