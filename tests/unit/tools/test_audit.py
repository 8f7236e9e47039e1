"""The audit trail: every call's decision, duration and result summary reach the history and its export."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.core.events import Role, ToolActivity, ToolPhase, Transcript, TurnComplete
from desktop_app.history.export import to_markdown
from desktop_app.history.reader import Notice, load_session
from desktop_app.history.writer import HistoryWriter
from desktop_app.tools.consent import ConsentAnswer, ScriptedConsent
from desktop_app.tools.spec import Policy
from tests.unit.tools.helpers import call, make_runtime, settle, spec


async def test_the_runtimes_activity_is_recorded_and_exported(tmp_path: Path) -> None:
    writer = HistoryWriter(tmp_path, backend="emulator", model="m")
    writer.open()
    writer(Transcript(Role.USER, "what time is it", final=True))
    runtime, _rec = make_runtime(
        spec("echo"),
        spec("asker", policy=Policy.ASK),
        consent=ScriptedConsent(lambda _r: ConsentAnswer.DENY),
    )
    runtime._publish = writer  # the history subscribes to the runtime's events
    await runtime.start()
    runtime.on_event(call("c1", text="hi"))
    runtime.on_event(call("c2", "asker", text="secret?"))
    await settle(runtime)
    await runtime.stop()
    writer(Transcript(Role.MODEL, "It is noon.", final=True))
    writer(TurnComplete())
    writer.close()
    assert writer.path is not None
    records = [json.loads(line) for line in writer.path.read_text().splitlines()]
    phases = [(r["call_id"], r["phase"]) for r in records if r.get("type") == "tool_activity"]
    assert ("c1", "done") in phases and ("c2", "asking") in phases and ("c2", "failed") in phases
    log = load_session(writer.path)
    tools = sorted((n for n in log.notices if n.kind == "tool"), key=lambda n: n.text)
    assert [n.text.split(" (")[0] for n in tools] == [
        'asker({"text": "secret?"}) — denied by the user, failed',
        'echo({"text": "hi"}) — allow, done: {"echo": "hi"}',
    ]
    assert all(n.text.endswith(" ms)") for n in tools)
    markdown = to_markdown(log)
    assert '— tool: echo({"text": "hi"}) — allow, done: {"echo": "hi"}' in markdown
    assert "denied by the user, failed (denied): The user denied this tool call." in markdown


def test_a_cancelled_call_reads_as_cancelled() -> None:
    from desktop_app.history.reader import _tool_text

    record = {"name": "t", "args": "{}", "phase": "cancelled", "summary": "cancelled by the server"}
    assert _tool_text(record) == "t({}) — cancelled: cancelled by the server"
    assert isinstance(Notice(0.0, "tool", "x"), Notice)
    assert ToolActivity("1", "t", ToolPhase.DONE).streaming is False  # the history keeps it
