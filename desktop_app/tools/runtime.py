"""The tool runtime: feed it the session's tool calls, it answers each one through ``send``.

Entry point for the tool service (one per live session)::

    runtime = ToolRuntime(registry, consent, send, publish, supports_scheduling=catalog_says_non_blocking,
                          policies=PolicyBook.from_entries(settings.tool_policies, on_change=save_policies),
                          consent_timeout_s=settings.tool_consent_timeout_s)
    await runtime.start()                 # on the loop thread, before the first event
    declarations = runtime.declarations() # for the session setup (live/tool_declarations.py converts them)
    runtime.on_event(event)               # every ToolCall / ToolCallCancellation (others are ignored)
    await runtime.stop()                  # cancels what runs; nothing more is sent

Guarantees (the property test in tests/unit/tools checks them): every call of a ``ToolCall`` gets exactly
one :class:`~desktop_app.core.commands.FunctionResult`, either the tool's result or a structured error (denied
by the user or the policy, no consent in time, unknown tool, arguments that fail the schema, timeout, the
tool raised, busy), unless a ``ToolCallCancellation`` names it first: then its work is cancelled and nothing
is sent for it. Results carry ``scheduling`` only when ``supports_scheduling``.

Concurrency: each call is its own supervised task on the loop (never on an audio thread). At most
``max_concurrent`` handlers run at once; further calls wait their turn in arrival order (their handler
timeout starts when they run; consent is asked before waiting, so a card never holds a slot). At most
``max_open`` calls may be open at once; a call beyond that is answered at once with ``busy``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.commands import Command, ResponseScheduling, ToolResponse
from desktop_app.core.events import (
    Event,
    FunctionCall,
    ToolActivity,
    ToolCall,
    ToolCallCancellation,
    ToolPhase,
)
from desktop_app.runtime.tasks import Supervised, TaskSupervisor
from desktop_app.tools.calls import CallBook, ErrorCode, Opened, error_response, output_response, short_text
from desktop_app.tools.consent import ConsentAnswer, ConsentBroker, ConsentRequest
from desktop_app.tools.policy import PolicyBook
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.spec import Policy, ToolDeclaration, ToolError, ToolOutput, ToolSpec

__all__ = ["Publish", "Send", "ToolRuntime"]

log = logging.getLogger(__name__)

Send = Callable[[Command], Awaitable[None]]
Publish = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class _Outcome:
    response: dict[str, Any]
    scheduling: ResponseScheduling
    decision: str
    summary: str
    error: ErrorCode | None = None


@dataclass(frozen=True, slots=True)
class _Running:
    call: FunctionCall
    ticket: int
    started: float
    task: Supervised


class ToolRuntime:
    """Answers function calls; see the module docstring. Use from the loop thread only."""

    def __init__(
        self,
        registry: ToolRegistry,
        consent: ConsentBroker,
        send: Send,
        publish: Publish,
        *,
        supports_scheduling: bool,
        policies: PolicyBook | None = None,
        supervisor: TaskSupervisor | None = None,
        max_concurrent: int = 4,
        max_open: int = 32,
        consent_timeout_s: float = 30.0,
        scheduling: Mapping[str, ResponseScheduling] | None = None,
        clock: Clock | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.registry = registry
        self.policies = policies or PolicyBook()
        self._consent = consent
        self._send = send
        self._publish = publish
        self.supports_scheduling = supports_scheduling
        """Whether answers carry scheduling: set it from the model catalog when a new session opens."""
        self._supervisor = supervisor
        self._max_concurrent = max_concurrent
        self._consent_timeout_s = consent_timeout_s
        self._scheduling = dict(scheduling or {})
        self._clock = clock or MonotonicClock()
        self._book = CallBook(max_open)
        self._tasks: dict[str, _Running] = {}
        self._slots: asyncio.Semaphore | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._running = False

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Get ready on the running loop (call before the first :meth:`on_event`)."""
        if self._supervisor is None:
            self._supervisor = TaskSupervisor()
        self._slots = asyncio.Semaphore(self._max_concurrent)
        self._running = True

    async def stop(self) -> None:
        """Cancel every running call; nothing more is sent (the session is going away). Safe twice."""
        self._running = False
        tasks = list(self._tasks.values())
        for call_id in self._book.open_ids:
            self._book.cancel(call_id)
        for running in tasks:
            await running.task.stop()
        self._tasks.clear()
        self._idle.set()

    def declarations(self) -> list[ToolDeclaration]:
        """The tools to declare at setup: every registered tool whose policy is not "deny"."""
        return self.registry.declarations(lambda spec: self.policies.policy_for(spec) is not Policy.DENY)

    @property
    def open_calls(self) -> tuple[str, ...]:
        return self._book.open_ids

    async def wait_idle(self) -> None:
        """Wait until no call is open (tests and benchmarks)."""
        await self._idle.wait()

    # --- events ------------------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Feed every session event here; ToolCall and ToolCallCancellation are acted on, others ignored."""
        if isinstance(event, ToolCall):
            for call in event.calls:
                self._begin(call)
        elif isinstance(event, ToolCallCancellation):
            for call_id in event.ids:
                if self._book.cancel(call_id):
                    self._cancel(call_id)

    def _cancel(self, call_id: str) -> None:
        """Stop the work of a call the book has closed without an answer (it may not have started yet)."""
        running = self._tasks.get(call_id)
        if running is None:
            return
        running.task.task.cancel()
        self._activity(running.call, ToolPhase.CANCELLED, running.started, summary="cancelled by the server")
        self._forget(call_id)

    def _begin(self, call: FunctionCall) -> None:
        if self._supervisor is None or self._slots is None:
            raise RuntimeError("ToolRuntime.start() was not called")
        if not self._running:  # a late event from a session that is going away
            log.info("tool call %s (%s) arrived after stop(): ignored", call.id, call.name)
            return
        opened, ticket = self._book.open(call.id, call.name)
        if opened is Opened.DUPLICATE:
            log.info("a second call with the open id %s (%s) was ignored", call.id, call.name)
            return
        self._idle.clear()
        started = self._clock.now()
        full = opened is Opened.FULL
        task = self._supervisor.spawn(
            f"tool-call {call.name} {call.id}", lambda: self._run(call, ticket, started, full=full)
        )
        self._tasks[call.id] = _Running(call, ticket, started, task)

    # --- one call ----------------------------------------------------------------------------------

    async def _run(self, call: FunctionCall, ticket: int, started: float, *, full: bool) -> None:
        try:
            if full:
                outcome = self._fail(ErrorCode.BUSY, "Too many tool calls are open; try again shortly.", "")
            else:
                outcome = await self._outcome(call)
        except Exception as exc:  # a bug here must still answer the call
            log.exception("tool call %s (%s) failed inside the runtime", call.id, call.name)
            outcome = self._fail(ErrorCode.TOOL_FAILED, f"Internal error: {type(exc).__name__}.", "")
        scheduling = self._scheduling.get(call.name, outcome.scheduling)
        result = self._book.answer(
            call.id, ticket, outcome.response, scheduling if self.supports_scheduling else None
        )
        if result is not None:
            self._activity(
                call,
                ToolPhase.FAILED if outcome.error else ToolPhase.DONE,
                started,
                decision=outcome.decision,
                summary=outcome.summary,
                error=outcome.error.value if outcome.error else "",
            )
            try:
                await self._send(ToolResponse((result,)))
            except Exception as exc:  # the session closed under us: nothing more to do for this call
                log.info("the answer to tool call %s could not be sent: %s", call.id, exc)
        running = self._tasks.get(call.id)
        if running is not None and running.ticket == ticket:
            self._forget(call.id)  # (a tool that swallowed its cancellation must not drop a newer call)

    def _forget(self, call_id: str) -> None:
        self._tasks.pop(call_id, None)
        if not self._book.open_ids:
            self._idle.set()

    async def _outcome(self, call: FunctionCall) -> _Outcome:
        spec = self.registry.get(call.name)
        if spec is None:
            return self._fail(ErrorCode.UNKNOWN_TOOL, f"There is no tool called {call.name}.", "")
        problem = self.registry.argument_errors(call.name, call.args)
        if problem is not None:
            return self._fail(ErrorCode.BAD_ARGUMENTS, f"The arguments do not fit the schema: {problem}", "")
        policy = self.policies.policy_for(spec)
        if policy is Policy.DENY:
            message = "The user's settings do not allow this tool."
            return self._fail(ErrorCode.DENIED, message, "denied by policy")
        decision = "allow"
        if policy is Policy.ASK:
            refused, decision = await self._ask(call, spec)
            if refused is not None:
                return refused
        assert self._slots is not None
        async with self._slots:
            self._activity(call, ToolPhase.RUNNING, None, decision=decision)
            return await self._invoke(call, spec, decision)

    async def _ask(self, call: FunctionCall, spec: ToolSpec) -> tuple[_Outcome | None, str]:
        """(an error outcome, decision) when the user did not allow the call, else (None, decision)."""
        request = ConsentRequest(
            call.id,
            spec.name,
            spec.description,
            spec.risk,
            dict(call.args),
            short_text(call.args, 300),
            self._consent_timeout_s,
        )
        self._activity(call, ToolPhase.ASKING, None)
        try:
            async with asyncio.timeout(self._consent_timeout_s):
                answer = await self._consent.ask(request)
        except TimeoutError:
            message = (
                f"The user did not answer the consent request within {self._consent_timeout_s:g} s, "
                "so the tool did not run."
            )
            return self._fail(ErrorCode.NO_CONSENT, message, "no answer"), "no answer"
        except Exception as exc:
            log.info("asking consent for %s failed (%s): counted as a deny", spec.name, exc)
            answer = ConsentAnswer.DENY
        if answer is ConsentAnswer.DENY:
            headless = bool(getattr(self._consent, "headless", False))
            decision = "headless" if headless else "denied by the user"
            message = (
                "The tool needs the user's consent and no one can be asked here, so it did not run."
                if headless
                else "The user denied this tool call."
            )
            return self._fail(ErrorCode.DENIED, message, decision), decision
        if answer is ConsentAnswer.ALWAYS:
            self.policies.set(spec.name, Policy.ALLOW)
            return None, "always allowed"
        return None, "allowed once"

    async def _invoke(self, call: FunctionCall, spec: ToolSpec, decision: str) -> _Outcome:
        try:
            async with asyncio.timeout(spec.timeout_s):
                value = await spec.handler(dict(call.args))
        except TimeoutError:
            message = f"The tool did not finish within {spec.timeout_s:g} s."
            return self._fail(ErrorCode.TIMEOUT, message, decision)
        except ToolError as exc:
            return self._fail(ErrorCode.TOOL_FAILED, str(exc) or "The tool failed.", decision)
        except Exception as exc:
            log.info("tool %s raised %s: %s", spec.name, type(exc).__name__, exc)
            return self._fail(ErrorCode.TOOL_FAILED, f"The tool failed ({type(exc).__name__}).", decision)
        scheduling = spec.scheduling
        if isinstance(value, ToolOutput):
            scheduling = value.scheduling or scheduling
            value = value.value
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            return self._fail(ErrorCode.TOOL_FAILED, "The tool's result is not JSON data.", decision)
        return _Outcome(output_response(value), scheduling, decision, short_text(value))

    @staticmethod
    def _fail(code: ErrorCode, message: str, decision: str) -> _Outcome:
        return _Outcome(
            error_response(code, message), ResponseScheduling.WHEN_IDLE, decision, message, error=code
        )

    def _activity(
        self,
        call: FunctionCall,
        phase: ToolPhase,
        started: float | None,
        *,
        decision: str = "",
        summary: str = "",
        error: str = "",
    ) -> None:
        duration = None if started is None else round((self._clock.now() - started) * 1000, 3)
        self._publish(
            ToolActivity(call.id, call.name, phase, short_text(call.args), decision, summary, error, duration)
        )
