"""Running an installed copy of the program as a user would, and the checks every packaging test makes.

``command`` is how the installed program starts: ``[venv/bin/gemini-live-desktop]`` for the wheel,
``[dist/gemini-live-desktop/gemini-live-desktop]`` for the bundle. The checks run it from a working
directory outside the repository, with an environment that carries no API key and nothing that points
at this checkout's Python, so only the installed files can answer.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from desktop_app import __version__
from desktop_app.core.audio_format import MODEL_FORMAT, rms_dbfs
from tests.support.audio import read_wav

REPO = Path(__file__).resolve().parents[2]
METAINFO = REPO / "packaging" / "io.github.geminilivedesktop.GeminiLiveDesktop.metainfo.xml"
_DROPPED = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")


def user_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without keys or this checkout's Python, with private user dirs under
    ``home`` and the emulator answering at full speed."""
    venv_bin = str(REPO / ".venv" / "bin")
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    env.update(
        GLD_CONFIG_DIR=str(home / "config"),
        GLD_DATA_DIR=str(home / "data"),
        XDG_DATA_HOME=str(home / "share"),
        GLD_EMULATOR_PACE="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def run(
    argv: Sequence[str | Path], cwd: Path, env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run to the end and capture both streams as text."""
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout
    )


def outside_repo(path: Path) -> Path:
    """``path``, after checking it is not inside the repository (so relative asset paths cannot work)."""
    assert not path.resolve().is_relative_to(REPO), f"{path} is inside the repository"
    return path


def check_version(command: Sequence[str | Path], cwd: Path, env: Mapping[str, str]) -> None:
    """``--version`` prints ``gemini-live-desktop <desktop_app.__version__>`` and exits 0."""
    proc = run([*command, "--version"], outside_repo(cwd), env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"gemini-live-desktop {__version__}"


def _slice(
    command: Sequence[str | Path], sample: Path, cwd: Path, env: Mapping[str, str]
) -> tuple[bytes, dict[str, str]]:
    """Run the headless slice on ``sample`` in ``cwd``; the reply's PCM and the transcript per role."""
    cwd.mkdir(parents=True, exist_ok=True)
    proc = run(
        [*command, "--headless", "--fast", "--input-wav", sample, "--output-wav", "reply.wav",
         "--transcript", "transcript.jsonl"],
        outside_repo(cwd), env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Offline demo" in proc.stderr  # no key: the emulator answered, and the user was told
    assert "done: 1 turn(s)" in proc.stdout, proc.stdout
    pcm, rate, channels = read_wav(cwd / "reply.wav")
    assert (rate, channels) == (MODEL_FORMAT.rate, 1)
    records = [json.loads(line) for line in (cwd / "transcript.jsonl").read_text().splitlines()]
    assert {"setup_complete", "transcript", "turn_complete"} <= {r["type"] for r in records}
    said = {
        role: "".join(r["text"] for r in records if r["type"] == "transcript" and r["role"] == role)
        for role in ("user", "model")
    }
    return pcm, said


def check_headless_slice(
    command: Sequence[str | Path], sample: Path, cwd: Path, env: Mapping[str, str]
) -> None:
    """The headless slice on ``sample`` against the built-in emulator (no key set) gives a spoken reply
    about as long as the utterance, and the same transcript as this checkout's program gives."""
    pcm, said = _slice(command, sample, cwd / "installed", env)
    assert rms_dbfs(pcm) > -40, "the reply is silent"
    in_pcm, in_rate, in_channels = read_wav(sample)
    sent_s = len(in_pcm) / (2 * in_channels * in_rate)
    assert MODEL_FORMAT.duration_s(len(pcm)) == pytest.approx(sent_s, rel=0.10)
    assert said["model"], "no model transcript"
    _, expected = _slice([sys.executable, "-m", "desktop_app"], sample, cwd / "checkout", env)
    assert said == expected


def check_relay_page(command: Sequence[str | Path], web_dir: Path, cwd: Path, env: Mapping[str, str]) -> None:
    """``--relay-only`` serves the installed copy's web page byte for byte, and stops on SIGTERM."""
    err_path = cwd / "relay.stderr"
    with err_path.open("w") as err_file:
        proc = subprocess.Popen(
            [*map(str, command), "--relay-only", "--relay-port", "0"],
            cwd=outside_repo(cwd), env=dict(env), stdout=subprocess.PIPE, stderr=err_file, text=True,
        )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout or ():
            lines.put(line)
        lines.put("")  # end of output: the program exited

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        try:
            first = lines.get(timeout=60)
        except queue.Empty:
            pytest.fail("the relay printed no URL within 60 s")
        assert first.startswith("relay: open http://"), f"{first!r}\n{err_path.read_text()}"
        url = first.split()[2]
        for name in ("index.html", "js/app.js", "style.css"):
            with urllib.request.urlopen(url + name, timeout=30) as response:
                assert response.status == 200
                assert response.read() == (web_dir / name).read_bytes(), f"{name} differs"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        finally:
            reader.join(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()
    assert proc.returncode == 0, err_path.read_text()
