"""The strict soak's device part, once each (its smoke mode): a microphone and a speaker unplugged and
plugged back, and a camera that dies, each measured as the soak measures it (nothing lost, nothing
duplicated, detected, recovered, and the chosen device used again); and the storage faults, where a tmpfs
can be mounted."""

from __future__ import annotations

import os

import pytest

from desktop_app.bench.soak_local_faults import DEVICE_KINDS, STORAGE_KINDS, local_faults

pytestmark = [pytest.mark.devices, pytest.mark.timeout(120)]


async def test_each_device_fault_of_the_soak_is_detected_recovered_and_loses_nothing(
    pulse_daemon: None,
) -> None:
    async with local_faults(f"glds{os.getpid()}", storage=False) as faults:
        for kind in DEVICE_KINDS:
            at = faults.inject(kind)
            out = await faults.measure(kind, at, faults.lines())
            assert out.detect_ms is not None and out.recover_ms is not None, (kind, out)
            assert not out.lost and not out.duplicated, (kind, out)
            if kind != "camera_died":
                assert out.return_ms is not None, (kind, out)


@pytest.mark.allow_warnings("desktop_app.history", "Session history cannot be written")
async def test_each_storage_fault_of_the_soak_is_one_notice_and_damages_nothing(pulse_daemon: None) -> None:
    async with local_faults(f"glds{os.getpid()}", storage=True) as faults:
        if not faults.storage:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        for kind in STORAGE_KINDS:
            faults.turn(1)
            lines = faults.lines()
            at = faults.inject(kind)
            out = await faults.measure(kind, at, lines)
            assert out.detect_ms is not None and out.recover_ms is not None, (kind, out)
            assert not out.lost and not out.duplicated, (kind, out)
            assert faults.lines() == 1, "a new session file is open after the fault"
