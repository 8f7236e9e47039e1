"""The relay comparison is fair: every relay speaks the same compression, and ours runs as shipped."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect

from desktop_app.bench.relay_process import KINDS, RelayProcess
from desktop_app.bench.relay_scenarios import AUDIO_SETUP, _frame


async def _extensions_and_errors(port: int, burst: int) -> tuple[str | None, int]:
    """The negotiated extensions (None: none) and how many of ``burst`` messages sent at once were
    answered with an error instead of their echo."""
    async with connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions") if ws.response else None
        await ws.send(AUDIO_SETUP)
        for seq in range(burst):
            await ws.send(_frame(seq))
        errors = 0
        for _ in range(burst):
            errors += '"error"' in str(await ws.recv())
        return extensions, errors


def _run(kind: str, burst: int) -> tuple[str | None, int]:
    with RelayProcess(kind, None, max_clients=4) as relay:
        return asyncio.run(_extensions_and_errors(relay.port, burst))


def test_every_relay_negotiates_the_same_compression_as_ours_ships() -> None:
    assert {kind: _run(kind, 1)[0] for kind in ("ours", "tutorial", "floor")} == dict.fromkeys(
        ("ours", "tutorial", "floor")
    )


def test_ours_runs_with_its_rate_limiter_and_only_the_capacity_flood_turns_it_off() -> None:
    burst = 600  # beyond the limiter's burst of 400
    assert _run("ours", burst)[1] > 0
    assert _run("ours_unlimited", burst)[1] == 0


def test_an_unknown_relay_kind_is_refused() -> None:
    assert "ours" in KINDS
    with pytest.raises(ValueError):
        RelayProcess("nginx", None, max_clients=1)
