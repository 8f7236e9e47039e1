"""Integration fixtures: the real emulator on loopback TLS and a real google-genai connector pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector

pytestmark = pytest.mark.integration


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(pace=0.0)) as emu:
        yield emu


@pytest.fixture
def connector(emulator: Emulator) -> GenaiConnector:
    return GenaiConnector(Backend("emulator", "test-key", emulator.base_url, emulator.client_ssl_context()))
