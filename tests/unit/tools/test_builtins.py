"""Each built-in tool, through its port: time, clipboard, open URL, screenshot, history search, timers."""

from __future__ import annotations

import asyncio
import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.core.commands import Command, ResponseScheduling, UserImage, UserText
from desktop_app.core.events import Role, Transcript, TurnComplete
from desktop_app.history.writer import HistoryWriter
from desktop_app.tools.builtin_desktop import check_web_url, clipboard_tools, open_url_tool, time_tool
from desktop_app.tools.builtin_history import search_history_tool
from desktop_app.tools.builtin_screen import ScreenCapture, screenshot_tool
from desktop_app.tools.builtins import builtin_tools
from desktop_app.tools.ports import CommandClipboard, SystemBrowser
from desktop_app.tools.spec import Policy, Risk, ToolError
from desktop_app.tools.timers import TimerService, describe_duration
from desktop_app.video.encode import EncodedFrame


class Sent:
    def __init__(self) -> None:
        self.items: list[Command] = []

    async def __call__(self, command: Command) -> None:
        self.items.append(command)


async def test_time_tool_reports_local_time_and_zone() -> None:
    tz = timezone(timedelta(hours=-3, minutes=-30), "NST")
    spec = time_tool(lambda: datetime(2026, 12, 6, 17, 5, 9, tzinfo=tz))
    assert (spec.policy, spec.risk) == (Policy.ALLOW, Risk.READS)
    out = await spec.handler({})
    assert out == {
        "iso": "2026-12-06T17:05:09-03:30",
        "date": "2026-12-06",
        "time": "17:05:09",
        "weekday": "Sunday",
        "time_zone": "NST",
        "utc_offset": "-03:30",
    }
    assert (await time_tool(lambda: datetime(2026, 1, 1, tzinfo=UTC)).handler({}))["utc_offset"] == "+00:00"


def _fake_command(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    return bin_dir


async def test_the_command_clipboard_round_trips_through_xclip(fake_bin: Path) -> None:
    store = fake_bin / "clip.txt"
    _fake_command(
        fake_bin,
        "xclip",
        f'case "$*" in *-o*) cat "{store}" ;; *) cat > "{store}" ;; esac\n',
    )
    read, write = clipboard_tools(CommandClipboard(env={}))
    assert (read.policy, write.policy, write.risk) == (Policy.ASK, Policy.ASK, Risk.CHANGES)
    assert write.scheduling is ResponseScheduling.SILENT
    assert await write.handler({"text": "héllo\nworld"}) == {"written_characters": 11}
    assert store.read_text(encoding="utf-8") == "héllo\nworld"
    assert await read.handler({}) == {"text": "héllo\nworld", "truncated": False}


async def test_the_command_clipboard_says_when_no_clipboard_is_reachable(fake_bin: Path) -> None:
    os.environ["PATH"] = str(fake_bin)  # nothing in it (monkeypatch restores PATH)
    with pytest.raises(ToolError, match="xclip"):
        await CommandClipboard(env={}).read_text()


async def test_a_failing_clipboard_command_is_a_tool_error(fake_bin: Path) -> None:
    _fake_command(fake_bin, "xclip", "echo 'Error: cannot open display' >&2; exit 1\n")
    with pytest.raises(ToolError, match="cannot open display"):
        await CommandClipboard(env={}).read_text()


async def test_an_empty_clipboard_says_so() -> None:
    class Empty:
        async def read_text(self) -> str:
            return ""

        async def write_text(self, text: str) -> None:
            raise AssertionError

    read, _ = clipboard_tools(Empty())
    assert (await read.handler({}))["text"] == ""


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "ftp://x.org/", "http://", "example.org", "http://a\nb"],
)
def test_only_http_and_https_urls_are_opened(url: str) -> None:
    with pytest.raises(ToolError):
        check_web_url(url)


async def test_open_url_uses_the_browser_port_and_xdg_open(fake_bin: Path) -> None:
    log = fake_bin / "opened.txt"
    _fake_command(fake_bin, "xdg-open", f'echo "$1" > "{log}"\n')
    spec = open_url_tool(SystemBrowser())
    assert (spec.policy, spec.risk) == (Policy.ASK, Risk.CHANGES)
    assert await spec.handler({"url": " https://example.org/a?b=1 "}) == {
        "opened": "https://example.org/a?b=1"
    }
    assert log.read_text().strip() == "https://example.org/a?b=1"
    with pytest.raises(ToolError):
        await spec.handler({"url": "file:///etc/passwd"})


