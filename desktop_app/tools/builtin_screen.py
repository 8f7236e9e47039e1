"""The ``take_screenshot`` tool: one screenshot now, sent to the model as an image.

It answers "look at my screen" without continuous sharing. The image goes out through the session's ``send``
port as a :class:`~desktop_app.core.commands.UserImage` before the call is answered; the capture itself uses
the project's screen grabber and frame encoder (masks and downscaling as for screen sharing) on a worker
thread, never on the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from desktop_app.core.commands import Command, UserImage
from desktop_app.core.errors import AppError
from desktop_app.core.masks import masks_for
from desktop_app.tools.spec import NO_ARGS, Policy, Risk, ToolError, ToolSpec
from desktop_app.video.encode import EncodedFrame, EncoderConfig, FrameEncoder
from desktop_app.video.screen import ScreenGrabber
from desktop_app.video.spec import ScreenSpec

__all__ = ["ScreenCapture", "ScreenshotPort", "screenshot_tool"]


class ScreenshotPort(Protocol):
    async def capture(self) -> EncodedFrame:
        """One encoded screenshot; raise ToolError when the screen cannot be captured."""
        ...


class ScreenCapture:
    """Captures ``spec`` once per call with :class:`ScreenGrabber` and encodes it with ``encoder``.

    Pass the encoder screen sharing would use (:meth:`for_settings`), so the user's privacy masks for this
    screen apply to the screenshot too.
    """

    @classmethod
    def for_settings(
        cls, masks: tuple[str, ...], max_side: int, quality: int, spec: ScreenSpec | None = None
    ) -> ScreenCapture:
        """A capture of ``spec`` (monitor 1) with the saved ``video_masks`` for it, size and quality."""
        spec = spec or ScreenSpec()
        config = EncoderConfig(max_side, quality, masks_for(masks, spec.label))
        return cls(spec, FrameEncoder(config))

    def __init__(
        self, spec: ScreenSpec | None = None, encoder: FrameEncoder | None = None, display: str | None = None
    ) -> None:
        self._spec = spec or ScreenSpec()
        self.encoder = encoder or FrameEncoder()
        self._display = display

    def _grab(self) -> EncodedFrame:
        grabber = ScreenGrabber(self._spec, display=self._display)
        try:
            grabber.open()
            return self.encoder.encode(grabber.grab())
        finally:
            grabber.close()

    async def capture(self) -> EncodedFrame:
        try:
            return await asyncio.to_thread(self._grab)
        except AppError as exc:
            raise ToolError(f"The screen cannot be captured: {exc}") from None


def screenshot_tool(capture: ScreenshotPort, send: Callable[[Command], Awaitable[None]]) -> ToolSpec:
    """``take_screenshot`` (asks, and it reaches outside the machine: the image goes to the model)."""

    async def handler(args: dict[str, Any]) -> Any:
        frame = await capture.capture()
        await send(UserImage(frame.jpeg, "image/jpeg"))
        return {
            "sent": "a screenshot of the user's screen, as an image in the conversation",
            "width": frame.width,
            "height": frame.height,
        }

    return ToolSpec(
        "take_screenshot",
        "Take one screenshot of the user's screen now and look at it (it arrives as an image).",
        handler,
        NO_ARGS,
        risk=Risk.REACHES_OUT,
        policy=Policy.ASK,
        timeout_s=15.0,
    )
