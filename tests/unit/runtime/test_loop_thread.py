import asyncio
import threading

import pytest

from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.runtime.tasks import TaskSupervisor


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


@pytest.mark.allow_warnings("desktop_app.runtime", "boom")  # a failed task is logged with its traceback
async def test_supervisor_reports_failures_and_cancels() -> None:
    failures: list[tuple[str, str]] = []
    sup = TaskSupervisor(on_failure=lambda name, exc: failures.append((name, str(exc))))
    done = asyncio.Event()

    async def boom() -> None:
        raise ValueError("bad thing")

    async def wait_forever() -> None:
        await done.wait()

    failing = sup.spawn(boom(), name="boom")
    sup.spawn(wait_forever(), name="waiter")
    with pytest.raises(ValueError):
        await failing
    await asyncio.sleep(0)  # let the done-callback run (one loop iteration, not a timing wait)
    assert failures == [("boom", "bad thing")]
    assert sup.running == ["waiter"]
    await sup.cancel_all(timeout=2)
    assert sup.running == []
