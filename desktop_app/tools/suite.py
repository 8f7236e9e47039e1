"""Everything the tools need for one program run, built from the settings: the tool service's one object.

::

    suite = ToolSuite.from_settings(settings, send, publish, consent=broker, supports_scheduling=flag,
                                    save_policies=lambda entries: <persist tool_policies=entries>)
    await suite.start()                    # loop thread: runtime ready, MCP servers starting
    suite.declarations()                   # for each new session's setup (empty when tools are off)
    suite.runtime.supports_scheduling = …  # when a session opens on another model
    suite.runtime.on_event(event)          # every session event
    await suite.stop()                     # at exit: calls cancelled, timers and MCP servers stopped

``send`` is the live session's send port (answers, screenshots and timer notes go through it); ``publish``
gets :class:`ToolActivity`, :class:`ToolsChanged` and the MCP notices. Ports left None use the fallbacks of
:mod:`.ports` and :mod:`.builtin_screen`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop_app.config import Settings
from desktop_app.core.events import ToolsChanged
from desktop_app.runtime.tasks import TaskSupervisor
from desktop_app.tools.builtin_screen import ScreenCapture, ScreenshotPort
from desktop_app.tools.builtins import builtin_tools
from desktop_app.tools.consent import ConsentBroker
from desktop_app.tools.mcp_config import parse_mcp_servers
from desktop_app.tools.mcp_servers import McpServers
from desktop_app.tools.policy import PolicyBook
from desktop_app.tools.ports import BrowserPort, ClipboardPort, NotifierPort, SystemNotifier
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.runtime import Publish, Send, ToolRuntime
from desktop_app.tools.spec import ToolDeclaration
from desktop_app.tools.timers import TimerService

__all__ = ["ToolSuite"]


class ToolSuite:
    """The registry, runtime, timers and MCP servers of one run. Use from the loop thread."""

    def __init__(
        self,
        runtime: ToolRuntime,
        timers: TimerService,
        servers: McpServers,
        screenshots: ScreenshotPort,
        *,
        enabled: bool = True,
    ) -> None:
        self.runtime = runtime
        self.registry = runtime.registry
        self.timers = timers
        self.servers = servers
        self.screenshots = screenshots
        self.enabled = enabled

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        send: Send,
        publish: Publish,
        *,
        consent: ConsentBroker,
        supports_scheduling: bool,
        save_policies: Callable[[tuple[str, ...]], None] | None = None,
        supervisor: TaskSupervisor | None = None,
        clipboard: ClipboardPort | None = None,
        browser: BrowserPort | None = None,
        screenshots: ScreenshotPort | None = None,
        notifier: NotifierPort | None = None,
        history_dir: Path | None = None,
    ) -> ToolSuite:
        """Build (no I/O) from ``settings``: built-ins, the saved policies and the configured MCP servers."""
        registry = ToolRegistry(on_change=lambda names: publish(ToolsChanged(names)))
        timers = TimerService(notifier or SystemNotifier(), send, supervisor=supervisor)
        shots = screenshots or ScreenCapture.for_settings(
            settings.video_masks, settings.video_max_side, settings.video_jpeg_quality
        )
        for spec in builtin_tools(
            send,
            timers,
            clipboard=clipboard,
            browser=browser,
            screenshots=shots,
            history_dir=history_dir,
        ):
            registry.add(spec)
        runtime = ToolRuntime(
            registry,
            consent,
            send,
            publish,
            supports_scheduling=supports_scheduling,
            policies=PolicyBook.from_entries(settings.tool_policies, on_change=save_policies),
            supervisor=supervisor,
            consent_timeout_s=settings.tool_consent_timeout_s,
        )
        servers = McpServers(
            parse_mcp_servers(settings.mcp_servers), registry, publish, supervisor=supervisor
        )
        return cls(runtime, timers, servers, shots, enabled=settings.tools_enabled)

    async def start(self) -> None:
        await self.runtime.start()
        if self.enabled:
            await self.servers.start()

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.timers.stop()
        await self.servers.stop()

    def declarations(self) -> list[ToolDeclaration]:
        """What a new session declares: nothing when tools are off, else every tool not denied."""
        return self.runtime.declarations() if self.enabled else []
