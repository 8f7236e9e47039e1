"""ToolSuite: the one object the tool service builds from the settings."""

from __future__ import annotations

from desktop_app.config import Settings
from desktop_app.core.events import ToolsChanged
from desktop_app.core.masks import MaskRect
from desktop_app.tools.builtin_screen import ScreenCapture
from desktop_app.tools.consent import ConsentAnswer, ScriptedConsent
from desktop_app.tools.suite import ToolSuite
from tests.unit.tools.helpers import Recorder, call, settle


def _suite(settings: Settings, rec: Recorder, saved: list[tuple[str, ...]]) -> ToolSuite:
    return ToolSuite.from_settings(
        settings,
        rec.send,
        rec.publish,
        consent=ScriptedConsent(lambda _r: ConsentAnswer.ALWAYS),
        supports_scheduling=False,
        save_policies=saved.append,
    )


async def test_the_suite_declares_the_builtins_the_settings_allow_and_answers_calls() -> None:
    rec, saved = Recorder(), []
    suite = _suite(Settings(tool_policies=("open_url=deny",)), rec, saved)
    names = [d.name for d in suite.declarations()]
    assert "open_url" not in names and {"get_current_time", "set_timer", "take_screenshot"} <= set(names)
    assert isinstance(rec.events[-1], ToolsChanged) and "open_url" in rec.events[-1].names
    await suite.start()
    suite.runtime.on_event(call("c1", "get_current_time"))
    await settle(suite.runtime)
    assert "time_zone" in rec.result("c1").response["output"] and rec.result("c1").scheduling is None
    suite.runtime.on_event(call("c2", "write_clipboard", text=1))  # bad arguments: answered, not asked
    await settle(suite.runtime)
    assert rec.result("c2").response["error"]["code"] == "bad_arguments" and saved == []
    await suite.stop()


def test_the_screenshot_uses_the_saved_masks_of_screen_1() -> None:
    settings = Settings(video_masks=("screen 1: 0.5 0 0.5 0.5", "camera 0: 0 0 0.1 0.1"), video_max_side=800)
    suite = _suite(settings, Recorder(), [])
    capture = suite.screenshots
    assert isinstance(capture, ScreenCapture)
    assert capture.encoder.config.masks == (MaskRect(0.5, 0, 0.5, 0.5),)
    assert capture.encoder.config.max_long_side == 800


async def test_tools_off_declares_nothing_and_starts_no_server() -> None:
    rec, saved = Recorder(), []
    mcp = '{"mcpServers": {"never": {"command": "/nonexistent/server"}}}'
    suite = _suite(Settings(tools_enabled=False, mcp_servers=mcp), rec, saved)
    await suite.start()
    assert suite.declarations() == [] and suite.servers.status == {"never": "stopped"}
    await suite.stop()
