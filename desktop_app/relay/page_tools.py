"""Tools for browser sessions: which ones a page may use, and each connection's own runtime and consent.

The ``browser_tools`` setting lists what browser sessions may use: ``google_search`` (search grounding,
the default) and the names of local tools (none by default: a page is not the desktop's user). The relay
server holds one :class:`BrowserTools`; each browser connection opens a :class:`PageToolSession` on its
live session::

    tools = BrowserTools.from_settings(settings)            # the relay's, built once
    page = tools.open(publish, model=options.model)         # at the browser's setup
    connector.connect(page.session_options(options))        # declares the page's tools
    await page.start(session.send)                          # once the session is open
    page.runtime.on_event(tool_call_event)                  # ToolCall / ToolCallCancellation
    page.consent.answer(call_id, ConsentAnswer.ALLOW_ONCE)  # the page's tool_consent
    await page.stop()                                       # the page left: pending cards count as deny

A call whose policy is "ask" is asked of THAT page (never of the desktop window), through
:class:`PageConsent`. "Always allow" holds for that connection only: a page cannot change the desktop's
saved policies.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from desktop_app.config import Settings
from desktop_app.core.commands import Command
from desktop_app.core.errors import ConnectionLostError
from desktop_app.live.models import model_spec
from desktop_app.live.options import SessionOptions
from desktop_app.tools.builtins import builtin_tools
from desktop_app.tools.consent import ConsentAnswer, ConsentRequest
from desktop_app.tools.policy import PolicyBook
from desktop_app.tools.ports import SystemNotifier
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.runtime import Publish, Send, ToolRuntime
from desktop_app.tools.spec import ToolDeclaration, ToolSpec
from desktop_app.tools.timers import TimerService

__all__ = ["GOOGLE_SEARCH", "BrowserTools", "PageConsent", "PageToolSession", "SpecSource"]

log = logging.getLogger("desktop_app.relay")

GOOGLE_SEARCH = "google_search"
"""The ``browser_tools`` entry for Google Search grounding (not a local tool)."""

SpecSource = Callable[[Send, TimerService], Sequence[ToolSpec]]
"""Makes the local tools of one browser session from its send port and its own timers."""


def _builtin_specs(send: Send, timers: TimerService) -> Sequence[ToolSpec]:
    return builtin_tools(send, timers)


class PageConsent:
    """The consent port of one browser connection: each question waits for that page's ``tool_consent``.

    :meth:`ask` registers the question (the page is shown the card by the ``tool_call`` frame with
    ``needs_consent``, sent for the runtime's ASKING step); :meth:`answer` resolves it. After :meth:`close`
    (the page left) every waiting and later question is answered DENY. Use from the loop thread.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[ConsentAnswer]] = {}
        self._closed = False

    @property
    def waiting(self) -> tuple[str, ...]:
        """The ids of the calls whose card waits for an answer."""
        return tuple(self._waiting)

    async def ask(self, request: ConsentRequest) -> ConsentAnswer:
        if self._closed:
            return ConsentAnswer.DENY
        answer: asyncio.Future[ConsentAnswer] = asyncio.get_running_loop().create_future()
        self._waiting[request.call_id] = answer
        try:
            return await answer
        finally:  # answered, closed, timed out or cancelled: the card is withdrawn
            if self._waiting.get(request.call_id) is answer:
                del self._waiting[request.call_id]

    def answer(self, call_id: str, decision: ConsentAnswer) -> bool:
        """Give the page's answer; False when no question waits for ``call_id`` (answered or withdrawn)."""
        waiting = self._waiting.pop(call_id, None)
        if waiting is None or waiting.done():
            return False
        waiting.set_result(decision)
        return True

    def close(self) -> None:
        """The page is gone: every waiting question, and any later one, is a deny."""
        self._closed = True
        waiting, self._waiting = self._waiting, {}
        for answer in waiting.values():
            if not answer.done():
                answer.set_result(ConsentAnswer.DENY)


@dataclass(frozen=True, slots=True)
class BrowserTools:
    """What browser sessions may use. ``allowed`` holds ``google_search`` and/or local tool names;
    ``source`` makes the local tools (default: the built-ins), of which only the allowed ones are kept."""

    allowed: frozenset[str] = frozenset({GOOGLE_SEARCH})
    policies: tuple[str, ...] = ()
    """The saved ``tool_policies`` entries (a tool set to "deny" stays off for pages too)."""
    consent_timeout_s: float = 30.0
    source: SpecSource = field(default=_builtin_specs, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> BrowserTools:
        """From ``browser_tools``, ``tool_policies``, ``tool_consent_timeout_s``; none when tools are off."""
        allowed = frozenset(settings.browser_tools) if settings.tools_enabled else frozenset()
        return cls(allowed, settings.tool_policies, settings.tool_consent_timeout_s)

    @property
    def google_search(self) -> bool:
        """Whether browser sessions declare Google Search (grounding)."""
        return GOOGLE_SEARCH in self.allowed

    @property
    def local(self) -> frozenset[str]:
        return self.allowed - {GOOGLE_SEARCH}

    def open(self, publish: Publish, *, model: str) -> PageToolSession:
        """One browser session's tools (no I/O) for a session on ``model``: ``publish`` gets the runtime's
        :class:`~desktop_app.core.events.ToolActivity` events."""
        return PageToolSession(self, publish, scheduling=model_spec(model).scheduling)


class PageToolSession:
    """The tool runtime, consent and timers of one browser connection's live session.

    Every ``ToolCall`` the session receives is answered by :attr:`runtime` (an undeclared or disallowed
    tool with ``unknown_tool``), so no call of a page's session is left unanswered. Use from the loop thread.
    """

    def __init__(self, tools: BrowserTools, publish: Publish, *, scheduling: bool) -> None:
        self.consent = PageConsent()
        self._session_send: Send | None = None
        send = self._send
        self._timers = TimerService(SystemNotifier(), send)
        registry = ToolRegistry()
        if tools.local:
            for spec in tools.source(send, self._timers):
                if spec.name in tools.local:
                    registry.add(spec)
        self.google_search = tools.google_search
        self.runtime = ToolRuntime(
            registry,
            self.consent,
            send,
            publish,
            supports_scheduling=scheduling,
            policies=PolicyBook.from_entries(tools.policies),
            consent_timeout_s=tools.consent_timeout_s,
        )

    def declarations(self) -> list[ToolDeclaration]:
        """The local tools this session declares (none by default)."""
        return self.runtime.declarations()

    def session_options(self, options: SessionOptions) -> SessionOptions:
        """``options`` declaring this page's tools and search grounding."""
        return dataclasses.replace(
            options, tools=tuple(self.declarations()), google_search=self.google_search
        )

    async def start(self, send: Send) -> None:
        """The live session is open: answers, screenshots and timer notes go to ``send`` from now on."""
        self._session_send = send
        await self.runtime.start()

    async def stop(self) -> None:
        """The page left or the session ended: cards count as deny, running calls and timers stop."""
        self.consent.close()
        await self.runtime.stop()
        await self._timers.stop()
        self._session_send = None

    async def _send(self, command: Command) -> None:
        if self._session_send is None:
            raise ConnectionLostError("The browser's live session is not open.")
        await self._session_send(command)
