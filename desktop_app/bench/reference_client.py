"""The simple reference Live client of issue 16: what a newcomer writes from Google's Python cookbook.

The real google-genai SDK with its defaults (``genai.Client()``, which reads ``GOOGLE_GEMINI_BASE_URL``,
``SSL_CERT_FILE`` and ``GEMINI_API_KEY``, so :meth:`~desktop_app.bench.emulator_process.EmulatorProcess.env`
points it at the emulator), 64 ms microphone blocks read blocking on a worker thread, every reply chunk
written blocking straight to an 8 ms output stream (no jitter buffer), no echo canceller, no resampling
(16 kHz in, 24 kHz out: the sound server converts). Interruption empties the playback queue, as the
cookbook does. It is the yardstick the benchmarks hold the program against (:mod:`.cpu_scenarios`), not a
product: no reconnect, no error classification.

Run it as a process of its own: ``python -m desktop_app.bench.reference_client --duration 60``. It prints
one summary line on stdout at the end (``reference: sent N blocks; received M chunks; turns T;
dropped D``) and exits 0, or exits 1 with the reason on stderr.

Queues (bounded, as everywhere in this project): the send queue holds 5 blocks (the cookbook's size) and
drops the OLDEST block when the socket falls behind; the playback queue holds 2,000 chunks (minutes of
speech at the emulator's chunk size) and drops the OLDEST chunk when full. Both count their drops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import sounddevice as sd
from google import genai
from google.genai import types

from desktop_app.runtime.thread_names import name_os_thread

__all__ = ["MIC_BLOCK_FRAMES", "OUTPUT_BLOCK_FRAMES", "main", "run_reference"]

MIC_RATE = 16_000
OUTPUT_RATE = 24_000
MIC_BLOCK_FRAMES = 1024  # 64 ms at 16 kHz, the cookbook's CHUNK_SIZE
OUTPUT_BLOCK_FRAMES = 192  # 8 ms at 24 kHz
SEND_QUEUE = 5
PLAY_QUEUE = 2000
MODEL = "gemini-3.8-live"


@dataclass
class _Counts:
    sent: int = 0
    received: int = 0
    turns: int = 0
    dropped: int = 0


def _put_drop_oldest(queue: asyncio.Queue[bytes], item: bytes, counts: _Counts) -> None:
    if queue.full():
        queue.get_nowait()
        counts.dropped += 1
    queue.put_nowait(item)


async def _listen(stream: sd.RawInputStream, out: asyncio.Queue[bytes], counts: _Counts) -> None:
    def read() -> bytes:
        data, _overflowed = stream.read(MIC_BLOCK_FRAMES)
        return bytes(data)

    while True:
        _put_drop_oldest(out, await asyncio.to_thread(read), counts)


async def _send(session: genai.live.AsyncSession, out: asyncio.Queue[bytes], counts: _Counts) -> None:
    while True:
        pcm = await out.get()
        await session.send_realtime_input(audio=types.Blob(data=pcm, mime_type=f"audio/pcm;rate={MIC_RATE}"))
        counts.sent += 1


async def _receive(session: genai.live.AsyncSession, play: asyncio.Queue[bytes], counts: _Counts) -> None:
    while True:  # receive() ends after each turn_complete
        async for response in session.receive():
            content = response.server_content
            if content is not None and content.interrupted:
                while not play.empty():
                    play.get_nowait()
            if response.data:
                counts.received += 1
                _put_drop_oldest(play, response.data, counts)
            if content is not None and content.turn_complete:
                counts.turns += 1


async def _play(stream: sd.RawOutputStream, play: asyncio.Queue[bytes]) -> None:
    while True:
        chunk = await play.get()
        await asyncio.to_thread(stream.write, chunk)


async def run_reference(duration_s: float, model: str = MODEL) -> _Counts:
    """Talk to the Live API (or the emulator the environment names) for ``duration_s`` seconds through the
    default microphone and speaker; returns the counters. Raises what the SDK or PortAudio raise."""
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(4, "ref-io", initializer=name_os_thread, initargs=("ref-io",))
    )
    counts = _Counts()
    client = genai.Client()
    config = types.LiveConnectConfig(response_modalities=[types.Modality.AUDIO])
    mic = sd.RawInputStream(samplerate=MIC_RATE, channels=1, dtype="int16", blocksize=MIC_BLOCK_FRAMES)
    speaker = sd.RawOutputStream(
        samplerate=OUTPUT_RATE, channels=1, dtype="int16", blocksize=OUTPUT_BLOCK_FRAMES, latency="low"
    )
    send_queue: asyncio.Queue[bytes] = asyncio.Queue(SEND_QUEUE)
    play_queue: asyncio.Queue[bytes] = asyncio.Queue(PLAY_QUEUE)
    with mic, speaker:
        async with client.aio.live.connect(model=model, config=config) as session:
            tasks = [
                asyncio.create_task(_listen(mic, send_queue, counts), name="listen"),
                asyncio.create_task(_send(session, send_queue, counts), name="send"),
                asyncio.create_task(_receive(session, play_queue, counts), name="receive"),
                asyncio.create_task(_play(speaker, play_queue), name="play"),
            ]
            try:
                done, _ = await asyncio.wait(tasks, timeout=duration_s, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    task.result()  # a task that failed fails the run
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                # a read or write still blocked on a worker thread must end before its stream closes
                await asyncio.get_running_loop().shutdown_default_executor()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.bench.reference_client", description=__doc__)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds to run (default 60)")
    parser.add_argument("--model", default=MODEL)
    args = parser.parse_args(argv)
    try:
        counts = asyncio.run(run_reference(args.duration, args.model))
    except Exception as exc:  # the bench reads the reason from stderr
        print(f"reference client failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(
        f"reference: sent {counts.sent} blocks; received {counts.received} chunks; turns {counts.turns}; "
        f"dropped {counts.dropped}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
