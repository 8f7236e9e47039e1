"""The task supervisor: named tasks, failures logged with their traceback and reported, restart or stop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from desktop_app.runtime.tasks import Policy, TaskFailure, TaskSupervisor

# Each test injects a fault on purpose: the failure is logged with its traceback, which is the point.
pytestmark = [pytest.mark.allow_warnings("desktop_app.runtime.tasks", " failed (")]


async def test_a_failure_is_logged_reported_and_stops_by_default(caplog: pytest.LogCaptureFixture) -> None:
    failures: list[TaskFailure] = []
    stopped: list[TaskFailure] = []
    sup = TaskSupervisor(on_failure=failures.append)
    done = asyncio.Event()

    async def boom() -> None:
        raise ValueError("bad thing")

    async def wait_forever() -> None:
        await done.wait()

    failing = sup.spawn("boom", boom, on_stopped=stopped.append)
    sup.spawn("waiter", wait_forever)
    with pytest.raises(ValueError):
        await failing.task
    await asyncio.sleep(0)  # let the done-callback run (one loop iteration, not a timing wait)
    assert [(f.name, str(f.error), f.restarting) for f in failures] == [("boom", "bad thing", False)]
    assert stopped == failures and failing.failure == failures[0]
    assert sup.running == ["waiter"]
    await failing.stop()  # stopping a task that already failed does not raise its failure again
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None and "raise ValueError" in caplog.text  # the traceback
    await sup.cancel_all(timeout=2)
    assert sup.running == []


async def test_restart_policy_restarts_then_gives_up() -> None:
    failures: list[TaskFailure] = []
    stopped: list[TaskFailure] = []
    gave_up = asyncio.Event()
    sup = TaskSupervisor(on_failure=failures.append, max_restarts=2)
    runs = 0

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError(f"run {runs}")

    def on_stopped(failure: TaskFailure) -> None:
        stopped.append(failure)
        gave_up.set()

    handle = sup.spawn("flaky", flaky, policy=Policy.RESTART, on_stopped=on_stopped)
    await asyncio.wait_for(gave_up.wait(), 5)
    assert runs == 3 and handle.restarts == 2
    assert [(str(f.error), f.restarting) for f in failures] == [
        ("run 1", True),
        ("run 2", True),
        ("run 3", False),
    ]
    assert [str(f.error) for f in stopped] == ["run 3"]
    assert sup.running == []


async def test_a_restarted_task_keeps_working_and_stop_ends_it_without_a_report() -> None:
    failures: list[TaskFailure] = []
    sup = TaskSupervisor(on_failure=failures.append)
    items: asyncio.Queue[int] = asyncio.Queue(maxsize=8)
    seen: list[int] = []
    both = asyncio.Event()

    async def consume() -> None:  # the queue outlives a failure, so a restart resumes where it was
        while True:
            item = await items.get()
            if item < 0:
                raise RuntimeError("poisoned")
            seen.append(item)
            if len(seen) == 2:
                both.set()

    handle = sup.spawn("consumer", consume, policy=Policy.RESTART)
    for item in (1, -1, 2):
        items.put_nowait(item)
    await asyncio.wait_for(both.wait(), 5)
    assert seen == [1, 2] and [f.restarting for f in failures] == [True] and handle.restarts == 1
    await handle.stop()
    assert handle.task.cancelled() and len(failures) == 1 and sup.running == []
