"""The consent port: how the runtime asks the user before a tool whose policy is "ask" runs.

The window, the overlay and the browser page implement :class:`ConsentBroker` (show a card with the tool and
its arguments, and Allow once / Always allow this tool / Deny). The runtime bounds every question with its
own timeout and cancels :meth:`ConsentBroker.ask` when the time is up or the server cancels the call: an
implementation must withdraw its card when cancelled. :class:`HeadlessConsent` answers without a person.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from desktop_app.tools.spec import Risk

__all__ = ["ConsentAnswer", "ConsentBroker", "ConsentRequest", "HeadlessConsent", "ScriptedConsent"]

log = logging.getLogger(__name__)


class ConsentAnswer(enum.StrEnum):
    ALLOW_ONCE = "allow_once"
    ALWAYS = "always"  # allow, and save "allow" for this tool
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """What a consent card shows: the call, the tool's description and risk, the arguments as text."""

    call_id: str
    tool: str
    description: str
    risk: Risk
    args: dict[str, Any]
    args_text: str
    timeout_s: float


class ConsentBroker(Protocol):
    async def ask(self, request: ConsentRequest) -> ConsentAnswer:
        """Ask the user; return their answer. May be cancelled at any time (withdraw the card then)."""
        ...


class HeadlessConsent:
    """No one to ask: "ask" means deny. ``notice(text)`` tells the user once per tool how to allow it."""

    headless = True

    def __init__(self, notice: Callable[[str], None] | None = None) -> None:
        self._notice = notice
        self._told: set[str] = set()

    async def ask(self, request: ConsentRequest) -> ConsentAnswer:
        if request.tool not in self._told:
            self._told.add(request.tool)
            text = (
                f"The tool {request.tool} needs your consent, and there is no window to ask in: denied. "
                f"Run with --allow-tool {request.tool} to allow it."
            )
            log.info("%s", text)
            if self._notice is not None:
                self._notice(text)
        return ConsentAnswer.DENY


class ScriptedConsent:
    """Answers from a function of the request (tests, benchmarks, scripted demos)."""

    def __init__(self, answer: Callable[[ConsentRequest], ConsentAnswer]) -> None:
        self._answer = answer
        self.asked: list[ConsentRequest] = []

    async def ask(self, request: ConsentRequest) -> ConsentAnswer:
        self.asked.append(request)
        return self._answer(request)
