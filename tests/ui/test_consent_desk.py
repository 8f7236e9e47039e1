"""The window's consent broker: it shows a prompt, returns the user's answer, and withdraws the card when the
runtime gives up (its timeout) or the server cancels the call. No Qt: the hops are plain lists here."""

from __future__ import annotations

import asyncio
import threading

import pytest

from desktop_app.controller_api import ConsentAnswer, ConsentRequest, Risk
from desktop_app.ui.consent_desk import ConsentDesk, DesktopPortsHost, ToolHost
from desktop_app.ui.tool_view import CardState, ConsentPrompt


def _request(call_id: str = "c1", timeout_s: float = 30.0) -> ConsentRequest:
    return ConsentRequest(call_id, "clip_read", "Read the clipboard", Risk.READS, {}, "{}", timeout_s)


class _Screen:
    def __init__(self) -> None:
        self.shown: list[ConsentPrompt] = []
        self.withdrawn: list[tuple[str, CardState]] = []
        self.ready = asyncio.Event()

    def show(self, prompt: ConsentPrompt) -> None:
        self.shown.append(prompt)
        self.ready.set()

    def withdraw(self, call_id: str, state: CardState) -> None:
        self.withdrawn.append((call_id, state))


@pytest.mark.parametrize("answer", list(ConsentAnswer))
async def test_the_answer_from_another_thread_returns_to_the_runtime(answer: ConsentAnswer) -> None:
    screen = _Screen()
    desk = ConsentDesk(screen.show, screen.withdraw)
    task = asyncio.create_task(desk.ask(_request()))
    await screen.ready.wait()
    assert desk.waiting == ("c1",) and screen.shown[0].tool == "clip_read"
    answering = threading.Thread(target=desk.answer, args=("c1", answer))  # the Qt thread, in the app
    answering.start()
    answering.join()
    assert await task is answer
    assert desk.waiting == () and screen.withdrawn == []
    assert not desk.answer("c1", answer)  # nothing waits any more


async def test_a_cancelled_question_withdraws_its_card_as_cancelled() -> None:
    screen = _Screen()
    desk = ConsentDesk(screen.show, screen.withdraw)
    task = asyncio.create_task(desk.ask(_request()))
    await screen.ready.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert screen.withdrawn == [("c1", CardState.CANCELLED)] and desk.waiting == ()


async def test_a_question_that_runs_out_of_time_withdraws_its_card_as_timed_out() -> None:
    screen = _Screen()
    desk = ConsentDesk(screen.show, screen.withdraw)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):  # the runtime bounds the question with the request's timeout
            await desk.ask(_request(timeout_s=0.05))
    assert screen.withdrawn == [("c1", CardState.TIMED_OUT)]


def test_a_controller_without_tool_commands_is_not_a_tool_host() -> None:
    class Bare:
        async def start(self) -> None: ...

    class Host:
        def set_consent(self, broker: object) -> None: ...
        def tool_specs(self) -> tuple[object, ...]:
            return ()

    class PortsHost(Host):
        def set_desktop_ports(self, clipboard: object, browser: object) -> None: ...

    assert not isinstance(Bare(), ToolHost) and isinstance(Host(), ToolHost)
    assert not isinstance(Host(), DesktopPortsHost) and isinstance(PortsHost(), DesktopPortsHost)
