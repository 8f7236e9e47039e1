"""The tool service: the tool runtime of this run, wired to the live session.

Wiring (``desktop_app.app.build_app`` does it)::

    tools = ToolService(settings, bus, conversation.send_command, consent=HeadlessConsent(...))
    conversation.session_tools = tools.session_tools   # each new session declares the enabled tools
    conversation.taps.append(tools.on_session_event)    # every ToolCall / ToolCallCancellation is answered
    tools.reopen = conversation.reopen                   # the declared set changed: a new session, when quiet

It runs the :class:`~desktop_app.tools.suite.ToolSuite` (built-ins, policies, MCP servers) on the loop thread;
tool work runs on supervised loop tasks, never on an audio thread (the runtime bounds its concurrency).

When the declared set changes (an MCP server's list changed, a policy changed to or from "deny", the Tools
settings changed) while a session is open, the session is reopened *at a quiet moment*: at once when the
model is not replying and no call is open, else after the current turn completes and the open calls are
answered. (A resumed session keeps its setup, so waiting for the next reconnect would never apply it.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.config import Section, Settings
from desktop_app.core.app_events import ToolActivity, ToolPhase, ToolsChanged
from desktop_app.core.commands import Command, ResponseScheduling, ToolResponse
from desktop_app.core.events import (
    Event,
    Interrupted,
    ModelAudio,
    ModelText,
    ModelThought,
    ToolCall,
    TurnComplete,
    VoiceActivity,
)
from desktop_app.live.models import model_spec
from desktop_app.services.bus import Bus, ServiceBase
from desktop_app.tools.consent import ConsentAnswer, ConsentBroker, ConsentRequest, HeadlessConsent
from desktop_app.tools.ports import DesktopPorts
from desktop_app.tools.runtime import Send
from desktop_app.tools.spec import Policy, Risk, ToolDeclaration
from desktop_app.tools.suite import ToolSuite

__all__ = ["SwitchableConsent", "ToolInfo", "ToolService", "tool_infos"]

log = logging.getLogger(__name__)

SuiteFactory = Callable[..., ToolSuite]
"""``ToolSuite.from_settings`` or a test's stand-in with the same keywords."""


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """One tool as the Tools tab lists it: ``policy`` is the one that applies now, ``default`` its own."""

    name: str
    description: str
    risk: Risk
    policy: Policy
    default: Policy
    source: str  # "builtin" or the MCP server's name


def tool_infos(suite: ToolSuite) -> tuple[ToolInfo, ...]:
    """Every registered tool, by name."""
    book = suite.runtime.policies
    return tuple(
        ToolInfo(s.name, s.description, s.risk, book.policy_for(s), s.policy, s.source)
        for s in sorted(suite.registry.specs(), key=lambda spec: spec.name)
    )


class SwitchableConsent:
    """The window's consent port: the broker the UI plugs in (``set_consent``), else "ask" means deny.

    Until the window sets its broker (and after it clears it), it answers like :class:`HeadlessConsent`.
    """

    def __init__(self, fallback: HeadlessConsent) -> None:
        self._fallback = fallback
        self.broker: ConsentBroker | None = None

    @property
    def headless(self) -> bool:
        return self.broker is None

    async def ask(self, request: ConsentRequest) -> ConsentAnswer:
        broker = self.broker
        return await (broker or self._fallback).ask(request)


