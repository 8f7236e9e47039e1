"""The fault proxy itself, against a plain TCP echo server on loopback: each fault does what it says."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from tests.support.fault_proxy import FaultProxy

pytestmark = pytest.mark.integration


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionResetError):  # the reset test resets this side too
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    async with FaultProxy(server.sockets[0].getsockname()[1]) as p:
        yield p
    server.close()
    await server.wait_closed()


async def _client(proxy: FaultProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"hello")
    assert await asyncio.wait_for(reader.readexactly(5), 5) == b"hello"
    return reader, writer


@pytest.mark.parametrize("dark", [{"up": True, "down": True}, {"up": False}, {"down": False}])
async def test_a_blackhole_keeps_the_connection_open_and_forwards_nothing(
    proxy: FaultProxy, dark: dict[str, bool]
) -> None:
    reader, writer = await _client(proxy)
    proxy.blackhole(**dark)
    writer.write(b"lost")
    with pytest.raises(TimeoutError):  # neither an answer nor EOF nor a reset: half-open
        await asyncio.wait_for(reader.read(1), 0.3)
    assert proxy.open_connections == 1 and proxy.stats.blackholed_bytes > 0
    _, fresh = await _client(proxy)  # a new connection goes through
    writer.close()
    fresh.close()


async def test_reset_sends_an_rst(proxy: FaultProxy) -> None:
    reader, _writer = await _client(proxy)
    assert proxy.reset() == 1
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(reader.read(1), 5)


async def test_a_cut_forwards_half_a_chunk_then_ends_the_stream(proxy: FaultProxy) -> None:
    reader, writer = await _client(proxy)
    proxy.cut_mid_frame()
    writer.write(b"0123456789")
    received = await asyncio.wait_for(reader.read(), 5)  # up to EOF
    assert received == b"01234" and proxy.stats.cuts == 1


async def test_latency_delays_and_throttle_slows_but_both_deliver_in_order(proxy: FaultProxy) -> None:
    reader, writer = await _client(proxy)
    proxy.latency(0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    writer.write(b"a")
    assert await asyncio.wait_for(reader.readexactly(1), 5) == b"a"
    assert loop.time() - started >= 0.2  # 0.1 s each way
    proxy.latency(0.0)
    proxy.throttle(10_000)
    payload = bytes(range(256)) * 8
    writer.write(payload)
    assert await asyncio.wait_for(reader.readexactly(len(payload)), 5) == payload
    writer.close()
