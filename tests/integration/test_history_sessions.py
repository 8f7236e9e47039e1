"""Session history against the real stack: a conversation on the emulator written by HistoryWriter, a kill -9
mid-session that must leave a valid, readable file, and the ``history`` command reading it back.

Run as ``python -m tests.integration.test_history_sessions --child DIR`` this module is the child process
that the kill test starts: it holds a conversation through the real SDK and writes history as it goes.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from desktop_app.core.commands import UserAudio
from desktop_app.core.events import Event, ModelAudio, SessionPhase, TurnComplete
from desktop_app.emulator import Emulator, EmulatorConfig, Faults
from desktop_app.engine import Conversation
from desktop_app.history import HistoryStore, HistoryWriter, history_main, load_session, to_markdown
from desktop_app.history.reader import summarize
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.resilient_session import ResilientConnector
from tests.support.audio import blocks, speech_like

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
WAIT = 30.0


class NullSink:
    def play(self, chunk: ModelAudio) -> None:
        pass

    def interrupt(self) -> None:
        pass

    async def drain(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def resilient(emu: Emulator) -> ResilientConnector:
    return ResilientConnector(
        GenaiConnector(Backend("emulator", "k", emu.base_url, emu.client_ssl_context()))
    )


async def speak(conv: Conversation, seconds: float) -> None:
    for block in blocks(speech_like(seconds)):
        await conv.session.send(UserAudio(block))
    await conv.end_audio_stream()


# --- the child process --------------------------------------------------------------------------


async def child(directory: Path) -> None:
    """Talk to the emulator, writing history; print markers the parent waits for; never end by itself."""
    async with Emulator(EmulatorConfig(pace=1.0)) as emu:
        writer = HistoryWriter(directory, backend="emulator", model="test-model")
        path = writer.open()
        print(f"PATH {path}", flush=True)
        mid_turn = asyncio.Event()
        turns = 0

        def on_event(event: Event) -> None:
            nonlocal turns
            writer(event)
            if isinstance(event, TurnComplete):
                turns += 1
            elif isinstance(event, ModelAudio) and turns == 1 and not mid_turn.is_set():
                mid_turn.set()
                print("MIDTURN", flush=True)

        async with Conversation(resilient(emu), SessionOptions(), sink=NullSink(), on_event=on_event) as conv:  # type: ignore[arg-type]
            await speak(conv, 1.0)
            await conv.wait_for_reply(since_turns=0, timeout=WAIT)
            writer.user_text("typed between turns")
            await speak(conv, 3.0)
            await mid_turn.wait()
            await asyncio.Event().wait()  # the parent kills us here, in the middle of turn 2


# --- tests ----------------------------------------------------------------------------------------


async def test_kill_9_mid_session_leaves_a_valid_readable_history(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.test_history_sessions", "--child", str(tmp_path),
        cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    path: Path | None = None
    try:
        while True:
            line = (await asyncio.wait_for(proc.stdout.readline(), WAIT)).decode()
            assert line, f"the child ended early: {(await proc.communicate())[1].decode()[-2000:]}"
            if line.startswith("PATH "):
                path = Path(line.split(" ", 1)[1].strip())
            if line.strip() == "MIDTURN":
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert path is not None and path.parent == tmp_path

    raw = path.read_bytes()
    complete_lines = raw.split(b"\n")[:-1]  # whatever follows the last newline would be a torn line
    records = [json.loads(line) for line in complete_lines]  # every complete line parses
    assert records[0]["type"] == "session_start" and records[-1]["type"] != "session_end"

    log = load_session(path)
    assert not log.complete and log.bad_lines == 0
    first = log.turns[0]
    assert first.complete and first.user == "[speech 1.0 s]"
    assert first.model.startswith("Offline emulator, turn 1: I heard 1.0 s of speech")
    assert "typed between turns" in log.turns[1].user and not log.turns[1].complete
    assert summarize(log).turns == 1

    out = io.StringIO()
    assert history_main(["--dir", str(tmp_path)], out=out) == 0
    assert log.id in out.getvalue() and "(cut short)" in out.getvalue()
    out = io.StringIO()
    assert history_main(["export", log.id, "--format", "srt", "--dir", str(tmp_path)], out=out) == 0
    assert "Gemini: Offline emulator, turn 1" in out.getvalue()


async def test_a_conversation_with_a_reconnect_is_recorded_whole(tmp_path: Path) -> None:
    async with Emulator(EmulatorConfig(pace=0.0, faults=Faults(drop_after_client_messages=20))) as emu:
        with HistoryWriter(tmp_path, backend="emulator", model="test-model") as writer:
            async with Conversation(
                resilient(emu), SessionOptions(), sink=NullSink(), on_event=writer
            ) as conv:  # type: ignore[arg-type]
                await speak(conv, 1.0)
                await conv.wait_for_reply(since_turns=0, timeout=WAIT)
                writer.user_text("and a typed question")
                await conv.send_text("and a typed question")
                await conv.wait_for_reply(since_turns=1, timeout=WAIT)
    assert emu.stats.drops == 1
    [summary] = HistoryStore(tmp_path).list_sessions()
    assert summary.complete and summary.turns == 2 and summary.reconnects == 1
    log = load_session(summary.path)
    assert [t.complete for t in log.turns] == [True, True]
    assert "I heard 1.0 s of speech" in log.turns[0].model
    assert log.turns[1].user == "and a typed question" and "and a typed question" in log.turns[1].model
    text = to_markdown(log)
    assert "— reconnecting: ConnectionLostError (1006)" in text
    states = [
        r
        for r in (json.loads(x) for x in summary.path.read_text().splitlines())
        if r["type"] == "session_state"
    ]
    assert [s["phase"] for s in states][:4] == [
        SessionPhase.CONNECTING.value,
        SessionPhase.LIVE.value,
        SessionPhase.RECONNECTING.value,
        SessionPhase.LIVE.value,
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(child(args.child))
    return 0


if __name__ == "__main__":
    sys.exit(main())