async def test_the_screenshot_is_sent_as_an_image_before_the_answer() -> None:
    class Fake:
        async def capture(self) -> EncodedFrame:
            return EncodedFrame(b"\xff\xd8jpeg", 640, 360)

    sent = Sent()
    spec = screenshot_tool(Fake(), sent)
    assert (spec.policy, spec.risk) == (Policy.ASK, Risk.REACHES_OUT)
    out = await spec.handler({})
    assert sent.items == [UserImage(b"\xff\xd8jpeg", "image/jpeg")]
    assert (out["width"], out["height"]) == (640, 360)


@pytest.mark.xvfb
async def test_the_real_screen_capture_works_on_a_virtual_display(xvfb_display: str) -> None:
    frame = await ScreenCapture(display=xvfb_display).capture()
    assert frame.jpeg[:2] == b"\xff\xd8" and (frame.width, frame.height) == (1024, 576)


async def test_a_screen_that_cannot_be_captured_is_a_tool_error() -> None:
    with pytest.raises(ToolError, match="screen cannot be captured"):
        await ScreenCapture(display=":12345").capture()


def _write_session(directory: Path, exchanges: list[tuple[str, str]]) -> str:
    with HistoryWriter(directory, backend="emulator", model="m") as writer:
        for user, model in exchanges:
            writer(Transcript(Role.USER, user, final=True))
            writer(Transcript(Role.MODEL, model, final=True))
            writer(TurnComplete())
    return writer.session_id


async def test_history_search_finds_turns_with_every_word(tmp_path: Path) -> None:
    sid = _write_session(
        tmp_path, [("what is the capital of France", "Paris."), ("and of Spain?", "Madrid is the capital.")]
    )
    spec = search_history_tool(tmp_path)
    assert (spec.policy, spec.risk) == (Policy.ALLOW, Risk.READS)
    out = await spec.handler({"query": "CAPITAL madrid"})
    assert [(m["session"], m["user"], m["assistant"]) for m in out["matches"]] == [
        (sid, "and of Spain?", "Madrid is the capital.")
    ]
    assert len((await spec.handler({"query": "capital", "limit": 1}))["matches"]) == 1
    assert (await spec.handler({"query": "tokyo"}))["matches"] == []


async def test_a_timer_notifies_and_tells_the_model_when_it_fires() -> None:
    fire = asyncio.Event()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await fire.wait()

    notified: list[tuple[str, str]] = []
    told = asyncio.Event()

    class Notifier:
        async def notify(self, title: str, body: str) -> None:
            notified.append((title, body))

    sent = Sent()

    async def send(command: Command) -> None:
        await sent(command)
        told.set()

    timers = TimerService(Notifier(), send, sleep=sleep)
    spec = timers.tool()
    assert (spec.policy, spec.risk) == (Policy.ALLOW, Risk.CHANGES)
    assert await spec.handler({"seconds": 600, "label": "tea"}) == {
        "timer": 1,
        "fires_in": "10 min",
        "status": "set",
    }
    await asyncio.sleep(0)  # let the timer task start (one loop iteration)
    assert slept == [600.0] and timers.active == 1 and sent.items == []
    fire.set()
    await told.wait()
    assert notified == [("Reminder", "tea (10 min are up)")]
    [text] = sent.items
    assert isinstance(text, UserText) and '"tea" has just gone off' in text.text
    await timers.stop()


async def test_timers_are_bounded_and_stopped_at_exit() -> None:
    class Quiet:
        async def notify(self, title: str, body: str) -> None:
            raise AssertionError("no timer should fire")

    timers = TimerService(Quiet(), Sent(), max_timers=2)
    timers.set(100, "a")
    timers.set(100, "b")
    with pytest.raises(ToolError, match="2 timers"):
        timers.set(100, "c")
    await timers.stop()
    assert timers.active == 0


def test_durations_read_naturally() -> None:
    assert [describe_duration(s) for s in (0, 45, 600, 3725)] == ["0 s", "45 s", "10 min", "1 h 2 min 5 s"]


async def test_the_builtin_list_has_every_tool_once() -> None:
    class Quiet:
        async def notify(self, title: str, body: str) -> None:
            raise AssertionError

    timers = TimerService(Quiet(), Sent())
    names = [s.name for s in builtin_tools(Sent(), timers)]
    assert names == [
        "get_current_time",
        "read_clipboard",
        "write_clipboard",
        "open_url",
        "take_screenshot",
        "search_history",
        "set_timer",
    ]
