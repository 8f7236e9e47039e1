"""The Tools tab: every tool with its risk and policy, edited and persisted through the normal settings save;
the MCP servers JSON checked as it is typed; the consent timeout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings, load_settings, save_settings
from desktop_app.controller_api import Policy, ToolInfo, changed_fields
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.settings_tools import GROUNDING_FIELD
from tests.ui.fake_tools import default_specs

MCP = {"mcpServers": {"files": {"command": "npx", "args": ["-y", "server-files", "/tmp"]}}}


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[CommandRunner]:
    loop = LoopThread("dialog-test-loop")
    loop.start()
    yield CommandRunner(loop)
    loop.stop()


def _dialog(qtbot: QtBot, runner: CommandRunner, settings: Settings) -> SettingsDialog:
    rows = [ToolInfo(s.name, s.description, s.risk, s.policy, s.policy, s.source) for s in default_specs()]
    dialog = SettingsDialog(settings, runner, tools=rows)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def _table(d: SettingsDialog) -> list[list[str]]:
    t = d.tools.table
    return [
        [t.item(r, c).text() for c in range(3)] + [d.tools.policy_box(t.item(r, 0).text()).currentText()]
        for r in range(t.rowCount())
    ]


def test_the_tab_lists_every_tool_with_its_risk_and_policy(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings(tool_policies=("clock_now=deny", "files_read=allow")))
    assert d.tabs.tabText(d.tabs.indexOf(d.tools)) == "Tools"
    assert _table(d) == [
        ["echo_text", "builtin", "changes things", "Ask"],
        ["clock_now", "builtin", "reads", "Deny"],  # the saved choice wins over the default
        ["files_read", "not running", "—", "Allow"],  # a saved choice of a server that is off
    ]


def test_an_untouched_tab_changes_nothing(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings(tool_policies=("clock_now=allow",)))
    assert d.changed_fields() == frozenset()


def test_a_policy_edit_is_saved_and_persisted(
    qtbot: QtBot, runner: CommandRunner, _private_config: Path
) -> None:
    d = _dialog(qtbot, runner, Settings(tool_policies=("files_read=allow",)))
    box = d.tools.policy_box("echo_text")
    box.setCurrentIndex(box.findData("deny"))
    assert d.changed_fields() == frozenset({"tool_policies"})
    d.save_button.click()
    result = d.result_settings()
    assert result.tool_policies == ("echo_text=deny", "files_read=allow")
    save_settings(result)
    assert load_settings().tool_policies == ("echo_text=deny", "files_read=allow")
    reopened = _dialog(qtbot, runner, load_settings())
    assert reopened.tools.policy("echo_text") is Policy.DENY


def test_the_timeout_and_the_tools_switch_round_trip(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings())
    d.tools.timeout.setValue(45)
    d.tools.enabled.setChecked(False)
    d.save_button.click()
    result = d.result_settings()
    assert (result.tool_consent_timeout_s, result.tools_enabled) == (45.0, False)
    assert (d.tools.grounding is not None) == (GROUNDING_FIELD in Settings.__dataclass_fields__)


def test_mcp_servers_json_is_checked_as_typed_and_on_save(qtbot: QtBot, runner: CommandRunner) -> None:
    d = _dialog(qtbot, runner, Settings())
    d.tools.mcp.setPlainText('{"mcpServers": {"files": {"args": []}}}')  # neither command nor url
    broken = d.tools.mcp_status.text()
    assert "files" in broken and broken
    d.save_button.click()
    assert d.result() != SettingsDialog.DialogCode.Accepted and d.error.isVisible()
    d.tools.mcp.setPlainText(json.dumps(MCP))  # pasted as other MCP clients write it
    assert d.tools.mcp_status.text().startswith("1 server: files")
    d.save_button.click()
    assert "files" in d.result_settings().mcp_servers
    assert "mcp_servers" in changed_fields(Settings(), d.result_settings())
