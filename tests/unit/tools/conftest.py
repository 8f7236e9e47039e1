"""The tool tests share the video tests' private Xvfb display (for the screenshot tool)."""

from tests.unit.video.conftest import xvfb_display

__all__ = ["xvfb_display"]
