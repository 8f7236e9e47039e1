"""The page's tool cards in Debian's chromium: a consent card for this page's own session, answered by a
click or from the keyboard, reaches the (fake) live session as its ToolResponse."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import WebSocketRoute

from desktop_app.core.events import FunctionCall, ToolCall
from desktop_app.live.fake_session import FakeConnector, FakeSession
from desktop_app.relay import RelayServer
from tests.browser.conftest import BrowserPage, screenshot_path
from tests.browser.pagestate import gld, wait_page
from tests.integration.relay_client import tool_answer

pytestmark = pytest.mark.browser


async def _card(fake_relay: tuple[RelayServer, FakeConnector], browser_page: BrowserPage) -> FakeSession:
    relay, connector = fake_relay
    page = browser_page.page
    await page.goto(relay.url)
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    [session] = await connector.wait_sessions(1)
    session.emit(ToolCall((FunctionCall("c1", "lookup", {"q": "otters"}),)))
    await page.locator('[data-call-id="c1"] button[data-decision="allow_once"]').wait_for()
    return session


async def test_allow_on_the_consent_card_answers_the_session(
    fake_relay: tuple[RelayServer, FakeConnector], browser_page: BrowserPage
) -> None:
    page = browser_page.page
    session = await _card(fake_relay, browser_page)
    card = page.locator('[data-call-id="c1"]')
    assert "lookup" in await card.inner_text()
    assert "q: otters" in await card.locator(".tool-args").inner_text()
    await page.screenshot(path=str(screenshot_path("tool-consent-card")))
    await card.locator('button[data-decision="allow_once"]').click()
    answer = await tool_answer(session)
    assert (answer.id, answer.response) == ("c1", {"output": {"answer": "found otters"}})
    await wait_page(page, "window.__gld.tools.length === 1 && window.__gld.tools[0].outcome === 'done'")
    [call] = (await gld(page))["tools"]
    assert call["answer"] == "allow_once"
    assert call["decision"] == "allowed once"
    assert await card.locator("button").count() == 0  # the card is answered: no buttons are left


async def test_deny_is_reachable_from_the_keyboard(
    fake_relay: tuple[RelayServer, FakeConnector], browser_page: BrowserPage
) -> None:
    page = browser_page.page
    session = await _card(fake_relay, browser_page)
    await page.focus('[data-call-id="c1"] button[data-decision="always"]')
    await page.keyboard.press("Tab")  # the buttons are in the tab order: Always → Deny
    focused = await page.evaluate("() => document.activeElement.dataset.decision")
    assert focused == "deny"
    await page.keyboard.press("Enter")
    answer = await tool_answer(session)
    assert answer.response["error"]["code"] == "denied"
    await wait_page(page, "window.__gld.tools[0]?.outcome === 'denied'")


async def test_grounding_sources_show_as_web_links_only(
    fake_relay: tuple[RelayServer, FakeConnector], browser_page: BrowserPage
) -> None:
    relay, _connector = fake_relay
    page = browser_page.page
    routes: list[WebSocketRoute] = []

    def through_the_relay(route: WebSocketRoute) -> None:
        route.connect_to_server()  # everything passes; the test adds one relay → page message
        routes.append(route)

    await page.route_web_socket("**/ws", through_the_relay)
    await page.goto(relay.url)
    await page.click("#connect")
    await wait_page(page, "window.__gld.state === 'live'")
    sources = [
        {"title": "Otters (emulator)", "uri": "https://example.com/otters"},
        {"title": "Bad", "uri": "javascript:alert(1)"},
    ]
    routes[0].send(json.dumps({"grounding": {"queries": ["sea otters"], "sources": sources}}))
    await wait_page(page, "window.__gld.sources.length === 1")
    links = page.locator(".turn.sources a")
    assert await links.count() == 1
    assert await links.get_attribute("href") == "https://example.com/otters"
    assert await links.get_attribute("rel") == "noopener noreferrer"
    assert "Searched: sea otters" in await page.locator(".turn.sources").inner_text()
