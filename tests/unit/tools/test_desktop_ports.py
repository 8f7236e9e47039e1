"""The built-in tools' clipboard and browser can be replaced while the tools run (the window comes later)."""

from __future__ import annotations

from desktop_app.tools.ports import CommandClipboard, DesktopPorts, SystemBrowser


class MemoryClipboard:
    def __init__(self) -> None:
        self.text = "from the window"

    async def read_text(self) -> str:
        return self.text

    async def write_text(self, text: str) -> None:
        self.text = text


class RecordingBrowser:
    def __init__(self) -> None:
        self.opened: list[str] = []

    async def open(self, url: str) -> None:
        self.opened.append(url)


async def test_the_fallbacks_serve_until_the_window_plugs_in_its_own() -> None:
    ports = DesktopPorts()
    assert isinstance(ports.clipboard, CommandClipboard) and isinstance(ports.browser, SystemBrowser)
    clipboard, browser = MemoryClipboard(), RecordingBrowser()
    ports.use(clipboard, browser)
    assert await ports.read_text() == "from the window"
    await ports.write_text("copied")
    await ports.open("https://example.org/")
    assert clipboard.text == "copied" and browser.opened == ["https://example.org/"]
