"""The headless slice as a user runs it: a real process, the real SDK, the emulator over TLS."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from desktop_app.bench.emulator_process import EmulatorProcess
from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, rms_dbfs
from desktop_app.emulator import Emulator, EmulatorConfig, client_env
from desktop_app.wavfiles import read_wav_mono16k
from tests.support.audio import read_wav, speech_like, write_wav

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "samples" / "hello.wav"


async def run_cli(*args: str, env: dict[str, str], tmp_path: Path) -> tuple[int, str, str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    full_env.update({"GLD_CONFIG_DIR": str(tmp_path / "config"), "GLD_EMULATOR_PACE": "0"}, **env)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "desktop_app", *args, cwd=REPO, env=full_env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_sample_wav_is_echoed_to_a_non_silent_wav_and_a_transcript(tmp_path: Path) -> None:
    out_wav, transcript = tmp_path / "reply.wav", tmp_path / "t.jsonl"
    code, out, err = await run_cli(
        "--headless", "--fast", "--input-wav", str(SAMPLE), "--output-wav", str(out_wav),
        "--transcript", str(transcript), env={}, tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "Offline demo" in err  # the backend choice is said plainly
    pcm, rate, channels = read_wav(out_wav)
    assert (rate, channels) == (MODEL_FORMAT.rate, 1)
    assert rms_dbfs(pcm) > -40  # not silence
    sent_s = MIC_FORMAT.duration_s(len(read_wav_mono16k(SAMPLE)))
    assert MODEL_FORMAT.duration_s(len(pcm)) == pytest.approx(sent_s, rel=0.10)
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    kinds = {r["type"] for r in records}
    assert {"setup_complete", "turn_complete", "transcript", "session_state"} <= kinds
    assert any(r["type"] == "transcript" and r["role"] == "model" for r in records)
    assert "done: 1 turn(s)" in out


async def test_any_rate_and_channel_count_and_a_text_turn(tmp_path: Path) -> None:
    stereo_44k = tmp_path / "in.wav"
    mono = speech_like(1.0, rate=44_100)
    write_wav(stereo_44k, b"".join(mono[i : i + 2] * 2 for i in range(0, len(mono), 2)), 44_100, 2)
    out_wav = tmp_path / "reply.wav"
    code, out, err = await run_cli(
        "--headless", "--fast", "--input-wav", str(stereo_44k), "--output-wav", str(out_wav),
        "--text", "hello there", env={}, tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "done: 2 turn(s)" in out
    pcm, _, _ = read_wav(out_wav)
    assert MODEL_FORMAT.duration_s(len(pcm)) > 1.0  # the echo plus the text turn's audio


async def test_missing_input_file_is_one_clear_line(tmp_path: Path) -> None:
    code, _, err = await run_cli(
        "--headless", "--input-wav", str(tmp_path / "nope.wav"), "--output-wav", str(tmp_path / "o.wav"),
        env={}, tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 1
    assert err.strip().splitlines()[-1] == f"error: The input file {tmp_path / 'nope.wav'} does not exist."
    assert "Traceback" not in err


async def test_a_refused_key_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    async with Emulator(EmulatorConfig(pace=0.0, accepted_keys=frozenset({"the-good-key"}))) as emu:
        code, _, err = await run_cli(
            "--headless", "--backend", "gemini", "--text", "hi", "--output-wav", str(tmp_path / "o.wav"),
            env=client_env(emu.base_url, emu.ca_file, "AIzaSyBAD-KEY-0000000000"),
            tmp_path=tmp_path,
        )  # fmt: skip
    assert code == 1
    assert "error: The API key was refused" in err
    assert "AIzaSyBAD-KEY" not in err and "Traceback" not in err


async def test_an_unreachable_backend_is_reported(tmp_path: Path) -> None:
    code, _, err = await run_cli(
        "--headless", "--backend", "gemini", "--text", "hi", "--output-wav", str(tmp_path / "o.wav"),
        env={"GEMINI_API_KEY": "k", "GOOGLE_GEMINI_BASE_URL": "https://127.0.0.1:9"},
        tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 1
    assert "unreachable" in err and "Traceback" not in err


def write_red_video(path: Path, seconds: float = 3.0) -> None:
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (1280, 720))
    for i in range(int(seconds * 10)):
        frame = np.zeros((720, 1280, 3), np.uint8)
        frame[:, :] = (0, 0, 200)  # BGR: red
        frame[:40, : 40 + i] = 255  # a little changing content
        writer.write(frame)
    writer.release()


async def test_video_frames_reach_the_model_resized(tmp_path: Path) -> None:
    video = tmp_path / "camera.mp4"
    write_red_video(video)
    speech = tmp_path / "speech.wav"
    write_wav(speech, speech_like(1.0), 16_000)
    transcript = tmp_path / "t.jsonl"
    code, out, err = await run_cli(
        "--headless", "--fast", "--input-wav", str(speech), "--output-wav", str(tmp_path / "o.wav"),
        "--video", str(video), "--transcript", str(transcript), env={}, tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "Latest camera frame: 1024x576" in out  # long side capped at 1024, aspect kept
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    sent = [r for r in records if r["type"] == "frame_sent"]
    assert sent and sent[0]["width"] == 1024 and sent[0]["jpeg_bytes"] > 1000


async def test_a_missing_camera_index_gives_audio_only_with_a_clear_notice(tmp_path: Path) -> None:
    code, out, err = await run_cli(
        "--headless", "--fast", "--text", "hi", "--output-wav", str(tmp_path / "o.wav"),
        "--video", "7", env={}, tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "notice: Camera 7 is not connected" in err and "audio goes on" in err
    assert "done: 1 turn(s)" in out and "Traceback" not in err


async def test_the_program_reaches_an_emulator_process_as_it_would_reach_gemini(tmp_path: Path) -> None:
    """``--backend gemini`` with the SDK's own environment (base URL, CA file) talks to the emulator in a
    process of its own: the setup the window benchmark uses to measure the program alone."""
    with EmulatorProcess(tmp_path / "emulator", pace=0.0) as emulator:
        assert emulator.base_url.startswith("https://127.0.0.1:")
        cpu_before = emulator.cpu_seconds()
        code, out, err = await run_cli(
            "--headless", "--backend", "gemini", "--input-wav", str(SAMPLE),
            "--output-wav", str(tmp_path / "reply.wav"), env=emulator.env(), tmp_path=tmp_path,
        )  # fmt: skip
        assert code == 0, err
        assert "done: 1 turn(s)" in out
        assert "Offline demo" not in err  # no built-in emulator: the reply came from that process
        assert "Offline emulator, turn 1" in out
        assert emulator.cpu_seconds() > cpu_before
    assert emulator.proc is not None and emulator.proc.returncode is not None
