"""Waiting on the page's ``window.__gld`` state without string-eval (the page's CSP forbids it), and the
checks both browsers' tests share. Works with a Playwright page (Chromium) and the BiDi page (Firefox)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class Page(Protocol):
    """What these helpers need of a page: running a JavaScript function literal and returning its value."""

    async def evaluate(self, expression: str) -> Any: ...


class ClickablePage(Page, Protocol):
    """A page that can also click like a user (Playwright's page, the BiDi ``FirefoxPage``)."""

    async def click(self, selector: str) -> Any: ...


async def wait_page(page: Page, predicate: str, timeout_s: float = 30.0) -> None:
    """Wait until the JavaScript expression ``predicate`` is truthy in the page (checked every 20 ms there).

    Playwright's own ``wait_for_function`` compiles the predicate with ``eval`` inside the page, which the
    page's Content-Security-Policy refuses; this evaluates one function literal through the DevTools
    protocol instead. Raises TimeoutError with the page state when the time is up.
    """
    source = (
        "() => new Promise((resolve) => {"
        f"  const check = () => {{ try {{ return Boolean({predicate}); }} catch (e) {{ return false; }} }};"
        "  if (check()) { resolve(true); return; }"
        "  const started = performance.now();"
        "  const timer = setInterval(() => {"
        "    if (check()) { clearInterval(timer); resolve(true); }"
        f"    else if (performance.now() - started > {timeout_s * 1000}) {{"
        "      clearInterval(timer); resolve(false);"
        "    }"
        "  }, 20);"
        "})"
    )
    if not await page.evaluate(source):
        raise TimeoutError(f"page never satisfied {predicate!r}; state: {json.dumps(await gld(page))}")


async def gld(page: Page) -> dict[str, Any]:
    """A copy of the page's state object."""
    state = await page.evaluate("() => JSON.parse(JSON.stringify(window.__gld))")
    assert isinstance(state, dict)
    return state


def assert_text_mode_reply(state: dict[str, Any], typed: str) -> None:
    """A TEXT-modality client typed ``typed``: it is the first transcript line, echoed back, with no audio."""
    assert state["transcript"][0] == {"role": "user", "text": typed, "final": True}
    model = [t for t in state["transcript"] if t["role"] == "model"]
    assert model and typed in model[0]["text"], state
    assert state["samplesPlayed"] == 0, "a TEXT client receives no audio"
    assert state["errors"] == []


async def interrupt_a_long_reply(
    page: ClickablePage, type_text: Callable[[str, str], Awaitable[Any]]
) -> dict[str, Any]:
    """On the open page: connect, ask for a long spoken reply and interrupt it by typing while it plays.
    ``type_text(selector, text)`` puts text in a field (Playwright's ``fill``, Firefox's ``type_into``).
    Returns the page state once the player worklet has dropped queued reply audio."""
    await page.click("#listen")  # untick "Listen as soon as I connect": this test only types
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    await type_text("#text", "Please tell me a long story about the sea and the ships that sail on it.")
    await page.click("#send")
    await wait_page(page, "window.__gld.samplesPlayed > 2400")  # the reply is playing
    await type_text("#text", "Stop.")
    await page.click("#send")
    await wait_page(page, "window.__gld.interruptions >= 1")
    await wait_page(page, "window.__gld.flushedSamples > 0")  # the worklet dropped queued reply audio
    return await gld(page)
