"""A stand-in for a sounddevice stream behind the ``stream_factory`` seam: the test drives the callback."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np


class FakeStream:
    instances: ClassVar[list[FakeStream]] = []

    def __init__(self, *, fail_rates: tuple[int, ...] = (), fail_start: bool = False, **kwargs: Any) -> None:
        if kwargs["samplerate"] in fail_rates:
            raise ValueError("Invalid sample rate [PaErrorCode -9997]")
        self.kwargs = kwargs
        self.samplerate: int = kwargs["samplerate"]
        self.channels: int = kwargs["channels"]
        self.blocksize: int = kwargs["blocksize"]
        self.callback = kwargs["callback"]
        self.finished_callback = kwargs["finished_callback"]
        self.latency = 0.01
        self.fail_start = fail_start
        self.started = self.closed = False
        FakeStream.instances.append(self)

    def start(self) -> None:
        if self.fail_start:
            raise RuntimeError("Device unavailable [PaErrorCode -9985]")
        self.started = True

    def abort(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True

    # --- test helpers: run a callback on another thread, as PortAudio does ---

    def run_on_thread(self, fn: Any) -> None:
        t = threading.Thread(target=fn)
        t.start()
        t.join()

    def capture(self, block: np.ndarray, now: float, adc_delay: float = 0.02, overflow: bool = False) -> None:
        info = SimpleNamespace(currentTime=now, inputBufferAdcTime=now - adc_delay, outputBufferDacTime=0.0)
        status = SimpleNamespace(input_overflow=overflow, output_underflow=False)
        data = block.reshape(-1, 1).astype(np.float32)
        self.run_on_thread(lambda: self.callback(data, len(data), info, status))

    def render(self, now: float = 1.0, dac_delay: float = 0.03, underflow: bool = False) -> np.ndarray:
        out = np.full((self.blocksize, self.channels), 9.0, dtype=np.float32)
        info = SimpleNamespace(currentTime=now, inputBufferAdcTime=0.0, outputBufferDacTime=now + dac_delay)
        status = SimpleNamespace(input_overflow=False, output_underflow=underflow)
        self.run_on_thread(lambda: self.callback(out, self.blocksize, info, status))
        return out[:, 0].copy()

    def fail(self) -> None:
        """The device went away: PortAudio ends the stream and calls finished_callback."""
        self.run_on_thread(self.finished_callback)
