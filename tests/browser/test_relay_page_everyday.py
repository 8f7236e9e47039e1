"""The page in everyday use (issue 18, "The page"), in Debian's chromium: Connect starts listening in one
step; a relay that is down gets one message and retries by itself; interrupted replies are labelled as in
the window; a turn's words stay above its reply; the voice list says what "Default" is."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import WebSocketRoute

from desktop_app.emulator import Emulator
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.options import DEFAULT_VOICE, SessionOptions
from desktop_app.relay import RelayConfig, RelayServer
from tests.browser.conftest import WEB, BrowserPage, screenshot_path
from tests.browser.pagestate import gld, wait_page

pytestmark = pytest.mark.browser


async def test_connect_starts_listening_in_one_step(
    relay: RelayServer, emulator: Emulator, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    await wait_page(page, "window.__gld.backend === 'emulator'")
    assert await page.is_checked("#listen"), "listening with Connect is the default"
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live' && window.__gld.micOn")
    assert await page.get_attribute("#mic", "aria-pressed") == "true"
    await wait_page(page, "window.__gld.audioChunksSent >= 50")  # a second of speech went out
    state = await gld(page)
    assert state["errors"] == [] and state["audioChunksDropped"] == 0
    assert emulator.stats.audio_in_s > 0.5


@asynccontextmanager
async def relay_on(port: int) -> AsyncIterator[RelayServer]:
    async with RelayServer(FakeConnector(), SessionOptions(), RelayConfig(port=port, web_root=WEB)) as server:
        yield server


async def test_a_relay_that_is_down_gets_one_message_and_automatic_retries(browser_page: BrowserPage) -> None:
    page = browser_page.page
    browser_page.expected_errors.append("net::ERR_CONNECTION_REFUSED")  # chromium's own line per attempt
    async with relay_on(0) as first:
        port = first.port
        await page.goto(first.url)
        await page.uncheck("#listen")
        await page.click("#connect")
        await wait_page(page, "window.__gld.state === 'live'")
    # The program quit: the socket dropped, and nothing answers on the port any more.
    await wait_page(page, "window.__gld.state === 'retrying'")
    await wait_page(page, "window.__gld.relayRetries >= 2 && window.__gld.state === 'retrying'", timeout_s=20)
    state = await gld(page)
    assert [e["code"] for e in state["errors"]] == ["relay_unreachable"], state["errors"]
    assert state["errors"][0]["repeats"] >= 2, "the same failure again is counted, not stacked"
    assert await page.evaluate("() => document.getElementById('errors').children.length") == 1
    shown = await page.text_content("#errors") or ""
    assert "Can't reach the relay" in shown and "times" in shown
    assert (await page.text_content("#status-text") or "").startswith(
        "Can't reach the relay. Trying again in"
    )
    assert await page.text_content("#connect") == "Stop trying"
    await page.screenshot(path=str(screenshot_path("relay-down")))

    async with relay_on(port):  # the program is back on its port: the page connects by itself
        await wait_page(page, "window.__gld.state === 'live'", timeout_s=40)
        assert await page.evaluate("() => document.getElementById('errors').children.length") == 0
        assert (await gld(page))["relayDownSince"] is None
        waits = [e["text"] for e in (await gld(page))["statusLog"] if e["state"] == "retrying"]
        seconds = [int(re.findall(r"in (\d+) s", text)[0]) for text in waits]
        assert seconds[:3] == sorted(seconds[:3]) and seconds[0] == 1, waits  # 1 s, 2 s, 4 s …


async def test_stop_trying_ends_the_retries_and_their_message(browser_page: BrowserPage) -> None:
    page = browser_page.page
    browser_page.expected_errors.append("net::ERR_CONNECTION_REFUSED")
    async with relay_on(0) as first:
        await page.goto(first.url)
        await page.uncheck("#listen")
        await page.click("#connect")
        await wait_page(page, "window.__gld.state === 'live'")
    await wait_page(page, "window.__gld.state === 'retrying' && window.__gld.retryPending")
    await page.click("#connect")  # "Stop trying"
    state = await gld(page)
    assert (state["state"], state["retryPending"], state["relayDownSince"]) == ("closed", False, None)
    assert await page.evaluate("() => document.getElementById('errors').children.length") == 0
    assert await page.text_content("#connect") == "Connect"


async def test_connect_while_the_relay_is_down_listens_and_plays_once_it_is_back(
    browser_page: BrowserPage,
) -> None:
    """The audio worklets are served by the relay, so neither the player nor the microphone can start
    while it is down: both start by themselves when it answers, and their errors go."""
    page = browser_page.page
    browser_page.expected_errors.append("net::ERR_CONNECTION_REFUSED")
    async with relay_on(0) as first:
        port = first.port
        await page.goto(first.url)
        await wait_page(page, "window.__gld.backend === 'fake'")
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'retrying'")
    await wait_page(page, "window.__gld.errors.length >= 2")
    codes = {e["code"] for e in (await gld(page))["errors"]}
    assert "relay_unreachable" in codes, codes
    assert codes <= {"relay_unreachable", "audio_output", "microphone"}, codes
    assert not (await gld(page))["micOn"]
    async with relay_on(port) as back:
        await wait_page(page, "window.__gld.state === 'live' && window.__gld.micOn", timeout_s=40)
        await wait_page(page, "document.getElementById('errors').children.length === 0")
        await wait_page(page, "window.__gld.audioChunksSent >= 10")
        [client] = back.status()["clients"]
        assert client["state"] != "closed"


async def test_interrupted_replies_are_labelled_and_turns_keep_their_order(
    fake_relay: tuple[RelayServer, FakeConnector], browser_page: BrowserPage
) -> None:
    relay, _connector = fake_relay
    page = browser_page.page
    routes: list[WebSocketRoute] = []

    def through_the_relay(route: WebSocketRoute) -> None:
        route.connect_to_server()  # everything passes; the test adds relay → page messages
        routes.append(route)

    await page.route_web_socket("**/ws", through_the_relay)
    await page.goto(relay.url)
    await page.uncheck("#listen")
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    # The reply's words start before the transcription of what the user said (transcription lags).
    for message in (
        {"output_transcription": "Once upon a time "},
        {"input_transcription": "Tell me a story"},
        {"output_transcription": "there was a lighthouse"},
        {"interrupted": True},
        {"turn_complete": True},
        {"input_transcription": "Stop, thanks."},
        {"output_transcription": "Sure."},
        {"turn_complete": True},
    ):
        routes[0].send(json.dumps(message))
    await wait_page(page, "window.__gld.turnsCompleted === 2")
    state = await gld(page)
    assert [(t["role"], t["text"], t.get("interrupted", False)) for t in state["transcript"]] == [
        ("user", "Tell me a story", False),
        ("model", "Once upon a time there was a lighthouse", True),
        ("user", "Stop, thanks.", False),
        ("model", "Sure.", False),
    ]
    roles = await page.evaluate(
        "() => [...document.querySelectorAll('#transcript .turn')].map((t) => t.dataset.role)"
    )
    assert roles == ["user", "model", "user", "model"], "the page shows them in the same order"
    labels = await page.evaluate(
        "() => [...document.querySelectorAll('#transcript .turn .who')].map((w) => w.textContent)"
    )
    assert labels == ["You", "Gemini · interrupted", "You", "Gemini"]


async def test_the_voice_list_says_what_default_is(relay: RelayServer, browser_page: BrowserPage) -> None:
    page = browser_page.page
    await page.goto(relay.url)
    await wait_page(page, "window.__gld.defaultVoice !== null")
    first = await page.evaluate("() => document.getElementById('voice').options[0].textContent")
    assert first == f"Default ({DEFAULT_VOICE})"
    assert relay.status()["voice"] == DEFAULT_VOICE
