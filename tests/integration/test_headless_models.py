"""The headless slice with ``--model`` set to each catalog id: a real process, the real SDK, the emulator."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.live.models import CATALOG
from tests.support.audio import read_wav

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "samples" / "hello.wav"


async def run_cli(*args: str, tmp_path: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    env.update({"GLD_CONFIG_DIR": str(tmp_path / "config"), "GLD_EMULATOR_PACE": "0"})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "desktop_app", *args, cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("model", list(CATALOG))
async def test_the_headless_slice_answers_on_every_catalog_model(model: str, tmp_path: Path) -> None:
    out_wav = tmp_path / "reply.wav"
    code, out, err = await run_cli(
        "--headless", "--fast", "--input-wav", str(SAMPLE), "--output-wav", str(out_wav),
        "--model", model, tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "done: 1 turn(s)" in out
    assert "notice:" not in err  # the defaults suit every catalog model
    pcm, _, _ = read_wav(out_wav)
    assert MODEL_FORMAT.duration_s(len(pcm)) > 0.5


async def test_an_option_the_model_does_not_take_is_left_out_with_a_notice(tmp_path: Path) -> None:
    code, out, err = await run_cli(
        "--headless", "--fast", "--input-wav", str(SAMPLE), "--output-wav", str(tmp_path / "o.wav"),
        "--model", "gemini-3.8-live", "--affective-dialog", "--thinking-level", "high", tmp_path=tmp_path,
    )  # fmt: skip
    assert code == 0, err  # the session still runs: the model was never sent what it refuses
    assert "notice: Gemini 3.8 Live does not take affective dialog, so it was left out of the session." in err
    assert "notice: Gemini 3.8 Live does not take thinking level, so it was left out of the session." in err
    assert "done: 1 turn(s)" in out
