"""Signal measurements shared by the device tests."""

from __future__ import annotations

import asyncio

from tests.support.pulse_rig import Recorder
from tests.support.signals import best_lag_correlation, db, envelope, peak_hz

__all__ = ["best_lag_correlation", "db", "envelope", "peak_hz", "record_more", "wait_until_loud"]


async def record_more(rec: Recorder, seconds: float, timeout: float = 20.0) -> None:
    """Wait until the recorder has ``seconds`` more audio than now (a condition, not a sleep)."""
    await asyncio.to_thread(rec.wait_frames, rec.frames + int(seconds * rec.rate), timeout)


async def wait_until_loud(rec: Recorder, threshold_db: float = -30.0, timeout: float = 20.0) -> None:
    """Wait until the newest 10 ms of the recording are louder than ``threshold_db``."""
    async with asyncio.timeout(timeout):
        while True:
            await record_more(rec, 0.01)
            tail = rec.samples()[-rec.rate // 100 :]
            if db(tail) > threshold_db:
                return
