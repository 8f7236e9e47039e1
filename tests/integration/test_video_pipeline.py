"""The vision pipeline end to end: a 1280×720 video file written here, played like a webcam, paced,
downscaled and encoded, then sent to (1) a recording LiveSession and (2) the built-in emulator through the
real google-genai SDK over TLS, whose reply describes the latest frame it received."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.cli import main
from desktop_app.core.audio_format import MIC_FORMAT, float_to_pcm16
from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserImage
from desktop_app.core.events import Event, LiveEvent, Role, Transcript, TurnComplete
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.video import (
    FrameEncoder,
    FrameSent,
    PacingConfig,
    VideoState,
    VideoStatus,
    VisionPump,
    open_video_source,
)
from desktop_app.video.synthetic import pattern_colour, pattern_frame, pattern_index
from tests.support.audio import write_wav

pytestmark = pytest.mark.integration

FILE_FPS = 30
FILE_FRAMES = 150  # 5 s
PER_COLOUR = 30  # the background colour changes every second of video
PACE = 2.0  # frames per second to the model


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1280×720, 30 fps MPEG-4 file of numbered, coloured frames with a moving square."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FILE_FPS, (1280, 720))
    assert writer.isOpened(), "OpenCV cannot write MPEG-4 here"
    for i in range(FILE_FRAMES):
        writer.write(pattern_frame(i, 1280, 720, frames_per_colour=PER_COLOUR))
    writer.release()
    return path


def decode(jpeg: bytes) -> npt.NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a JPEG"
    return cast(npt.NDArray[np.uint8], image)


class Frames:
    """Collects the pump's events; tests await a number of sent frames."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = asyncio.Condition()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    @property
    def sent(self) -> list[FrameSent]:
        return [e for e in self.events if isinstance(e, FrameSent)]

    async def until_sent(self, count: int, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout), self._cond:
            await self._cond.wait_for(lambda: len(self.sent) >= count)


def check_frames(sent: list[FrameSent]) -> list[int]:
    """Every frame: long side ≤ 1024, the picture of the file frame it claims, at the model's pace."""
    indices = []
    for frame in sent:
        image = decode(frame.jpeg)
        assert image.shape == (576, 1024, 3) == (frame.height, frame.width, 3)
        assert (frame.source_width, frame.source_height) == (1280, 720)
        index = pattern_index(image)
        assert 0 <= index < FILE_FRAMES
        background = image[400:440, 980:1020].reshape(-1, 3).mean(axis=0)  # right edge, below the code
        if not np.allclose(background, 255, atol=30):  # unless the moving white square is there
            assert np.allclose(background, pattern_colour(index, PER_COLOUR), atol=20), (index, background)
        indices.append(index)
    if len(sent) < 2:
        return indices
    gaps_in_file = [b - a for a, b in itertools.pairwise(indices)]
    gaps_in_time = [b.sent_at - a.sent_at for a, b in itertools.pairwise(sent)]
    # At the pace: frames are taken exactly 1/PACE apart; sent_at adds each frame's encode+send time,
    # so single gaps get some slack, the mean little.
    assert all(g >= 0.8 / PACE for g in gaps_in_time), gaps_in_time
    assert 0.95 / PACE <= sum(gaps_in_time) / len(gaps_in_time) <= 1.5 / PACE, gaps_in_time
    # The file plays in real time: 0.5 s apart in sending is ~15 frames apart in the file.
    assert all(g > 0 for g in gaps_in_file), indices
    mean_gap = sum(gaps_in_file) / len(gaps_in_file)
    assert FILE_FPS / PACE * 0.8 <= mean_gap <= FILE_FPS / PACE * 1.6, indices
    return indices


class RecordingSession:
    """Records the frames the pump hands to its ``send(jpeg)`` (the pump's seam, no session)."""

    def __init__(self) -> None:
        self.video: list[bytes] = []

    async def send_video(self, jpeg: bytes, mime_type: str = "image/jpeg") -> None:
        assert mime_type == "image/jpeg"
        self.video.append(jpeg)


async def test_file_frames_reach_a_recording_session_at_pace(clip: Path) -> None:
    session = RecordingSession()
    frames = Frames()
    pump = VisionPump(
        open_video_source(str(clip)), session.send_video, pacing=PacingConfig(fps=PACE), on_event=frames
    )
    task = asyncio.create_task(pump.run())
    await frames.until_sent(5)
    await pump.stop()
    await task
    assert session.video == [f.jpeg for f in frames.sent]
    assert [f.count for f in frames.sent] == list(range(1, len(session.video) + 1))
    check_frames(frames.sent)


