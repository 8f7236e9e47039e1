"""The settings dialog's Tools page: every tool with its risk and policy, the MCP servers, the switches.

The table lists the tools the window knows (the controller's ``tool_specs()``: built-ins and the MCP servers'
tools) and the saved choices of tools not running now (an MCP server that is off), each with a policy box:
allow, ask or deny. Choices are saved as the ``tool_policies`` setting through the normal save: a tool keeps
an entry when it had one or when its choice differs from its default, so an untouched tool follows its
default and a saved choice is never dropped. The MCP servers box takes the ``mcpServers`` JSON other MCP
clients use, pasted as it is; it is checked as the user types (the same check the settings run on Save).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_app.controller_api import (
    Policy,
    Settings,
    ToolInfo,
    format_policy_entries,
    parse_mcp_servers,
    parse_policy_entries,
)
from desktop_app.core.errors import ConfigError
from desktop_app.ui.settings_fields import SettingsPage, combo, select
from desktop_app.ui.theme import COLORS

__all__ = ["GROUNDING_FIELD", "ToolsPage"]

GROUNDING_FIELD = "google_search"
"""The Settings field of the Google Search grounding switch; its row shows only when Settings has it."""

_RISK = {"reads": "reads", "changes": "changes things", "reaches_out": "reaches out"}
_MCP_HINT = '{"mcpServers": {"files": {"command": "npx", "args": ["-y", "server-files", "/tmp"]}}}'


@dataclasses.dataclass(frozen=True, slots=True)
class _Row:
    name: str
    source: str
    risk: str
    default: Policy | None  # None: a saved choice for a tool not running now


class ToolsPage(SettingsPage):
    """See the module docstring. ``specs`` are the tools of this run (empty before the app has started)."""

    def __init__(self, specs: Sequence[ToolInfo] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._specs = tuple(specs)
        self._saved: dict[str, Policy] = {}
        self._rows: list[_Row] = []
        self.enabled = self.field("", "tools_enabled", QCheckBox("Let Gemini use tools"))
        self.timeout = self.field("Consent timeout", "tool_consent_timeout_s", QDoubleSpinBox())
        self.timeout.setRange(5.0, 600.0)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(" s")
        self.explain("A consent card nobody answers within this time counts as Deny; Gemini is told so.")
        self.grounding: QCheckBox | None = None
        if GROUNDING_FIELD in {f.name for f in dataclasses.fields(Settings)}:
            self.grounding = self.field("", GROUNDING_FIELD, QCheckBox("Ground answers with Google Search"))
            self.explain("Replies then show the web sources they used, as links under the reply.")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Tool", "From", "Risk", "Policy"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):  # the policy boxes whole, not cut by a default row or column size
            self.table.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName("Tools and their policies")
        self.table.setMinimumHeight(150)
        self.form.addRow(self.table)
        self.empty_note = self.explain("")
        self.mcp = self.field("MCP servers", "mcp_servers", QPlainTextEdit())
        self.mcp.setPlaceholderText(_MCP_HINT)
        self.mcp.setTabChangesFocus(True)
        self.mcp.setAccessibleName("MCP servers (mcpServers JSON)")
        self.mcp.setMinimumHeight(90)
        self.mcp_status = QLabel("")
        self.mcp_status.setWordWrap(True)
        self.form.addRow("", self.mcp_status)
        self.mcp.textChanged.connect(self._check_mcp)

    # --- values --------------------------------------------------------------------------------------

    def load(self, s: Settings) -> None:
        super().load(s)
        try:
            self._saved = parse_policy_entries(s.tool_policies)
        except ConfigError:  # (the settings were validated when built: this cannot happen)
            self._saved = {}
        rows = [_Row(t.name, t.source, _RISK.get(str(t.risk), str(t.risk)), t.default) for t in self._specs]
        known = {t.name for t in self._specs}
        rows += [_Row(name, "not running", "—", None) for name in sorted(self._saved) if name not in known]
        self._rows = rows
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            for column, text in enumerate((row.name, row.source, row.risk)):
                self.table.setItem(number, column, QTableWidgetItem(text))
            box = combo(("Allow", "allow"), ("Ask", "ask"), ("Deny", "deny"))  # Qt keeps plain strings
            box.setAccessibleName(f"Policy for {row.name}")
            chosen = self._saved.get(row.name, row.default)
            select(box, chosen.value if chosen is not None else None)
            box.currentIndexChanged.connect(self.edited)
            self.table.setCellWidget(number, 3, box)
        self.empty_note.setText(
            "No tools are listed yet: they appear once the app has started."
            if not self._specs
            else "Allow runs at once, Ask shows a consent card, Deny never offers the tool to Gemini."
        )
        self._check_mcp()

    def policy_box(self, name: str) -> QComboBox:
        """The policy box of the tool called ``name`` (KeyError when it is not listed)."""
        for number, row in enumerate(self._rows):
            if row.name == name:
                box = self.table.cellWidget(number, 3)
                assert isinstance(box, QComboBox)
                return box
        raise KeyError(name)

    def policy(self, name: str) -> Policy:
        """The policy chosen for the tool called ``name``."""
        return Policy(self.policy_box(name).currentData())

    def values(self) -> dict[str, Any]:
        policies = dict(self._saved)
        for row in self._rows:
            chosen = self.policy(row.name)
            if row.name in self._saved or chosen is not row.default:
                policies[row.name] = chosen
        return super().values() | {"tool_policies": format_policy_entries(policies)}

    def _check_mcp(self) -> None:
        try:
            servers = parse_mcp_servers(self.mcp.toPlainText())
        except ConfigError as err:
            self.mcp_status.setText(str(err))
            self.mcp_status.setStyleSheet(f"color: {COLORS['bad']};")
            return
        names = ", ".join(s.name for s in servers)
        plural = "s" if len(servers) != 1 else ""
        self.mcp_status.setText(
            f"{len(servers)} server{plural}: {names}; each server's tools ask first."
            if servers
            else "Paste the mcpServers JSON of another MCP client (stdio command or streamable HTTP URL)."
        )
        self.mcp_status.setStyleSheet(f"color: {COLORS['muted']};")
