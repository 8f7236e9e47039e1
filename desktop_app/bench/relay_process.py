"""The relays the relay benchmarks measure, each in its own process on the fast in-memory backend.

* ``ours``: :class:`~desktop_app.relay.RelayServer` as shipped (default limits: the per-connection rate
  limiter is on);
* ``ours_unlimited``: the same with the rate limiter off, only for the capacity flood (one client sends far
  more than the limiter lets through, by design);
* ``tutorial``: the tutorial's handler shape (``websockets.serve``, the first message as the setup, ``print``
  of every message to a devnull stream) with the SAME compression as ours (:data:`SAME_COMPRESSION`): the
  tutorial leaves websockets' permessage-deflate on, which would compare compression, not relays;
* ``floor``: a bare echo server (what the harness itself costs), same compression.

The backend is :class:`~desktop_app.live.fake_session.FakeConnector` with ``echo_audio``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import TextIO

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from desktop_app.bench.processes import proc_cpu_seconds
from desktop_app.core.commands import UserAudio, UserImage
from desktop_app.core.events import ModelAudio
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.options import SessionOptions
from desktop_app.relay import RelayConfig, RelayServer
from desktop_app.relay.protocol_values import ProtocolLimits

__all__ = ["KINDS", "SAME_COMPRESSION", "RelayProcess"]

KINDS = ("ours", "ours_unlimited", "tutorial", "floor")
SAME_COMPRESSION: str | None = None
"""What :class:`~desktop_app.relay.RelayServer` ships with (``relay/server.py``: no permessage-deflate);
every relay here uses it."""


# --- the baseline: the tutorial's relay shape --------------------------------------------------------


async def _tutorial_handler(ws: ServerConnection, connector: FakeConnector, out: TextIO) -> None:
    """The tutorial's ``gemini_session_handler``, on the same backend seam (its prints go to ``out``)."""
    try:
        config_message = await ws.recv()
        config_data = json.loads(config_message)
        config = config_data.get("setup", {})
        async with connector.connect(SessionOptions()) as session:
            print("Connected to Gemini API", config, file=out)

            async def send_to_gemini() -> None:
                try:
                    async for message in ws:
                        try:
                            data = json.loads(message)
                            if "realtime_input" in data:
                                for chunk in data["realtime_input"]["media_chunks"]:
                                    if chunk["mime_type"].startswith("audio/pcm"):
                                        await session.send(UserAudio(base64.b64decode(chunk["data"])))
                                    elif chunk["mime_type"] == "image/jpeg":
                                        await session.send(UserImage(base64.b64decode(chunk["data"])))
                        except Exception as e:
                            print(f"Error sending to Gemini: {e}", file=out)
                    print("Client connection closed (send)", file=out)
                except Exception as e:
                    print(f"Error sending to Gemini: {e}", file=out)
                finally:
                    print("send_to_gemini closed", file=out)

            async def receive_from_gemini() -> None:
                try:
                    print("receiving from gemini", file=out)
                    async for response in session.events():
                        print(f"response: {response}", file=out)
                        if isinstance(response, ModelAudio):
                            print("audio mime_type:", response.fmt.mime_type, file=out)
                            base64_audio = base64.b64encode(response.pcm).decode("utf-8")
                            await ws.send(json.dumps({"audio": base64_audio}))
                            print("audio received", file=out)
                except ConnectionClosed:
                    print("client connection closed (receive)", file=out)
                except Exception as e:
                    print(f"Error receiving from Gemini: {e}", file=out)
                finally:
                    print("Gemini connection closed (receive)", file=out)

            send_task = asyncio.create_task(send_to_gemini())
            receive_task = asyncio.create_task(receive_from_gemini())
            await send_task
            receive_task.cancel()  # the tutorial gathers both and leaks the receive loop; stop it here
            with contextlib.suppress(asyncio.CancelledError):
                await receive_task
    except Exception as e:
        print(f"Error in Gemini session: {e}", file=out)
    finally:
        print("Gemini session closed.", file=out)


# --- the relay process --------------------------------------------------------------------------------


def _serve_relay(kind: str, cpu: int | None, max_clients: int, pipe: Connection) -> None:
    """Child process: run one relay on ``cpu`` until told to stop; report the port, then nothing."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})

    devnull = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    async def main() -> None:
        connector = FakeConnector(echo_audio=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_reader(pipe.fileno(), stop.set)
        if kind == "floor":  # a bare echo server: what the harness itself costs

            async def echo(ws: ServerConnection) -> None:
                await ws.recv()  # the setup
                async for message in ws:
                    data = json.loads(message)["realtime_input"]["media_chunks"][0]["data"]
                    await ws.send('{"audio":"' + data + '"}')

            async with serve(echo, "127.0.0.1", 0, compression=SAME_COMPRESSION) as bare:
                pipe.send(int(bare.sockets[0].getsockname()[1]))
                await stop.wait()
        elif kind in ("ours", "ours_unlimited"):
            # The flood sends ~2,500 messages/s per client: the per-client rate limit would answer most of
            # them with a cheap "rate_limited" error, so the capacity flood runs it off; all else as shipped.
            limits = ProtocolLimits(rate_per_s=0) if kind == "ours_unlimited" else ProtocolLimits()
            config = RelayConfig(port=0, max_clients=max_clients, limits=limits)
            async with RelayServer(connector, SessionOptions(), config) as relay:
                pipe.send(relay.port)
                await stop.wait()
        else:

            async def handler(ws: ServerConnection) -> None:
                await _tutorial_handler(ws, connector, devnull)

            async with serve(handler, "127.0.0.1", 0, compression=SAME_COMPRESSION) as server:
                pipe.send(int(server.sockets[0].getsockname()[1]))
                await stop.wait()

    asyncio.run(main())


class RelayProcess:
    """One relay (``kind``: one of :data:`KINDS`) in its own process pinned to ``cpu``; use it as a context
    manager, then connect to ``port``."""

    def __init__(self, kind: str, cpu: int | None, max_clients: int) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown relay kind {kind!r}")
        context = multiprocessing.get_context("spawn")
        self._parent, child = context.Pipe()
        self._process = context.Process(
            target=_serve_relay, args=(kind, cpu, max_clients, child), daemon=True
        )

    def __enter__(self) -> RelayProcess:
        self._process.start()
        if not self._parent.poll(30):
            raise RuntimeError("the relay process did not start")
        self.port = int(self._parent.recv())
        return self

    def __exit__(self, *_exc: object) -> None:
        with contextlib.suppress(OSError):
            self._parent.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the relay process so far (Linux /proc)."""
        assert self._process.pid is not None
        try:
            return proc_cpu_seconds(self._process.pid)
        except OSError:
            return None
