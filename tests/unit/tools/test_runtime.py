"""The tool runtime: every call answered once (result or structured error), cancelled calls never."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from desktop_app.core.commands import ResponseScheduling
from desktop_app.core.events import FunctionCall, ToolActivity, ToolCall, ToolCallCancellation, ToolPhase
from desktop_app.tools.consent import ConsentAnswer, ConsentRequest, HeadlessConsent, ScriptedConsent
from desktop_app.tools.policy import PolicyBook
from desktop_app.tools.spec import Policy, ToolError, ToolOutput
from tests.unit.tools.helpers import call, make_runtime, settle, spec


def _error(result: Any) -> str:
    return str(result.response["error"]["code"])


async def test_an_allowed_call_is_answered_with_its_output_and_default_scheduling() -> None:
    runtime, rec = make_runtime(spec())
    await runtime.start()
    runtime.on_event(call("c1", text="hi"))
    await settle(runtime)
    result = rec.result("c1")
    assert (result.name, result.response, result.scheduling) == (
        "echo",
        {"output": {"echo": "hi"}},
        ResponseScheduling.WHEN_IDLE,
    )
    phases = [e.phase for e in rec.events if isinstance(e, ToolActivity)]
    assert phases == [ToolPhase.RUNNING, ToolPhase.DONE]
    done = rec.events[-1]
    assert isinstance(done, ToolActivity) and done.decision == "allow" and done.duration_ms is not None
    await runtime.stop()


async def test_without_scheduling_support_no_scheduling_is_sent() -> None:
    runtime, rec = make_runtime(spec(scheduling=ResponseScheduling.SILENT), supports_scheduling=False)
    await runtime.start()
    runtime.on_event(call("c1", text="x"))
    await settle(runtime)
    assert rec.result("c1").scheduling is None
    await runtime.stop()


async def test_scheduling_comes_from_the_tool_the_result_or_an_override() -> None:
    async def urgent(args: dict[str, Any]) -> Any:
        return ToolOutput("now", ResponseScheduling.INTERRUPT)

    runtime, rec = make_runtime(
        spec("quiet", scheduling=ResponseScheduling.SILENT),
        spec("urgent", handler=urgent),
        spec("over"),
        scheduling={"over": ResponseScheduling.INTERRUPT},
    )
    await runtime.start()
    runtime.on_event(ToolCall(tuple(FunctionCall(n, n, {"text": "t"}) for n in ("quiet", "urgent", "over"))))
    await settle(runtime)
    assert [rec.result(n).scheduling for n in ("quiet", "urgent", "over")] == [
        ResponseScheduling.SILENT,
        ResponseScheduling.INTERRUPT,
        ResponseScheduling.INTERRUPT,
    ]
    assert rec.result("urgent").response == {"output": "now"}
    await runtime.stop()


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("nope", {"text": "x"}, "unknown_tool"),
        ("echo", {}, "bad_arguments"),
        ("echo", {"text": 3}, "bad_arguments"),
        ("echo", {"text": "x", "extra": 1}, "bad_arguments"),
    ],
)
async def test_unknown_tools_and_bad_arguments_get_structured_errors(
    name: str, args: dict[str, Any], code: str
) -> None:
    runtime, rec = make_runtime(spec())
    await runtime.start()
    runtime.on_event(ToolCall((FunctionCall("c1", name, args),)))
    await settle(runtime)
    result = rec.result("c1")
    assert _error(result) == code and result.response["error"]["message"]
    await runtime.stop()


async def test_a_tool_that_raises_or_times_out_is_answered_with_an_error() -> None:
    async def boom(args: dict[str, Any]) -> Any:
        raise RuntimeError("secret detail")

    async def refuse(args: dict[str, Any]) -> Any:
        raise ToolError("The clipboard is empty.")

    async def hang(args: dict[str, Any]) -> Any:
        await asyncio.Event().wait()

    runtime, rec = make_runtime(
        spec("boom", handler=boom), spec("refuse", handler=refuse), spec("hang", handler=hang, timeout_s=0.05)
    )
    await runtime.start()
    runtime.on_event(ToolCall(tuple(FunctionCall(n, n, {"text": ""}) for n in ("boom", "refuse", "hang"))))
    await settle(runtime)
    assert _error(rec.result("boom")) == "tool_failed"
    assert "secret detail" not in str(rec.result("boom").response)  # the message names the kind only
    assert rec.result("refuse").response["error"]["message"] == "The clipboard is empty."
    assert _error(rec.result("hang")) == "timeout"
    await runtime.stop()


async def test_a_result_that_is_not_json_is_an_error() -> None:
    async def odd(args: dict[str, Any]) -> Any:
        return {1, 2}

    runtime, rec = make_runtime(spec("odd", handler=odd))
    await runtime.start()
    runtime.on_event(call("c1", "odd", text=""))
    await settle(runtime)
    assert _error(rec.result("c1")) == "tool_failed"
    await runtime.stop()


async def test_policy_deny_answers_denied_and_is_not_declared() -> None:
    runtime, rec = make_runtime(spec("a"), spec("b"), policies=PolicyBook({"b": Policy.DENY}))
    await runtime.start()
    assert [d.name for d in runtime.declarations()] == ["a"]
    runtime.on_event(call("c1", "b", text=""))
    await settle(runtime)
    assert _error(rec.result("c1")) == "denied"
    assert rec.events[-1] == ToolActivity(
        "c1", "b", ToolPhase.FAILED, '{"text": ""}', "denied by policy",
        "The user's settings do not allow this tool.", "denied", rec.events[-1].duration_ms,  # type: ignore[attr-defined]
    )  # fmt: skip
    await runtime.stop()


@pytest.mark.parametrize(
    ("answer", "code", "decision", "saved"),
    [
        (ConsentAnswer.ALLOW_ONCE, None, "allowed once", ()),
        (ConsentAnswer.ALWAYS, None, "always allowed", ("echo=allow",)),
        (ConsentAnswer.DENY, "denied", "denied by the user", ()),
    ],
)
async def test_ask_follows_the_users_answer(
    answer: ConsentAnswer, code: str | None, decision: str, saved: tuple[str, ...]
) -> None:
    persisted: list[tuple[str, ...]] = []
    consent = ScriptedConsent(lambda _r: answer)
    runtime, rec = make_runtime(
        spec(policy=Policy.ASK), consent=consent, policies=PolicyBook(on_change=persisted.append)
    )
    await runtime.start()
    runtime.on_event(call("c1", text="hi"))
    await settle(runtime)
    [request] = consent.asked
    assert (request.tool, request.args, request.args_text) == ("echo", {"text": "hi"}, '{"text": "hi"}')
    result = rec.result("c1")
    assert (_error(result) if code else None) == code
    final = rec.events[-1]
    assert isinstance(final, ToolActivity) and final.decision == decision
    assert rec.events[0] == ToolActivity("c1", "echo", ToolPhase.ASKING, '{"text": "hi"}')
    assert tuple(persisted[-1:]) == ((saved,) if saved else ())
    if answer is ConsentAnswer.ALWAYS:  # the next call does not ask again
        runtime.on_event(call("c2", text="again"))
        await settle(runtime)
        assert len(consent.asked) == 1 and rec.result("c2").response == {"output": {"echo": "again"}}
    await runtime.stop()


async def test_no_answer_within_the_consent_timeout_is_a_deny_the_model_is_told() -> None:
    class Silent:
        withdrawn = False

        async def ask(self, request: ConsentRequest) -> ConsentAnswer:
            try:
                await asyncio.Event().wait()
            finally:
                Silent.withdrawn = True
            raise AssertionError("unreachable")

    runtime, rec = make_runtime(spec(policy=Policy.ASK), consent=Silent(), consent_timeout_s=0.05)
    await runtime.start()
    runtime.on_event(call("c1", text="x"))
    await settle(runtime)
    result = rec.result("c1")
    assert _error(result) == "no_consent" and "did not answer" in result.response["error"]["message"]
    assert Silent.withdrawn  # the broker was cancelled, so its card goes away
    await runtime.stop()


async def test_headless_ask_is_a_deny_with_one_notice_per_tool() -> None:
    notices: list[str] = []
    runtime, rec = make_runtime(spec(policy=Policy.ASK), consent=HeadlessConsent(notices.append))
    await runtime.start()
    runtime.on_event(ToolCall(tuple(FunctionCall(i, "echo", {"text": i}) for i in ("c1", "c2"))))
    await settle(runtime)
    assert [_error(rec.result(i)) for i in ("c1", "c2")] == ["denied", "denied"]
    assert len(notices) == 1 and "--allow-tool echo" in notices[0]
    final = rec.events[-1]
    assert isinstance(final, ToolActivity) and final.decision == "headless"
    await runtime.stop()


async def test_a_cancelled_call_stops_its_work_and_sends_nothing() -> None:
    started, stopped = asyncio.Event(), asyncio.Event()

    async def slow(args: dict[str, Any]) -> Any:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    runtime, rec = make_runtime(spec("slow", handler=slow))
    await runtime.start()
    runtime.on_event(call("c1", "slow", text=""))
    await started.wait()
    runtime.on_event(ToolCallCancellation(("c1", "unknown-id")))
    await settle(runtime)
    await stopped.wait()
    assert rec.sent == []
    assert [e.phase for e in rec.events if isinstance(e, ToolActivity)][-1] is ToolPhase.CANCELLED
    await runtime.stop()


async def test_a_cancellation_while_asking_withdraws_the_card_and_sends_nothing() -> None:
    asked = asyncio.Event()

    class Waiting:
        async def ask(self, request: ConsentRequest) -> ConsentAnswer:
            asked.set()
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    runtime, rec = make_runtime(spec(policy=Policy.ASK), consent=Waiting())
    await runtime.start()
    runtime.on_event(call("c1", text=""))
    await asked.wait()
    runtime.on_event(ToolCallCancellation(("c1",)))
    await settle(runtime)
    assert rec.sent == []
    await runtime.stop()


async def test_concurrency_is_bounded_and_calls_beyond_max_open_are_busy() -> None:
    gate = asyncio.Event()
    running = 0
    peak = 0

    async def held(args: dict[str, Any]) -> Any:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await gate.wait()
        running -= 1
        return "ok"

    runtime, rec = make_runtime(spec("held", handler=held), max_concurrent=2, max_open=5)
    await runtime.start()
    runtime.on_event(ToolCall(tuple(FunctionCall(f"c{i}", "held", {"text": ""}) for i in range(7))))
    await rec.until_sent(2)  # the two over max_open are answered at once
    assert sorted(r.id for r in rec.results) == ["c5", "c6"]
    assert all(_error(r) == "busy" for r in rec.results)
    gate.set()
    await settle(runtime)
    assert peak == 2 and sorted(r.id for r in rec.results) == [f"c{i}" for i in range(7)]
    await runtime.stop()


async def test_a_duplicate_open_id_is_ignored_and_stop_sends_nothing_more() -> None:
    gate = asyncio.Event()

    async def held(args: dict[str, Any]) -> Any:
        await gate.wait()

    runtime, rec = make_runtime(spec("held", handler=held))
    await runtime.start()
    runtime.on_event(call("c1", "held", text=""))
    runtime.on_event(call("c1", "held", text=""))
    assert runtime.open_calls == ("c1",)
    await runtime.stop()
    gate.set()
    assert rec.sent == [] and runtime.open_calls == ()


async def test_a_send_that_fails_is_logged_not_raised() -> None:
    runtime, rec = make_runtime(spec())

    async def closed(_command: object) -> None:
        raise ConnectionError("session closed")

    runtime._send = closed  # the session went away under the call
    await runtime.start()
    runtime.on_event(call("c1", text="x"))
    await settle(runtime)
    assert [e.phase for e in rec.events if isinstance(e, ToolActivity)][-1] is ToolPhase.DONE
    await runtime.stop()


async def test_events_before_start_are_refused_and_after_stop_ignored() -> None:
    runtime, rec = make_runtime(spec())
    with pytest.raises(RuntimeError):
        runtime.on_event(call("c1", text="x"))
    await runtime.start()
    await runtime.stop()
    runtime.on_event(call("c2", text="late"))
    assert runtime.open_calls == () and rec.sent == []
    await runtime.start()  # a new session
    runtime.on_event(call("c3", text="again"))
    await settle(runtime)
    assert rec.result("c3").response == {"output": {"echo": "again"}}
    await runtime.stop()


async def test_a_tool_that_swallows_its_cancellation_sends_nothing_and_keeps_a_reused_id() -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def stubborn(args: dict[str, Any]) -> Any:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()  # ignores the cancellation (badly written tool)
        return "late"

    runtime, rec = make_runtime(spec("stubborn", handler=stubborn), spec())
    await runtime.start()
    runtime.on_event(call("c1", "stubborn", text=""))
    await entered.wait()
    runtime.on_event(ToolCallCancellation(("c1",)))
    gate = asyncio.Event()

    async def held(args: dict[str, Any]) -> Any:
        await gate.wait()
        return "new"

    runtime.registry.add(spec("held", handler=held))
    runtime.on_event(call("c1", "held", text=""))  # the server reuses the id for a new call
    release.set()
    for _ in range(10):
        await asyncio.sleep(0)  # let the stubborn task finish (loop iterations, not a timing wait)
    assert rec.sent == [] and runtime.open_calls == ("c1",)
    gate.set()
    await settle(runtime)
    assert [r.response for r in rec.results] == [{"output": "new"}]
    await runtime.stop()
