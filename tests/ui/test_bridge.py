"""The Qt bridge: events cross to the Qt thread (coalesced where they are levels or frames), commands run on
the loop thread and come back as results or readable failures."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from desktop_app.core.errors import MediaError
from desktop_app.core.events import Event, MicAudio, ModelAudio, TurnComplete, UsageUpdate
from desktop_app.core.media_events import AudioLevels, PreviewFrame
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui.bridge import CommandRunner, EventBridge, readable_error


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    lt = LoopThread("bridge-test-loop")
    lt.start()
    yield lt
    lt.stop()


class Received:
    def __init__(self, bridge: EventBridge) -> None:
        self.events: list[Event] = []
        self.threads: set[str] = set()
        bridge.received.connect(self.on_event)

    def on_event(self, event: object) -> None:
        assert isinstance(event, Event)
        self.events.append(event)
        self.threads.add(threading.current_thread().name)


def test_events_from_another_thread_arrive_on_the_qt_thread_in_order(qtbot: QtBot, loop: LoopThread) -> None:
    bridge = EventBridge()
    got = Received(bridge)
    sent = [UsageUpdate(total_tokens=i) for i in range(50)]
    for event in sent:
        loop.call_soon(bridge.publish, event)
    qtbot.waitUntil(lambda: len(got.events) == 50)
    assert got.events == sent
    assert got.threads == {threading.current_thread().name}


def test_latest_value_events_are_coalesced_and_the_newest_wins(qtbot: QtBot) -> None:
    bridge = EventBridge(max_rate_hz=30.0)
    got = Received(bridge)
    frame = np.zeros((4, 4, 3), np.uint8)
    levels = [AudioLevels(input_dbfs=-float(i)) for i in range(1000)]
    frames = [PreviewFrame(frame, 4, 4, seq=i, captured_at=0.0) for i in range(1000)]

    def flood() -> None:
        for lv, fr in zip(levels, frames, strict=True):
            bridge.publish(lv)
            bridge.publish(fr)
        bridge.publish(TurnComplete())

    worker = threading.Thread(target=flood)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: levels[-1] in got.events and frames[-1] in got.events)
    shown_levels = [e for e in got.events if isinstance(e, AudioLevels)]
    shown_frames = [e for e in got.events if isinstance(e, PreviewFrame)]
    assert len(shown_levels) + len(shown_frames) + bridge.coalesced_dropped == 2000
    assert len(shown_levels) < 100 and len(shown_frames) < 100, "a flood must not reach the widgets"
    assert [f.seq for f in shown_frames] == sorted(f.seq for f in shown_frames)
    assert TurnComplete() in got.events, "discrete events are never dropped"


def test_coalesced_events_are_paced_not_delivered_at_once(qtbot: QtBot) -> None:
    bridge = EventBridge(max_rate_hz=5.0)  # one delivery per 200 ms
    got = Received(bridge)
    bridge.publish(AudioLevels(input_dbfs=-1.0))
    qtbot.waitUntil(lambda: len(got.events) == 1)
    bridge.publish(AudioLevels(input_dbfs=-2.0))
    bridge.publish(AudioLevels(input_dbfs=-3.0))
    with qtbot.waitSignal(bridge.received, timeout=2000) as blocker:
        pass
    assert blocker.args == [AudioLevels(input_dbfs=-3.0)]
    assert len(got.events) == 2


def test_audio_payloads_never_cross_and_a_closed_bridge_delivers_nothing(qtbot: QtBot) -> None:
    bridge = EventBridge()
    got = Received(bridge)
    bridge.publish(ModelAudio(b"\x00\x00"))
    bridge.publish(MicAudio(b"\x00\x00"))
    bridge.publish(UsageUpdate(total_tokens=1))
    qtbot.waitUntil(lambda: len(got.events) == 1)
    assert got.events == [UsageUpdate(total_tokens=1)]
    bridge.close()
    bridge.publish(UsageUpdate(total_tokens=2))
    bridge.publish(AudioLevels())
    with qtbot.assertNotEmitted(bridge.received, wait=100):
        pass


# --- commands --------------------------------------------------------------------------------------


async def _double(x: int) -> tuple[int, str]:
    return 2 * x, threading.current_thread().name


async def _broken() -> None:
    raise RuntimeError("the device vanished\nTraceback (most recent call last): ...")


def test_submit_runs_on_the_loop_and_answers_on_the_qt_thread(qtbot: QtBot, loop: LoopThread) -> None:
    runner = CommandRunner(loop)
    results: list[tuple[tuple[int, str], str]] = []
    runner.submit(
        "Doubling", _double, 21, on_result=lambda r: results.append((r, threading.current_thread().name))
    )
    assert runner.pending == 1
    qtbot.waitUntil(lambda: bool(results))
    assert results == [((42, "bridge-test-loop"), threading.current_thread().name)]
    assert runner.pending == 0


@pytest.mark.allow_warnings("desktop_app.ui", "Opening the microphone raised")
def test_a_raising_command_becomes_one_readable_sentence(
    qtbot: QtBot, loop: LoopThread, caplog: pytest.LogCaptureFixture
) -> None:
    runner = CommandRunner(loop)
    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.submit("Opening the microphone", _broken)
    assert blocker.args == ["Opening the microphone failed: the device vanished."]
    assert [r.getMessage() for r in caplog.get_records("call")] == ["Opening the microphone raised"]


def test_blocking_calls_run_off_the_qt_thread_and_errors_can_be_routed(
    qtbot: QtBot, loop: LoopThread
) -> None:
    runner = CommandRunner(loop)
    qt_thread = threading.current_thread().name
    where: list[str] = []
    errors: list[str] = []

    def probe() -> str:
        return threading.current_thread().name

    def missing() -> None:
        raise MediaError("No microphone was found.")

    runner.run_blocking("Probing", probe, on_result=where.append)
    with qtbot.assertNotEmitted(runner.failed, wait=0):
        runner.run_blocking("Listing microphones", missing, on_error=errors.append)
        qtbot.waitUntil(lambda: bool(where) and bool(errors))
    assert where[0] not in (qt_thread, "bridge-test-loop")
    assert errors == ["Listing microphones failed: No microphone was found."]


def test_results_for_a_deleted_owner_are_dropped(qtbot: QtBot, loop: LoopThread) -> None:
    runner = CommandRunner(loop)
    owner = QObject()
    started = threading.Event()
    release = threading.Event()
    results: list[object] = []

    def slow() -> int:
        started.set()
        release.wait(5)
        return 1

    runner.run_blocking("Slow", slow, on_result=results.append, owner=owner)
    runner.run_blocking("Fast", lambda: 2, on_result=results.append)
    assert started.wait(5)
    owner.deleteLater()
    qtbot.waitUntil(lambda: results == [2])
    import shiboken6

    qtbot.waitUntil(lambda: not shiboken6.isValid(owner))
    release.set()
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert results == [2]


def test_without_a_running_loop_a_command_fails_politely(qtbot: QtBot) -> None:
    runner = CommandRunner(LoopThread("never-started"))
    with qtbot.waitSignal(runner.failed, timeout=1000) as blocker:
        assert runner.submit("Muting", _double, 1) is None
    assert blocker.args[0].startswith("Muting failed: ")


def test_cancel_all_drops_pending_work(qtbot: QtBot, loop: LoopThread) -> None:
    runner = CommandRunner(loop)
    results: list[object] = []

    async def forever() -> None:
        await asyncio.Event().wait()

    future = runner.submit("Waiting", forever, on_result=results.append)
    assert future is not None
    runner.cancel_all()
    qtbot.waitUntil(future.done)
    assert future.cancelled() and runner.pending == 0 and results == []


def test_readable_error_keeps_one_line_and_hides_keys() -> None:
    key = "AIza" + "x" * 35
    err = RuntimeError(f"bad key {key}\nsecond line")
    assert readable_error("Connecting", err) == "Connecting failed: bad key [redacted]."
    assert readable_error("", ValueError()) == "ValueError."
    long = readable_error("X", RuntimeError("y" * 500))
    assert len(long) < 280 and long.endswith("…")
