"""The vision service: one camera or screen at a time, pumped into the current session.

:func:`build_vision_pump` is the one place a :class:`~desktop_app.video.VisionPump` is built from settings.
The pump runs supervised with the STOP policy (a pump runs once): if it fails, the failure is reported,
vision is switched off and the owner is told (``on_change``), so the window never shows a camera that is
no longer sent.

A source that was live and then ends or dies (a camera unplugged, a stream cut, a file played out) is the
same for the user: one notice (code ``video_lost``) saying vision is off and audio goes on, vision switched
off, ``on_change`` called. Audio is not touched. A source that never came up stays as it is, so that the
window can offer to retry it.

Nothing is switched on without the user: the camera the settings name is the one the Camera button opens,
not a camera that is on. A new choice replaces a camera that is on and leaves vision off otherwise. Only
with ``open_at_start`` (headless modes, "Start listening at launch") does :meth:`VisionService.start` open
it. Stopping a screen share returns to the camera that was on before it, not to nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.config import Section, Settings, changed_sections
from desktop_app.core.errors import AppError
from desktop_app.core.events import ErrorEvent, Event, VoiceActivity
from desktop_app.core.media_events import PreviewFrame, VideoState, VideoStatus
from desktop_app.runtime.tasks import Policy, Supervised, TaskFailure, stop_task
from desktop_app.services.bus import Bus, ServiceBase
from desktop_app.video import VideoSource, VisionPump
from desktop_app.video.from_settings import encoder_from, pacing_from
from desktop_app.video.pump import FrameSender
from desktop_app.video.source import open_screen_source, open_video_source

__all__ = ["VisionService", "build_vision_pump"]


def build_vision_pump(
    source: VideoSource,
    send: FrameSender,
    settings: Settings,
    on_event: Callable[[Event], None],
    *,
    on_preview: Callable[[PreviewFrame], None] | None = None,
    paused: bool = False,
) -> VisionPump:
    """A pump (not yet running) for ``source`` at the rate, size and quality ``settings`` ask for."""
    return VisionPump(
        source,
        send,
        pacing=pacing_from(settings),
        encoder=encoder_from(settings, source.label),
        on_event=on_event,
        on_preview=on_preview,
        paused=paused,
        end_with_source=False,
    )


class VisionService(ServiceBase):
    """Call on the loop thread.

    Args:
        send: sends one JPEG to the current session (raise to drop the frame).
        previews: publish every preview frame (the window shows them; headless modes do not).
        on_change: called when the service switched vision off by itself (a failed pump).
        open_at_start: :meth:`start` opens the camera the settings name (False: the window starting idle).
    """

    sections = frozenset({Section.VIDEO, Section.VIDEO_SOURCE})

    def __init__(
        self,
        settings: Settings,
        bus: Bus,
        send: FrameSender,
        *,
        previews: bool = True,
        on_change: Callable[[], None] = lambda: None,
        open_at_start: bool = True,
    ) -> None:
        super().__init__(settings, bus)
        self._send = send
        self._previews = previews
        self.on_change = on_change
        self.open_at_start = open_at_start
        self.pump: VisionPump | None = None
        self._task: Supervised | None = None
        self.camera: str | None = None
        self.screen: str | None = None
        self.screen_label = ""
        """What is shared while :attr:`screen` is set (the source's label: ``screen 1``, ``window …``)."""
        self._camera_before_share: str | None = None
        self.paused = False

    async def start(self) -> None:
        """Open the camera the settings name, if any and if ``open_at_start``."""
        if self._settings.video_source and self.open_at_start:
            await self.set_camera(self._settings.video_source)

    async def stop(self) -> None:
        """Stop the pump and release the source. Safe to call twice."""
        if self.pump is not None:
            pump, task = self.pump, self._task
            self.pump = self._task = None
            await pump.stop()
            await stop_task(task)

    async def apply_settings(self, settings: Settings) -> None:
        """Reconfigure the running pump; a new camera choice replaces a camera that is on (a screen share
        or vision off stays as it is: choosing a camera does not switch it on)."""
        old, self._settings = self._settings, settings
        changed = changed_sections(old, settings)
        if Section.VIDEO in changed and self.pump is not None:
            self.pump.apply_settings(settings)
        if Section.VIDEO_SOURCE in changed:
            if self.camera is not None:
                await self.set_camera(settings.video_source)
            elif self._camera_before_share is not None:
                self._camera_before_share = settings.video_source  # the camera a share returns to

    # --- commands -----------------------------------------------------------------------------------

    async def set_camera(self, spec: str | None) -> None:
        """Camera index, file or URL; None turns vision off. A source that cannot open is a notice."""
        await self.stop()
        self.camera, self.screen, self.screen_label = spec, None, ""
        self._camera_before_share = None
        if spec:
            try:
                source = open_video_source(spec)
            except AppError as err:
                self.camera = None
                self._bus.notice(str(err), "video")
            else:
                self.start_source(source)

    async def set_screen(self, monitor: str | None) -> None:
        """``"1"``, ``"L,T,WxH"``, ``"window:ID"`` (``""``: the first monitor); None stops sharing and
        turns back on the camera that was on before the share (if any)."""
        if monitor is None:
            before = self._camera_before_share if self.screen is not None else None
            await self._end_share()
            if before is not None:
                await self.set_camera(before)
            return
        before = self.camera if self.camera is not None else self._camera_before_share
        await self._end_share()
        self.screen, self.camera, self._camera_before_share = monitor, None, before
        try:
            source = open_screen_source(monitor or None)
        except AppError as err:
            self.screen, self._camera_before_share = None, None
            self._bus.notice(str(err), "video")
            if before is not None:
                await self.set_camera(before)
        else:
            self.screen_label = source.label
            self.start_source(source)

    async def _end_share(self) -> None:
        await self.stop()
        self.screen, self.camera, self.screen_label = None, None, ""
        self._camera_before_share = None

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if self.pump is not None:
            if paused:
                self.pump.pause()
            else:
                self.pump.resume()

    def retry(self) -> None:
        if self.pump is not None:
            self.pump.retry()

    def on_session_event(self, event: Event) -> None:
        """Speech-aware pacing: tell the pump when the user speaks (a tap on the session's events)."""
        if isinstance(event, VoiceActivity) and self.pump is not None:
            self.pump.set_user_speaking(event.speaking)

    def start_source(self, source: VideoSource) -> None:
        """Pump an unstarted ``source`` (the headless slice opens its own from the flags). Stop first."""
        lost: list[str] = []  # set once the live source ended or died
        went_live = False

        def on_event(event: Event) -> None:
            nonlocal went_live
            if lost and isinstance(event, ErrorEvent) and event.code == "video_unavailable":
                return  # said once, as video_lost
            self._bus.publish(event)
            if not isinstance(event, VideoStatus) or lost:
                return
            if event.state is VideoState.LIVE:
                went_live = True
            elif went_live and event.state in (VideoState.UNAVAILABLE, VideoState.ENDED):
                lost.append(event.message)
                self._lost(pump, event)

        pump = build_vision_pump(
            source,
            self._send,
            self._settings,
            on_event,
            on_preview=self._bus.publish if self._previews else None,
            paused=self.paused,
        )
        self.pump = pump
        self._task = self._bus.supervisor.spawn(
            "vision-pump", pump.run, policy=Policy.STOP, on_stopped=lambda f: self._failed(pump, f)
        )

    def _lost(self, pump: VisionPump, status: VideoStatus) -> None:
        """The live source ended or died: say so, then switch vision off (off the pump's own call)."""
        what = "ended" if status.state is VideoState.ENDED else "stopped working"
        reason = f" ({status.message.rstrip('.')})" if status.message else ""
        label = status.source[:1].upper() + status.source[1:]
        self._bus.notice(f"{label} {what}{reason}. Vision is off; audio goes on.", "video_lost")
        self._bus.supervisor.spawn("vision-off", lambda: self._switch_off(pump), policy=Policy.STOP)

    async def _switch_off(self, pump: VisionPump) -> None:
        if self.pump is not pump:
            return
        await self.stop()
        self.camera = self.screen = self._camera_before_share = None
        self.screen_label = ""
        self.on_change()

    def _failed(self, pump: VisionPump, _failure: TaskFailure) -> None:
        if self.pump is not pump:
            return
        self.pump = self._task = None
        self.camera = self.screen = self._camera_before_share = None
        self.screen_label = ""
        self.on_change()
