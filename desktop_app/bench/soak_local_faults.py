"""Device and storage faults for the strict soak (:mod:`desktop_app.bench.resilience_soak`), on the real
devices and filesystem of this machine: the audio service on a private pair of PulseAudio null sinks
(:class:`tests.support.pulse_rig.PulseRig`), the vision service on a synthetic camera that can die, and a
history writer on a 64 KiB tmpfs (:mod:`desktop_app.bench.soak_storage`; mounting needs root:
:attr:`LocalFaults.storage` says whether it could).

Kinds (:data:`LOCAL_KINDS`) and what each measures; every clock starts at the injection (perf_counter):

- ``microphone_unplugged`` / ``speaker_unplugged``: ``pactl unload-module`` of the chosen device's sink.
  *detected* = the service's first audio notice; *recovered* = the fallback device handled its first
  block (both timed by a task started with the fault, so the turn going on does not delay them);
  *lost* = neither: the turn spoken while the microphone was gone was neither heard by the fallback
  microphone (its stream delivers blocks to the app) nor was the user told. What the fallback hears is
  not checked against the speech (a null sink's monitor carries silence); that it runs is. Then the sink
  is loaded back; *returned* = the chosen device handles blocks again; *duplicated* = the chosen device
  ends up with more than one of our streams (audio played or captured twice).
- ``camera_died``: the live camera's next read fails (a :class:`MediaError`, as a pulled USB camera).
  *detected* = the ``video_lost`` notice; *recovered* = vision is off and the audio devices were not
  reopened; *lost* = no notice; *duplicated* = more than one video notice. A new camera is started after.
- ``history_full`` / ``history_readonly``: see :mod:`desktop_app.bench.soak_storage`.

Call everything on one event loop; the ``pactl``/``mount`` calls block it for a few ms, as a fault would.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

from desktop_app.audio import devices
from desktop_app.audio.factory import AudioIO
from desktop_app.bench.audio_flow import devices_flow
from desktop_app.bench.soak_storage import STORAGE_KINDS, HistoryDisk, LocalOutcome, mount_disk, unmount_disk
from desktop_app.config import Settings
from desktop_app.core.errors import MediaError
from desktop_app.core.events import ErrorEvent, Event, MicAudio
from desktop_app.core.media_events import VideoState, VideoStatus
from desktop_app.services.audio import AudioService, open_real_audio
from desktop_app.services.bus import Bus
from desktop_app.services.vision import VisionService
from desktop_app.video.source import VideoSource
from desktop_app.video.synthetic import SyntheticGrabber
from tests.support.pulse_rig import PulseRig, ensure_daemon

__all__ = ["DEVICE_KINDS", "LOCAL_KINDS", "STORAGE_KINDS", "LocalFaults", "LocalOutcome", "local_faults"]

DEVICE_KINDS = ("microphone_unplugged", "speaker_unplugged", "camera_died")
LOCAL_KINDS = DEVICE_KINDS + STORAGE_KINDS
WAIT_S = 20.0


class DyingGrabber(SyntheticGrabber):
    """The test pattern at 10 fps (a small frame) until :meth:`die`: then every read fails."""

    def __init__(self) -> None:
        super().__init__(320, 240, 10.0)
        self.dead = False

    @property
    def label(self) -> str:
        return "camera 0"

    def die(self) -> None:
        self.dead = True

    def grab(self) -> npt.NDArray[np.uint8]:
        if self.dead:
            raise MediaError("camera 0 was disconnected.")
        return super().grab()


async def _drop_frame(_jpeg: bytes) -> None:
    pass


async def _ignore(_block: MicAudio) -> None:
    pass


class LocalFaults:
    """The devices, camera and history of one soak. Use :func:`local_faults`; per fault call
    :meth:`inject`, then ``await`` :meth:`measure` (it also puts the device, disk or camera back)."""

    def __init__(self, rig: PulseRig, disk: Path | None) -> None:
        self.rig = rig
        self.disk = disk
        self.storage = disk is not None
        self.history: HistoryDisk | None = None
        self.mic, self.spk = f"{rig.prefix}_mic", f"{rig.prefix}_spk"
        self.modules = {"mic": rig.load_sink(self.mic), "spk": rig.load_sink(self.spk)}
        self.events: list[tuple[float, Event]] = []
        bus = Bus(lambda event: self.events.append((time.perf_counter(), event)))
        settings = Settings(input_device=f"{self.mic}.monitor", output_device=self.spk)
        self.audio = AudioService(settings, bus, open_real_audio, _ignore)
        self.vision = VisionService(Settings(), bus, _drop_frame, previews=False)
        self.camera = DyingGrabber()
        self._measuring: asyncio.Task[LocalOutcome] | None = None

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.audio.start()
        assert await _flows(self.audio.audio, speaker=True, microphone=True), "the chosen devices do not run"
        await self._start_camera()
        if self.disk is not None:
            self.history = HistoryDisk(self.disk)

    async def stop(self) -> None:
        if self.history is not None:
            self.history.close()
        await self.vision.stop()
        await self.audio.stop()

    async def _start_camera(self) -> None:
        self.camera = DyingGrabber()
        mark = len(self.events)
        self.vision.start_source(VideoSource(self.camera))
        await self._wait(lambda: self._since(mark, _live))

    def turn(self, k: int) -> None:
        """The turn's lines in the history (the soak calls it after each reply)."""
        if self.history is not None:
            self.history.turn(k)

    def lines(self) -> int:
        """Whole lines in the current history file (what a storage fault must not damage)."""
        return self.history.lines() if self.history is not None else 0

    # --- faults ------------------------------------------------------------------------------------

    def inject(self, kind: str) -> float:
        """Inject ``kind`` now (on the loop: a device or camera fault starts its measurement as a task);
        returns when its clock starts (perf_counter)."""
        at, mark, opened = _now(), len(self.events), self.audio.openings
        if kind == "microphone_unplugged":
            self.rig.unload(self.modules["mic"])
        elif kind == "speaker_unplugged":
            self.rig.unload(self.modules["spk"])
        elif kind == "camera_died":
            self.camera.die()
        elif kind in STORAGE_KINDS and self.history is not None:
            return self.history.inject(kind)
        else:
            raise ValueError(f"not a local fault: {kind}")
        measure = self._camera(at, mark) if kind == "camera_died" else self._device(kind, at, mark, opened)
        self._measuring = asyncio.get_running_loop().create_task(measure, name=f"soak-{kind}")
        return at

    async def measure(self, kind: str, at: float, lines_before: int) -> LocalOutcome:
        """The outcome of ``kind`` injected at ``at`` (waits for it); things are put back after."""
        if kind in STORAGE_KINDS:
            assert self.history is not None
            return self.history.measure(kind, at, lines_before)
        task, self._measuring = self._measuring, None
        assert task is not None, "measure() without inject()"
        return await task

    async def _device(self, kind: str, at: float, mark: int, opened: int) -> LocalOutcome:
        """detect: the first audio notice; recover: the fallback's first block (from the fault)."""
        mic = kind == "microphone_unplugged"
        out = LocalOutcome()
        with contextlib.suppress(TimeoutError):
            audio = await self.audio.wait_opened(opened + 1, WAIT_S)
            while not await _flows(audio, speaker=not mic, microphone=mic):
                audio = await self.audio.wait_opened(self.audio.openings + 1, WAIT_S)
            out.recover_ms = (_now() - at) * 1000
        told = self._since(mark, lambda e: isinstance(e, ErrorEvent) and e.code.startswith("audio"))
        if told:
            out.detect_ms = (told[0] - at) * 1000
        out.lost = out.recover_ms is None and not told
        name, key = (self.mic, "mic") if mic else (self.spk, "spk")
        back = _now()
        self.modules[key] = self.rig.load_sink(name)
        with contextlib.suppress(TimeoutError):
            audio = await self.audio.wait_opened(self.audio.openings + 1, WAIT_S)
            while (
                audio is None or audio.fallbacks or not await _flows(audio, speaker=not mic, microphone=mic)
            ):
                audio = await self.audio.wait_opened(self.audio.openings + 1, WAIT_S)
            out.return_ms = (_now() - back) * 1000
        out.duplicated = self.rig.streams_on(f"{name}.monitor" if mic else name) > 1
        return out

    async def _camera(self, at: float, mark: int) -> LocalOutcome:
        """detect: the ``video_lost`` notice; recover: vision off (the pump gone), audio not reopened."""
        out = LocalOutcome()
        opened = self.audio.openings
        if await self._wait(lambda: self._since(mark, _video_lost)):
            out.detect_ms = (self._since(mark, _video_lost)[0] - at) * 1000
        if await self._wait(lambda: self.vision.pump is None) and self.audio.openings == opened:
            out.recover_ms = (_now() - at) * 1000
        await self._wait(lambda: False, 0.3)  # a second notice would come right after the first
        notices = self._since(mark, lambda e: isinstance(e, ErrorEvent) and e.code.startswith("video"))
        out.lost = not notices
        out.duplicated = len(notices) > 1
        await self._start_camera()
        return out

    # --- helpers -----------------------------------------------------------------------------------

    def _since(self, mark: int, want: Callable[[Event], bool]) -> list[float]:
        return [t for t, e in self.events[mark:] if want(e)]

    @staticmethod
    async def _wait(done: Callable[[], object], timeout: float = WAIT_S) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)  # polling state that other tasks change; nothing to await
        return True


def _now() -> float:
    return time.perf_counter()


def _live(event: Event) -> bool:
    return isinstance(event, VideoStatus) and event.state is VideoState.LIVE


def _video_lost(event: Event) -> bool:
    return isinstance(event, ErrorEvent) and event.code == "video_lost"


async def _flows(audio: AudioIO | None, *, speaker: bool, microphone: bool) -> bool:
    return await devices_flow(audio, speaker=speaker, microphone=microphone, timeout_s=WAIT_S)


@asynccontextmanager
async def local_faults(prefix: str, *, storage: bool = True) -> AsyncIterator[LocalFaults]:
    """The devices (``prefix``'s null sinks), the camera and, with ``storage`` and if a tmpfs can be
    mounted here, the history disk; torn down on exit."""
    ensure_daemon()
    devices.rescan()
    rig = PulseRig(prefix)
    with tempfile.TemporaryDirectory(prefix="gld-soak-") as tmp:
        disk = mount_disk(Path(tmp) / "history") if storage else None
        faults = LocalFaults(rig, disk)
        try:
            await faults.start()
            yield faults
        finally:
            await faults.stop()
            rig.teardown()
            if disk is not None:
                unmount_disk(disk)