class ToolService(ServiceBase):
    """See the module docstring. Construct anywhere (no I/O); call every method on the loop thread.

    Args:
        send: the conversation's send port (raises when no session is open; the runtime logs and drops).
        consent: who answers "ask" (the window's broker, or :class:`HeadlessConsent` in headless modes).
        on_policies: called with the new ``tool_policies`` entries when the user chose "Always allow";
            the caller must persist them (the controller saves the settings).
    """

    sections = frozenset({Section.TOOLS})

    def __init__(
        self,
        settings: Settings,
        bus: Bus,
        send: Send,
        consent: ConsentBroker,
        *,
        on_policies: Callable[[tuple[str, ...]], None] | None = None,
        history_dir: Path | None = None,
        suite_factory: SuiteFactory = ToolSuite.from_settings,
    ) -> None:
        super().__init__(settings, bus)
        self._send = send
        self.consent = consent
        self.on_policies = on_policies
        self._history_dir = history_dir
        self.suite_factory = suite_factory
        """Builds the suite at :meth:`start` (tests swap in one with fake desktop ports before start)."""
        self.suite: ToolSuite | None = None
        self.desktop = DesktopPorts()
        """The clipboard and browser the built-in tools use; the window replaces them (``desktop.use``)."""
        self.reopen: Callable[[], Coroutine[Any, Any, None]] | None = None
        """Opens a new session with :meth:`session_tools` (set by build_app); None: never reopened."""
        self._declared: tuple[str, ...] | None = None  # what the open session declared (None: no session)
        self._busy = False  # the model is replying or the user is speaking
        self._reopen_pending = False
        self._replying = False  # model output since the last turnComplete
        self._turns = 0  # turnComplete messages seen
        self._spoken_by = 0  # the turn count by which every answer sent so far has been spoken
        self._change = asyncio.Event()  # set (and replaced) whenever the two counts above may change

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.suite is not None:
            return
        suite = self.suite_factory(
            self._settings,
            self._send_through,
            self._publish,
            consent=self.consent,
            supports_scheduling=model_spec(self._settings.model).scheduling,
            save_policies=self._policies_saved,
            supervisor=self._bus.supervisor,
            clipboard=self.desktop,
            browser=self.desktop,
            history_dir=self._history_dir,
        )
        await suite.start()
        self.suite = suite

    async def stop(self) -> None:
        """Cancel the open calls (nothing more is sent), stop the timers and the MCP servers."""
        suite, self.suite = self.suite, None
        if suite is not None:
            await suite.stop()

    async def apply_settings(self, settings: Settings) -> None:
        """Rebuild the tools from ``settings``; a changed declared set reopens the session when quiet."""
        self._settings = settings
        await self.stop()
        await self.start()
        self._declared_set_may_have_changed()

    # --- the session's side -------------------------------------------------------------------------

    def session_tools(self, model: str) -> tuple[tuple[ToolDeclaration, ...], bool]:
        """For a session opening on ``model``: (the functions to declare, whether to ask for Google Search).

        Also tells the runtime whether answers carry scheduling on this model (the catalog says).
        """
        declarations: tuple[ToolDeclaration, ...] = ()
        if self.suite is not None:
            self.suite.runtime.supports_scheduling = model_spec(model).scheduling
            declarations = tuple(self.suite.declarations())
        self._declared = self._declared_now()
        self._busy = False
        self._reopen_pending = False
        return declarations, self._settings.google_search

    def on_session_event(self, event: Event) -> None:
        """Every session event (a tap): tool calls go to the runtime; turns mark the quiet moments."""
        if self.suite is not None:
            self.suite.runtime.on_event(event)
        match event:
            case ModelAudio() | ModelText() | ModelThought() | ToolCall():
                self._busy = True
                self._replying = self._replying or not isinstance(event, ToolCall)
            case VoiceActivity(speaking=speaking):
                self._busy = speaking
            case TurnComplete() | Interrupted():
                self._busy = False
                if isinstance(event, TurnComplete):
                    self._turns += 1
                    self._replying = False
                    self._changed()
                self._reopen_when_quiet()
            case _:
                pass

    async def settled(self) -> None:
        """Return once no call is open and the model has had its turns to speak every answer sent.

        An answer that is not SILENT is spoken in a turn of its own after the reply in progress when it
        was sent (the emulator does so; a service that folds it into fewer turns makes this wait until the
        caller's timeout). For one-shot runs (the headless slice): wrap it in a timeout.
        """
        while (self.suite is not None and self.suite.runtime.open_calls) or self._turns < self._spoken_by:
            change = self._change
            await change.wait()

    async def _send_through(self, command: Command) -> None:
        """The suite's send port: note when a spoken answer goes out, then send."""
        if isinstance(command, ToolResponse) and any(
            r.scheduling is not ResponseScheduling.SILENT for r in command.results
        ):
            self._spoken_by = max(self._spoken_by, self._turns + (2 if self._replying else 1))
        try:
            await self._send(command)
        finally:
            self._changed()

    def _changed(self) -> None:
        change, self._change = self._change, asyncio.Event()
        change.set()

    # --- internals ----------------------------------------------------------------------------------

    def _publish(self, event: Event) -> None:
        self._bus.publish(event)
        if isinstance(event, ToolsChanged):
            self._declared_set_may_have_changed()
        elif isinstance(event, ToolActivity) and event.phase in (
            ToolPhase.DONE,
            ToolPhase.FAILED,
            ToolPhase.CANCELLED,
        ):
            if event.phase is ToolPhase.CANCELLED:  # (an answer wakes settled() once it was sent)
                self._changed()
            self._reopen_when_quiet()

    def _policies_saved(self, entries: tuple[str, ...]) -> None:
        if self.on_policies is not None:
            self.on_policies(entries)
        self._declared_set_may_have_changed()  # a change to or from "deny" changes what is declared

    def _declared_set_may_have_changed(self) -> None:
        if self._declared is None or self.suite is None:
            return
        if self._declared_now() != self._declared:
            self._reopen_pending = True
            self._reopen_when_quiet()

    def _declared_now(self) -> tuple[str, ...]:
        names = sorted(d.name for d in self.suite.declarations()) if self.suite is not None else []
        return (*names, *(("(googleSearch)",) if self._settings.google_search else ()))

    def _reopen_when_quiet(self) -> None:
        if not self._reopen_pending or self._busy or self.reopen is None:
            return
        if self.suite is not None and self.suite.runtime.open_calls:
            return
        self._reopen_pending = False
        self._bus.supervisor.spawn("tools-reopen", self._reopen)

    async def _reopen(self) -> None:
        # still needed? a settings change may have opened a new session (declaring the new set) meanwhile
        if self.reopen is not None and self._declared is not None and self._declared_now() != self._declared:
            log.info("the declared tools changed: the session is reopened to declare them")
            await self.reopen()
