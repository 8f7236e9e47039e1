import asyncio
import threading

import pytest

from desktop_app.runtime.loop_thread import LoopThread


def test_submit_runs_on_the_named_loop_thread_and_stop_joins() -> None:
    lt = LoopThread(name="test-loop")
    lt.start()
    try:

        async def where() -> str:
            return threading.current_thread().name

        assert lt.submit(where()).result(timeout=5) == "test-loop"
        seen = threading.Event()
        lt.call_soon(seen.set)
        assert seen.wait(5)
    finally:
        lt.stop()
    assert not any(t.name == "test-loop" for t in threading.enumerate())


def test_stop_cancels_leftover_tasks() -> None:
    lt = LoopThread()
    lt.start()
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    async def spawn() -> None:
        asyncio.get_running_loop().create_task(forever())

    lt.submit(spawn()).result(timeout=5)
    lt.stop()
    assert cancelled.is_set()


@pytest.mark.allow_warnings("desktop_app.runtime.tasks", "Exception in callback")
def test_an_error_that_escapes_every_task_is_logged_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    reported: list[tuple[str, str]] = []
    got = threading.Event()

    def report(message: str, exc: BaseException | None) -> None:
        reported.append((message, repr(exc)))
        got.set()

    lt = LoopThread(report=report)
    lt.start()
    try:

        def broken_callback() -> None:
            raise KeyError("lost")

        lt.call_soon(broken_callback)
        assert got.wait(5)
    finally:
        lt.stop()
    assert reported and "KeyError('lost')" in reported[0][1]
    [record] = [r for r in caplog.records if r.name == "desktop_app.runtime.tasks"]
    assert record.exc_info is not None and "broken_callback" in caplog.text