async def test_a_file_plays_to_its_end_then_the_pump_ends(clip: Path) -> None:
    session = RecordingSession()
    frames = Frames()
    pump = VisionPump(
        open_video_source(str(clip)), session.send_video, pacing=PacingConfig(fps=PACE), on_event=frames
    )
    await asyncio.wait_for(pump.run(), 30)
    states = [e.state for e in frames.events if isinstance(e, VideoStatus)]
    assert states[-1] is VideoState.ENDED
    # 5 s of video at 2 fps: 10 frames, give or take one at either end.
    assert 9 <= len(session.video) <= 11
    indices = check_frames(frames.sent)
    assert indices[-1] >= FILE_FRAMES - FILE_FPS / PACE * 1.6


# --- through the real SDK to the emulator ---------------------------------------------------------


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(pace=0.0)) as emu:
        yield emu


@pytest.fixture
def connector(emulator: Emulator) -> GenaiConnector:
    return GenaiConnector(Backend("emulator", "test-key", emulator.base_url, emulator.client_ssl_context()))


def speech(seconds: float) -> list[bytes]:
    rate = MIC_FORMAT.rate
    t = np.arange(int(seconds * rate)) / rate
    pcm = float_to_pcm16(0.4 * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * 220 * t))
    block = MIC_FORMAT.bytes_for_ms(20)
    return [pcm[i : i + block] for i in range(0, len(pcm), block)]


def mean_hex(jpeg: bytes) -> str:
    blue, green, red = (round(float(v)) for v in decode(jpeg).reshape(-1, 3).mean(axis=0))
    return f"#{red:02x}{green:02x}{blue:02x}"


async def test_frames_reach_the_emulator_through_the_sdk(
    clip: Path, emulator: Emulator, connector: GenaiConnector
) -> None:
    async with connector.connect(SessionOptions()) as session:
        received: list[LiveEvent] = []
        turn_done = asyncio.Event()

        async def receive() -> None:
            async for event in session.events():
                received.append(event)
                if isinstance(event, TurnComplete):
                    turn_done.set()

        receiver = asyncio.create_task(receive())
        frames = Frames()
        pump = VisionPump(
            open_video_source(str(clip), loop_file=True),
            lambda jpeg: session.send(UserImage(jpeg)),
            pacing=PacingConfig(fps=PACE),
            on_event=frames,
        )
        pump_task = asyncio.create_task(pump.run())
        await frames.until_sent(4)

        # Pause vision: no more frames leave, while audio goes on and gets its answer.
        pump.pause()
        await pump.settle()
        sent = pump.state().frames_sent
        await emulator.wait_until(lambda s: s.video_frames_in == sent)
        for block in speech(1.0):
            await session.send(UserAudio(block))
        await session.send(AudioStreamEnd())
        await asyncio.wait_for(turn_done.wait(), 20)
        said = "".join(e.text for e in received if isinstance(e, Transcript) and e.role is Role.MODEL)
        last = pump.mirror.value
        assert last is not None and last.count == sent
        # The emulator decoded exactly the last frame we sent: same size, same average colour.
        assert f"Latest camera frame: 1024x576, average colour {mean_hex(last.jpeg)}." in said, said
        assert emulator.stats.video_frames_in == sent  # paused during the whole turn

        pump.resume()
        await frames.until_sent(sent + 1)
        await emulator.wait_until(lambda s: s.video_frames_in >= sent + 1)
        await pump.stop()
        await pump_task
        receiver.cancel()
    check_frames(frames.sent[:sent])
    check_frames(frames.sent[sent:])


# --- privacy masks in a headless run ----------------------------------------------------------------


def test_a_headless_run_blurs_the_command_line_masks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--mask`` reaches the frames a headless run sends: the whole frame masked leaves no detail, which
    the JPEG sizes in the transcript show (the emulator answers; nothing leaves the machine)."""
    clip = tmp_path / "detail.mp4"
    rng = np.random.default_rng(3)
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"mp4v"), 10, (1280, 720))
    for _ in range(20):
        writer.write((rng.integers(0, 2, (90, 160, 3), dtype=np.uint8) * 255).repeat(8, 0).repeat(8, 1))
    writer.release()
    capture = cv2.VideoCapture(str(clip))
    ok, first = capture.read()
    capture.release()
    assert ok
    unmasked = len(FrameEncoder().encode(np.asarray(first, np.uint8)).jpeg)
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GLD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GLD_EMULATOR_PACE", "0")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    wav, transcript = tmp_path / "in.wav", tmp_path / "t.jsonl"
    write_wav(wav, b"".join(speech(1.0)), MIC_FORMAT.rate)
    argv = ["--headless", "--fast", "--input-wav", str(wav), "--output-wav", str(tmp_path / "out.wav")]
    assert main([*argv, "--video", str(clip), "--mask", "0,0,1,1", "--transcript", str(transcript)]) == 0
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    sent = [r["jpeg_bytes"] for r in records if r["type"] == "frame_sent"]
    assert sent and unmasked > 100_000
    assert max(sent) < unmasked / 10, (sent, unmasked)
