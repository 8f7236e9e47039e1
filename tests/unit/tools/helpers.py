"""Shared fakes for the tool tests: a recording send port, a runtime with a few simple tools."""

from __future__ import annotations

import asyncio
from typing import Any

from desktop_app.core.commands import Command, FunctionResult, ToolResponse
from desktop_app.core.events import Event, FunctionCall, ToolCall
from desktop_app.tools.consent import ConsentAnswer, ConsentBroker, ConsentRequest, ScriptedConsent
from desktop_app.tools.policy import PolicyBook
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.runtime import ToolRuntime
from desktop_app.tools.spec import Policy, Risk, ToolSpec

ECHO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {"type": "string"}},
    "required": ["text"],
    "additionalProperties": False,
}


class Recorder:
    """The ``send`` and ``publish`` ports: keeps what was sent and published, in order."""

    def __init__(self) -> None:
        self.sent: list[Command] = []
        self.events: list[Event] = []
        self._sent_more = asyncio.Event()

    async def send(self, command: Command) -> None:
        self.sent.append(command)
        self._sent_more.set()

    async def until_sent(self, count: int, timeout: float = 5.0) -> None:
        """Wait until at least ``count`` commands were sent."""
        async with asyncio.timeout(timeout):
            while len(self.sent) < count:
                self._sent_more.clear()
                await self._sent_more.wait()

    def publish(self, event: Event) -> None:
        self.events.append(event)

    @property
    def results(self) -> list[FunctionResult]:
        return [r for c in self.sent if isinstance(c, ToolResponse) for r in c.results]

    def result(self, call_id: str) -> FunctionResult:
        [found] = [r for r in self.results if r.id == call_id]
        return found


async def echo(args: dict[str, Any]) -> Any:
    return {"echo": args["text"]}


def spec(name: str = "echo", **kw: Any) -> ToolSpec:
    kw.setdefault("handler", echo)
    kw.setdefault("parameters", ECHO_SCHEMA)
    kw.setdefault("policy", Policy.ALLOW)
    kw.setdefault("risk", Risk.READS)
    return ToolSpec(name=name, description=f"the {name} tool", **kw)


def make_runtime(
    *specs: ToolSpec,
    consent: ConsentBroker | None = None,
    rec: Recorder | None = None,
    **kw: Any,
) -> tuple[ToolRuntime, Recorder]:
    rec = rec or Recorder()
    registry = ToolRegistry()
    for s in specs:
        registry.add(s)
    kw.setdefault("supports_scheduling", True)
    runtime = ToolRuntime(
        registry,
        consent or ScriptedConsent(lambda _r: ConsentAnswer.ALLOW_ONCE),
        rec.send,
        rec.publish,
        policies=kw.pop("policies", PolicyBook()),
        **kw,
    )
    return runtime, rec


def call(call_id: str, name: str = "echo", **args: Any) -> ToolCall:
    return ToolCall((FunctionCall(call_id, name, args),))


async def settle(runtime: ToolRuntime, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        await runtime.wait_idle()


class Waiting:
    """A consent broker that never answers: the card stays up until the call is cancelled or times out."""

    def __init__(self) -> None:
        self.withdrawn = asyncio.Event()

    async def ask(self, request: ConsentRequest) -> ConsentAnswer:
        try:
            await asyncio.Event().wait()
        finally:
            self.withdrawn.set()
        raise AssertionError("unreachable")
