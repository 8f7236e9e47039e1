"""Property: no sequence of calls, cancellations, timeouts, denials and failures leaves a call unanswered,
answers one twice, or answers one that was cancelled before its answer."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core.events import FunctionCall, ToolCall, ToolCallCancellation
from desktop_app.tools.consent import ConsentAnswer, ConsentRequest
from desktop_app.tools.policy import PolicyBook
from desktop_app.tools.spec import Policy, ToolError
from tests.unit.tools.helpers import make_runtime, settle, spec

KINDS = ("ok", "gated", "raise", "fail", "unknown", "bad", "deny", "ask_yes", "ask_no", "ask_silent", "hang")

ops = st.lists(
    st.one_of(
        st.tuples(st.just("call"), st.lists(st.sampled_from(KINDS), min_size=1, max_size=3)),
        st.tuples(st.just("cancel"), st.lists(st.integers(0, 30), min_size=1, max_size=3)),
        st.tuples(st.just("step"), st.integers(0, 5)),
        st.tuples(st.just("release"), st.integers(0, 30)),
    ),
    max_size=25,
)


async def _scenario(script: list[tuple[str, Any]], stop_early: bool) -> None:
    gates: dict[str, asyncio.Event] = {}

    async def gated(args: dict[str, Any]) -> Any:
        await gates.setdefault(args["text"], asyncio.Event()).wait()
        return "released"

    async def boom(args: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    async def fail(args: dict[str, Any]) -> Any:
        raise ToolError("no")

    async def hang(args: dict[str, Any]) -> Any:
        await asyncio.Event().wait()

    class Consent:
        async def ask(self, request: ConsentRequest) -> ConsentAnswer:
            if request.tool == "ask_silent":
                await asyncio.Event().wait()
            return ConsentAnswer.ALLOW_ONCE if request.tool == "ask_yes" else ConsentAnswer.DENY

    runtime, rec = make_runtime(
        spec("ok"),
        spec("gated", handler=gated),
        spec("raise", handler=boom),
        spec("fail", handler=fail),
        spec("bad"),
        spec("deny"),
        spec("ask_yes", policy=Policy.ASK),
        spec("ask_no", policy=Policy.ASK),
        spec("ask_silent", policy=Policy.ASK),
        spec("hang", handler=hang, timeout_s=0.01),
        consent=Consent(),
        policies=PolicyBook({"deny": Policy.DENY}),
        consent_timeout_s=0.01,
        max_concurrent=2,
        max_open=4,
    )
    await runtime.start()
    ids: list[str] = []
    cancelled_before_answer: set[str] = set()

    def answered() -> set[str]:
        return {r.id for r in rec.results}

    for op, arg in script:
        if op == "call":
            calls = []
            for kind in arg:
                call_id = f"id{len(ids)}"
                ids.append(call_id)
                args: dict[str, Any] = {"text": call_id} if kind != "bad" else {"text": 1}
                calls.append(FunctionCall(call_id, kind if kind != "unknown" else "missing", args))
            runtime.on_event(ToolCall(tuple(calls)))
        elif op == "cancel" and ids:
            chosen = tuple(ids[i % len(ids)] for i in arg)
            cancelled_before_answer |= set(chosen) - answered()
            runtime.on_event(ToolCallCancellation(chosen))
        elif op == "step":
            for _ in range(arg):
                await asyncio.sleep(0)  # one loop iteration: interleave, not a timing wait
        elif op == "release" and ids:
            gates.setdefault(ids[arg % len(ids)], asyncio.Event()).set()
    if stop_early:  # the session goes away with calls open: they are dropped, nothing more is sent
        await runtime.stop()
        sent = len(rec.sent)
        for call_id in ids:
            gates.setdefault(call_id, asyncio.Event()).set()
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(rec.sent) == sent and runtime.open_calls == ()
        counts = Counter(r.id for r in rec.results)
        assert all(counts[i] <= (0 if i in cancelled_before_answer else 1) for i in ids), script
        return
    for call_id in ids:
        gates.setdefault(call_id, asyncio.Event()).set()
    await settle(runtime)
    counts = Counter(r.id for r in rec.results)
    for call_id in ids:
        expected = 0 if call_id in cancelled_before_answer else 1
        assert counts[call_id] == expected, (call_id, counts[call_id], script)
    assert runtime.open_calls == ()
    await runtime.stop()


@settings(max_examples=150, deadline=None)
@given(ops, st.booleans())
def test_every_call_is_answered_exactly_once_unless_cancelled_first(
    script: list[tuple[str, Any]], stop_early: bool
) -> None:
    asyncio.run(_scenario(script, stop_early))
