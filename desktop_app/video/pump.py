"""The vision pump: takes frames from a source at the model's pace, encodes them off the loop, sends them.

Wiring (all on the loop thread)::

    source = open_video_source(args.video)          # or open_screen_source(args.screen)
    pump = VisionPump(source, lambda jpeg: session.send(UserImage(jpeg)), on_event=publish)
    task = asyncio.create_task(pump.run(), name="vision-pump")
    ...
    pump.set_user_speaking(True)   # from VoiceActivity / local VAD, if speech-aware pacing is on
    pump.apply_settings(settings)  # after a change in the settings' video section: pace, size, masks
    pump.set_masks(masks)          # or just new privacy masks: the next frame encoded has them
    pump.pause(); pump.resume()    # the window's "pause vision" switch (audio is unaffected)
    await pump.settle()            # after pause(): returns once no frame is being encoded or sent
    pump.retry()                   # after a VideoStatus(UNAVAILABLE): reopen the camera
    await pump.stop()              # or cancel the task; either way the source is released

``send`` is any ``async (jpeg: bytes) -> None``: pass ``lambda jpeg: session.send(UserImage(jpeg))``, or a
function that forwards to whichever session is current, so the pump can outlive reconnects. If it raises,
that frame is dropped (not counted) and the pump goes on; the session's own error path reports the failure.

What the pump publishes:

- ``on_event``: :class:`VideoStatus` on every state change and pause/resume, an
  :class:`~desktop_app.core.events.ErrorEvent` (code ``video_unavailable``) when the source becomes
  unavailable, and :class:`FrameSent` after each frame the session accepted.
- ``on_preview`` and the :attr:`VisionPump.preview` channel: a :class:`PreviewFrame` for every captured frame
  the loop sees (the source's own rate; skipped frames are simply not seen). :attr:`VisionPump.mirror` holds
  the newest :class:`FrameSent`. Callbacks run on the loop thread and must not block.

Threads: capture on the source's thread (latest-frame slot), masking/resize/JPEG on the pump's own single
worker thread, sending on the loop. The loop only wakes to publish and to await the send, so audio sends
on the same loop are never stuck behind an encode.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.errors import AppError
from desktop_app.core.events import ErrorEvent, Event
from desktop_app.core.masks import MaskRect
from desktop_app.core.media_events import FrameSent, PreviewFrame, VideoState, VideoStatus
from desktop_app.runtime.thread_names import name_os_thread
from desktop_app.video.channel import LatestValue
from desktop_app.video.encode import EncodedFrame, EncoderConfig, FrameEncoder
from desktop_app.video.from_settings import VideoSettings, encoder_from, pacing_from
from desktop_app.video.pacing import FramePacer, PacingConfig
from desktop_app.video.slot import CapturedFrame, LoopWaker, SourceStatus
from desktop_app.video.source import VideoSource

__all__ = ["MODEL_HEADROOM", "PREVIEW_FPS", "EventSink", "FrameSender", "PumpState", "VisionPump"]

log = logging.getLogger(__name__)

PREVIEW_FPS = 15.0
"""Previews a second while the window has the focus: smooth in a preview pane, and half the decoding of a
30 fps camera. See :meth:`VisionPump.set_preview_fps`."""
MODEL_HEADROOM = 2.0
"""Frames kept per frame sent at the fastest pace, when no preview asks for more."""

FrameSender = Callable[[bytes], Awaitable[None]]
"""Sends one JPEG to the model, e.g. a ``LiveSession.send`` of a ``UserImage``."""

EventSink = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class PumpState:
    """What :meth:`VisionPump.state` reports.

    * ``status``: the last :class:`VideoStatus` published; ``paused``: whether sending is paused now
      (the status follows on the pump's next turn).
    * ``frames_sent``: frames the session accepted; ``send_failures``: frames encoded but not accepted.
    * ``pacing``: the current pace; ``source_label``: ``camera 0``, ``screen 1``… (the key its privacy
      masks are stored under).
    """

    status: VideoStatus
    paused: bool
    frames_sent: int
    send_failures: int
    pacing: PacingConfig
    source_label: str


class VisionPump:
    """Runs one :class:`VideoSource` into a live session. Use from the loop thread only.

    Args:
        source: an unstarted source; the pump starts it in :meth:`run` and closes it when run ends.
        send: ``async (jpeg) -> None``, e.g. ``lambda jpeg: session.send(UserImage(jpeg))``.
        pacing: frames per second to the model (and speech-aware rates).
        encoder: an :class:`EncoderConfig` or a ready :class:`FrameEncoder` (size, quality, masks).
        on_event: receives :class:`VideoStatus`, :class:`FrameSent` and ``ErrorEvent``.
        on_preview: receives every :class:`PreviewFrame` the loop sees.
        paused: start with vision paused (preview runs, nothing is sent).
        end_with_source: return from :meth:`run` when a file source ends (else wait for :meth:`retry`).
    """

    def __init__(
        self,
        source: VideoSource,
        send: FrameSender,
        *,
        pacing: PacingConfig | None = None,
        encoder: FrameEncoder | EncoderConfig | None = None,
        on_event: EventSink | None = None,
        on_preview: Callable[[PreviewFrame], None] | None = None,
        clock: Clock | None = None,
        paused: bool = False,
        end_with_source: bool = True,
    ) -> None:
        self._source = source
        self._send = send
        self._clock = clock or MonotonicClock()
        self._pacer = FramePacer(pacing or PacingConfig(), self._clock)
        self._preview_fps = PREVIEW_FPS
        self._apply_capture_rate()
        self._encoder = encoder if isinstance(encoder, FrameEncoder) else FrameEncoder(encoder)
        self._on_event = on_event
        self._on_preview = on_preview
        self._paused = paused
        self._end_with_source = end_with_source
        self._waker: LoopWaker | None = None
        self._stopping = False
        self._started = False
        self._done = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._count = 0
        self._failures = 0
        self._status = VideoStatus(VideoState.STARTING, source.label, paused=paused)
        self.preview: LatestValue[PreviewFrame] = LatestValue()
        """The newest preview frame; ``async for f in pump.preview.subscribe()`` follows it."""
        self.mirror: LatestValue[FrameSent] = LatestValue()
        """The newest frame sent ("what Gemini sees")."""

    def state(self) -> PumpState:
        """A snapshot of what the pump reports now; take a new one to see later changes."""
        pacing, label = self._pacer.config, self._source.label
        return PumpState(self._status, self._paused, self._count, self._failures, pacing, label)

    # --- commands (loop thread) ----------------------------------------------------------------------

    def pause(self) -> None:
        """Stop sending frames (the preview goes on). A frame being encoded now is dropped, not sent."""
        self._paused = True
        self._poke()

    def resume(self) -> None:
        """Send frames again; the first goes as soon as the pace allows."""
        self._paused = False
        self._poke()

    def set_user_speaking(self, speaking: bool) -> None:
        """Feed speech activity; with speech-aware pacing it switches between the two rates at once."""
        self._pacer.set_user_speaking(speaking)
        self._poke()

    def set_pacing(self, pacing: PacingConfig) -> None:
        self._pacer.reconfigure(pacing)
        self._apply_capture_rate()
        self._poke()

    def set_preview_fps(self, fps: float) -> None:
        """Show previews at most ``fps`` a second (0: nobody looks). The window asks for
        :data:`PREVIEW_FPS` while it has the focus, less when it has not, none when hidden. The source
        then decodes no more than that, or :data:`MODEL_HEADROOM` frames per frame sent at the fastest
        pace, whichever is more, so a frame sent to the model is always fresh."""
        self._preview_fps = max(0.0, fps)
        self._apply_capture_rate()

    def _apply_capture_rate(self) -> None:
        pacing = self._pacer.config
        fastest = max(pacing.rate(True), pacing.rate(False))
        cap = max(self._preview_fps, MODEL_HEADROOM * fastest)
        set_max_fps = getattr(self._source, "set_max_fps", None)  # a source that cannot, decodes everything
        if set_max_fps is not None:
            set_max_fps(cap)

    def set_encoder(self, encoder: FrameEncoder | EncoderConfig) -> None:
        """Change size limit, quality or privacy masks; applies from the next frame encoded. A frame being
        encoded now with other masks is dropped, not sent."""
        self._encoder = encoder if isinstance(encoder, FrameEncoder) else FrameEncoder(encoder)

    def set_masks(self, masks: Sequence[MaskRect]) -> None:
        """Blur these regions (fractions of the frame) from the next frame on; the source keeps running."""
        self.set_encoder(self._encoder.config.with_masks(masks))

    def apply_settings(self, settings: VideoSettings) -> None:
        """Follow the settings' video section: pace (and speech-aware pacing), size, quality, and the masks
        stored for this pump's source. Call it whenever that section changed; nothing restarts."""
        self.set_pacing(pacing_from(settings))
        self.set_encoder(encoder_from(settings, self._source.label))

    def retry(self) -> None:
        """Reopen the source after it became unavailable (or a file ended, with ``end_with_source`` off)."""
        self._source.retry()

    async def settle(self) -> None:
        """Wait until no frame is being encoded or sent. After ``pause(); await settle()`` nothing more
        leaves until :meth:`resume` (a frame already handed to the session may finish before that)."""
        await self._idle.wait()

    async def stop(self) -> None:
        """End :meth:`run` and wait until the source is released. Safe to call at any time, twice."""
        self._stopping = True
        self._poke()
        if self._started:
            await self._done.wait()

    # --- the loop ------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Pump until :meth:`stop`, cancellation, or the end of a file source. Never raises for a missing
        or lost device: that is published as a state, and the pump waits for :meth:`retry`."""
        if self._started:
            raise RuntimeError("VisionPump.run() can be called only once.")
        self._started = True
        loop = asyncio.get_running_loop()
        self._waker = waker = LoopWaker(loop)
        executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="video-encode",
            initializer=name_os_thread,
            initargs=("video-encode",),
        )
        last_shown: tuple[SourceStatus, bool] | None = None
        preview_seq = sent_seq = 0
        final = SourceStatus(VideoState.STOPPED)
        # STARTING goes out first even when the source opens before the loop looks at it (a file, or a
        # busy machine), so subscribers always see the same sequence.
        self._emit(self._status)
        try:
            self._source.start(waker.wake)
            while not self._stopping:
                status = self._source.status()
                shown = (status, self._paused)
                if shown != last_shown:
                    became_unavailable = status.state is VideoState.UNAVAILABLE and (
                        last_shown is None or last_shown[0] != status
                    )
                    last_shown = shown
                    self._publish_status(status.state, status.message, became_unavailable)
                if status.state is VideoState.ENDED and self._end_with_source:
                    final = status
                    break
                frame = self._source.latest()
                if frame is not None and frame.seq != preview_seq:
                    preview_seq = frame.seq
                    self._publish_preview(frame)
                timeout: float | None = None
                sendable = status.state is VideoState.LIVE and not self._paused
                if sendable and frame is not None and frame.seq > sent_seq:
                    timeout = self._pacer.due_in()
                    if timeout <= 0:
                        self._pacer.mark_sent()
                        sent_seq = frame.seq
                        self._idle.clear()
                        try:
                            await self._encode_and_send(loop, executor, frame)
                        finally:
                            self._idle.set()
                        continue
                await waker.wait(timeout)
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
            closing = asyncio.ensure_future(asyncio.to_thread(self._source.close))
            try:
                await asyncio.shield(closing)
            finally:
                last = VideoStatus(final.state, self._source.label, final.message, self._paused)
                if last != self._status:
                    self._status = last
                    self._emit(last)
                self.preview.close()
                self.mirror.close()
                self._done.set()

    async def _encode_and_send(
        self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor, frame: CapturedFrame
    ) -> None:
        encoder = self._encoder
        try:
            encoded: EncodedFrame = await loop.run_in_executor(executor, encoder.encode, frame.image)
        except AppError as exc:
            log.info("frame %d not sent: %s", frame.seq, exc)
            return
        except Exception:  # an OpenCV error on one odd frame must not end vision
            log.exception("frame %d could not be encoded", frame.seq)
            return
        if self._paused or self._stopping:
            return  # paused while encoding: this frame must not leave the machine
        if self._encoder.config.masks != encoder.config.masks:
            log.info("frame %d not sent: the privacy masks changed while it was encoded", frame.seq)
            return
        try:
            await self._send(encoded.jpeg)
        except AppError as exc:
            self._failures += 1
            log.info("frame %d not sent: %s", frame.seq, exc)
            return
        except Exception:
            self._failures += 1
            log.exception("frame %d not sent: unexpected error from the session", frame.seq)
            return
        self._count += 1
        sent = FrameSent(
            jpeg=encoded.jpeg,
            width=encoded.width,
            height=encoded.height,
            nbytes=len(encoded.jpeg),
            count=self._count,
            source_width=frame.width,
            source_height=frame.height,
            captured_at=frame.captured_at,
            sent_at=self._clock.now(),
        )
        self.mirror.publish(sent)
        self._emit(sent)

    # --- publishing ----------------------------------------------------------------------------------

    def _publish_status(self, state: VideoState, message: str, became_unavailable: bool) -> None:
        status = VideoStatus(state, self._source.label, message, self._paused)
        if status != self._status:  # the source's own STARTING repeats the one run() announced
            self._status = status
            self._emit(status)
        if became_unavailable:
            text = message or f"{self._source.label} is unavailable. Vision is off; audio goes on."
            self._emit(ErrorEvent(text, code="video_unavailable", retryable=True))

    def _publish_preview(self, frame: CapturedFrame) -> None:
        preview = PreviewFrame(frame.image, frame.width, frame.height, frame.seq, frame.captured_at)
        self.preview.publish(preview)
        if self._on_preview is not None:
            try:
                self._on_preview(preview)
            except Exception:
                log.exception("preview subscriber failed")

    def _emit(self, event: Event) -> None:
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("video event subscriber failed on %s", type(event).__name__)

    def _poke(self) -> None:
        if self._waker is not None:
            self._waker.wake_local()
