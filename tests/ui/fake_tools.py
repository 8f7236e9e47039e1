"""A recording controller that runs tools: the real tool runtime on the loop thread, asking the window's
consent desk, with one "ask" tool (``echo_text``) and one "allow" tool (``clock_now``) by default."""

from __future__ import annotations

from typing import Any

from desktop_app.controller_api import BrowserPort, ClipboardPort, ConsentBroker, ToolInfo
from desktop_app.core.commands import Command, FunctionResult, ToolResponse
from desktop_app.core.events import Event, FunctionCall, ToolCall, ToolCallCancellation
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.runtime import ToolRuntime
from desktop_app.tools.spec import Policy, Risk, ToolSpec
from tests.ui.fake_controller import RecordingController


async def _echo(args: dict[str, Any]) -> str:
    return str(args.get("text", ""))


async def _clock(_args: dict[str, Any]) -> str:
    return "10:42"


def default_specs() -> list[ToolSpec]:
    text = {"type": "object", "properties": {"text": {"type": "string"}}}
    return [
        ToolSpec("echo_text", "Say the text back", _echo, text, risk=Risk.CHANGES, policy=Policy.ASK),
        ToolSpec("clock_now", "The time", _clock, risk=Risk.READS, policy=Policy.ALLOW),
    ]


class ToolController(RecordingController):
    """Implements the window's ToolHost; :meth:`call` feeds the runtime a tool call from the loop thread."""

    consent_timeout_s = 30.0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.specs = default_specs()
        self.broker: ConsentBroker | None = None
        self.ports: tuple[ClipboardPort, BrowserPort] | None = None
        self.sent: list[Command] = []
        self.runtime: ToolRuntime | None = None

    def set_consent(self, broker: ConsentBroker | None) -> None:
        self._record("set_consent")
        self.broker = broker

    def set_desktop_ports(self, clipboard: ClipboardPort, browser: BrowserPort) -> None:
        self._record("set_desktop_ports")
        self.ports = (clipboard, browser)

    def tool_specs(self) -> tuple[ToolInfo, ...]:
        self._record("tool_specs")
        book = self.runtime.policies if self.runtime is not None else None
        return tuple(
            ToolInfo(
                s.name, s.description, s.risk, book.policy_for(s) if book else s.policy, s.policy, s.source
            )
            for s in self.specs
        )

    async def start(self) -> None:
        await super().start()
        assert self.broker is not None, "the window gives its consent desk before start"
        registry = ToolRegistry()
        for spec in self.specs:
            registry.add(spec)

        async def send(command: Command) -> None:
            self.sent.append(command)

        self.runtime = ToolRuntime(
            registry,
            self.broker,
            send,
            self._publish_event,
            supports_scheduling=False,
            consent_timeout_s=self.consent_timeout_s,
        )
        await self.runtime.start()

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
        await super().stop()

    def _publish_event(self, event: Event) -> None:
        self.publish(event)

    # --- helpers for tests ------------------------------------------------------------------------

    def call(self, call_id: str, name: str, **args: Any) -> None:
        """The model calls ``name`` (from the loop thread, as the session would)."""
        assert self.runtime is not None
        self.loop.call_soon(self.runtime.on_event, ToolCall((FunctionCall(call_id, name, args),)))

    def cancel(self, call_id: str) -> None:
        assert self.runtime is not None
        self.loop.call_soon(self.runtime.on_event, ToolCallCancellation((call_id,)))

    def results(self) -> dict[str, FunctionResult]:
        return {r.id: r for c in list(self.sent) if isinstance(c, ToolResponse) for r in c.results}
