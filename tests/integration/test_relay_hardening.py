"""Hardening the relay: property tests of its codec and state machine, random frames at the real server over a
real socket (they must never raise out of the handler, leak a task or disturb another client), and a bounded
load test in which every browser message is accounted for: forwarded and answered, or rejected with a reason.

The relay under test is ``desktop_app.relay`` as written (nothing here changes it), in front of the
emulator through the real SDK.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from desktop_app.core.audio_format import MIC_FORMAT, float_to_pcm16
from desktop_app.core.commands import UserText
from desktop_app.core.errors import (
    ConnectionLostError,
    InvalidRequestError,
    ServerError,
    SessionNotFoundError,
)
from desktop_app.core.events import (
    GoAway,
    Interrupted,
    ModelAudio,
    ModelText,
    ResumptionUpdate,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
    UsageUpdate,
)
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectGaveUpError
from desktop_app.relay import RelayConfig, RelayServer
from desktop_app.relay.codec import decode_frame
from desktop_app.relay.messages import BrowserSetup, ProtocolError, RealtimeInput
from desktop_app.relay.protocol import RelayProtocol
from desktop_app.relay.protocol_values import Close, Forward, OpenSession, ProtocolLimits, Reply
from desktop_app.runtime.loop_thread import LoopThread
from tests.integration.relay_client import AUDIO_SETUP, WAIT, open_client, recv_json

pytestmark = pytest.mark.integration

T = TypeVar("T")
REPLY_KEYS = frozenset(
    {
        "setup_complete",
        "session",
        "error",
        "text",
        "audio",
        "turn_complete",
        "interrupted",
        "input_transcription",
        "output_transcription",
    }
)
MAX_FRAME = 64 * 1024


# --- strategies: what a careless or hostile page might send ---------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=16),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
payloads = st.one_of(
    st.binary(max_size=640).map(lambda data: base64.b64encode(data).decode()),
    st.binary(max_size=64).map(lambda data: base64.urlsafe_b64encode(data).decode().rstrip("=")),
    st.text(max_size=24),
    st.just(""),
    json_values,
)
mime_types = st.sampled_from(
    ["audio/pcm", "audio/pcm;rate=16000", "audio/pcm;rate=48000", "audio/pcm;rate=1", "image/jpeg",
     "image/png", "audio/wav", "video/mp4", "", "AUDIO/PCM"]
) | st.text(max_size=12)  # fmt: skip
chunks = st.fixed_dictionaries(
    {}, optional={"mime_type": mime_types | json_values, "mimeType": mime_types, "data": payloads}
)
realtime_bodies = st.fixed_dictionaries(
    {},
    optional={
        "media_chunks": st.lists(chunks, max_size=3) | json_values,
        "mediaChunks": st.lists(chunks, max_size=2),
        "audio_stream_end": st.booleans() | json_values,
        "audio": json_values,
    },
)
setup_bodies = st.fixed_dictionaries(
    {},
    optional={
        "generation_config": st.fixed_dictionaries(
            {},
            optional={
                "response_modalities": st.lists(
                    st.sampled_from(["AUDIO", "TEXT", "audio", "VIDEO"]), max_size=3
                )
                | json_values,
                "speech_config": json_values,
                "temperature": json_values,
            },
        )
        | json_values,
        "system_instruction": st.text(max_size=40) | json_values,
        "speech_config": json_values,
        "model": st.text(max_size=20),
        "tools": json_values,
        "input_audio_transcription": json_values,
    },
)
messages = st.one_of(
    st.builds(lambda body: {"setup": body}, setup_bodies | json_values),
    st.builds(lambda body: {"realtime_input": body}, realtime_bodies | json_values),
    st.builds(lambda body: {"realtimeInput": body}, realtime_bodies),
    st.builds(
        lambda body: {"client_content": body},
        st.fixed_dictionaries({}, optional={"text": st.text(max_size=30) | json_values}) | json_values,
    ),
    st.dictionaries(st.text(max_size=15), json_values, max_size=3),
    json_values,
)


class Oversize:
    """A frame beyond the relay's size limit (made when sent, so failing examples print short)."""

    def __repr__(self) -> str:
        return "Oversize()"

    def frame(self) -> str:
        return json.dumps({"client_content": {"text": "x" * (MAX_FRAME + 10)}})


Frame = str | bytes | Oversize


def wire(frame: Frame) -> str | bytes:
    return frame.frame() if isinstance(frame, Oversize) else frame


small_frames: st.SearchStrategy[Frame] = st.one_of(
    messages.map(json.dumps),
    st.text(max_size=120),
    st.binary(max_size=120),
)
frames = small_frames | st.just(Oversize())


# --- the codec and the state machine, without I/O -------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(frames)
def test_the_codec_never_raises_and_keeps_errors_short(frame: Frame) -> None:
    result = decode_frame(wire(frame))
    assert isinstance(result, BrowserSetup | RealtimeInput | UserText | ProtocolError)
    problems = [result] if isinstance(result, ProtocolError) else []
    if isinstance(result, RealtimeInput):
        problems += list(result.problems)
    for problem in problems:
        assert problem.message and len(problem.message) <= 400  # never echoes large client data back


live_events = st.one_of(
    st.binary(max_size=64).map(ModelAudio),
    st.builds(Transcript, st.sampled_from(list(Role)), st.text(max_size=20), st.booleans()),
    st.text(max_size=20).map(ModelText),
    st.just(Interrupted()),
    st.just(TurnComplete()),
    st.builds(GoAway, st.none() | st.floats(0, 60)),
    st.builds(ResumptionUpdate, st.none() | st.text(max_size=8), st.booleans()),
    st.just(UsageUpdate(1, 2, 3)),
    st.builds(SessionState, st.sampled_from(list(SessionPhase)), st.text(max_size=20)),
)
failures = st.sampled_from(
    [
        ConnectionLostError("lost", code=1006),
        ServerError("internal", code=1011),
        InvalidRequestError("invalid", code=1007),
        SessionNotFoundError("not found", code=1008),
        ReconnectGaveUpError(5, ServerError("internal", code=1011)),
    ]
)
steps = st.lists(
    st.one_of(
        frames.map(lambda f: ("frame", wire(f))),
        live_events.map(lambda e: ("event", e)),
        failures.map(lambda e: ("failure", e)),
        st.just(("opened", None)),
        st.just(("ended", None)),
        st.floats(0, 5).map(lambda dt: ("time", dt)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_the_state_machine_never_raises_and_only_says_what_the_protocol_allows(
    script: list[tuple[str, Any]],
) -> None:
    protocol = RelayProtocol(
        SessionOptions(), limits=ProtocolLimits(max_errors=6, rate_per_s=2, rate_burst=4)
    )
    closed = False
    opened = False
    now = 0.0
    for kind, value in script:
        if kind == "time":
            now += value
            continue
        if kind == "frame":
            actions = protocol.receive(value, now)
        elif kind == "event":
            actions = protocol.live_event(value)
        elif kind == "failure":
            actions = protocol.live_failed(value)
        elif kind == "opened":
            actions = protocol.session_opened()
        else:
            actions = protocol.live_ended()
        if closed:
            assert not [a for a in actions if isinstance(a, Forward | OpenSession)]
        for action in actions:
            if isinstance(action, Reply):
                reply = json.loads(action.frame)
                assert isinstance(reply, dict) and len(reply) == 1 and set(reply) <= REPLY_KEYS
                if "error" in reply:
                    assert isinstance(reply["error"]["code"], str) and reply["error"]["message"]
            elif isinstance(action, Close):
                assert action.code in (1000, 1008, 1011, 1013) and len(action.reason.encode()) <= 123
                closed = True
            elif isinstance(action, OpenSession):
                assert not opened, "a session is opened once per connection"
                opened = True
            elif isinstance(action, Forward):
                assert opened, "nothing is forwarded before a valid setup"


# --- the server over a real socket ----------------------------------------------------------------


@dataclass
class Stack:
    """The emulator and the relay on their own loop thread, shared by the examples of one test."""

    thread: LoopThread
    emulator: Emulator
    relay: RelayServer
    witness: ClientConnection
    baseline_tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = WAIT) -> T:
        return self.thread.submit(coro).result(timeout)


async def ask(ws: ClientConnection, text: str) -> str:
    """Send a typed turn and return the model's transcription of the reply."""
    await ws.send(json.dumps({"client_content": {"text": text}}))
    said = ""
    while True:
        message = await recv_json(ws)
        said += message.get("output_transcription", "")
        if message.get("turn_complete"):
            return said


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    thread = LoopThread("relay-hardening")
    thread.start()

    async def start() -> Stack:
        emulator = Emulator(EmulatorConfig(pace=0.0))
        await emulator.start()
        connector = GenaiConnector(Backend("emulator", "k", emulator.base_url, emulator.client_ssl_context()))
        config = RelayConfig(
            port=0, max_message_bytes=MAX_FRAME, limits=ProtocolLimits(max_errors=8), setup_timeout_s=10.0
        )
        relay = RelayServer(connector, SessionOptions(), config)
        await relay.start()
        witness = await open_client(relay, max_size=None)
        assert "warm-up" in await ask(witness, "warm-up")
        result = Stack(thread, emulator, relay, witness)
        result.baseline_tasks = set(asyncio.all_tasks())
        return result

    built = thread.submit(start()).result(WAIT)
    yield built

    async def stop() -> None:
        await built.witness.close()
        await built.relay.stop()
        await built.emulator.stop()

    built.run(stop())
    thread.stop()


async def throw_frames(stack: Stack, with_setup: bool, batch: list[Frame]) -> tuple[list[Any], int | None]:
    """Open a client, send the frames, then a marker whose answer follows every earlier answer (the relay
    answers in order); close; return every reply and the close code if the relay closed first."""
    ws = await connect(stack.relay.ws_url, max_size=None)
    replies: list[Any] = []
    marker = f"marker-{id(batch):x}"
    marked = asyncio.Event()

    async def read() -> None:
        try:
            async for raw in ws:
                reply = json.loads(raw) if isinstance(raw, str) else raw
                replies.append(reply)
                if isinstance(reply, dict) and marker in json.dumps(reply.get("error", "")):
                    marked.set()
        except ConnectionClosed:
            pass
        finally:
            marked.set()

    reader = asyncio.create_task(read())
    try:
        if with_setup:
            await ws.send(json.dumps(AUDIO_SETUP))
        for frame in batch:
            await ws.send(wire(frame))
        await ws.send(json.dumps({marker: 1}))  # answered "Unknown message kind 'marker-…'"
    except ConnectionClosed:
        pass
    await asyncio.wait_for(marked.wait(), WAIT)
    code = None
    if not reader.done():
        await ws.close()
    await asyncio.wait_for(reader, WAIT)
    received = ws.protocol.close_rcvd
    if received is not None and ws.protocol.close_rcvd_then_sent:  # the relay closed first
        code = received.code
    return [r for r in replies if not (isinstance(r, dict) and marker in json.dumps(r))], code


async def settle(stack: Stack) -> list[str]:
    """Wait for the relay to finish with every client but the witness; return the tasks that outlive it."""
    await asyncio.wait_for(stack.relay.wait_for_clients(1), WAIT)
    current = asyncio.current_task()
    extra = {t for t in asyncio.all_tasks() if t is not current and t not in stack.baseline_tasks}
    if extra:
        await asyncio.wait(extra, timeout=WAIT)
    return [t.get_name() for t in extra if not t.done()]


@settings(
    max_examples=int(os.environ.get("GLD_RELAY_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(with_setup=st.booleans(), batch=st.lists(small_frames, min_size=1, max_size=10))
def test_random_frames_over_a_real_socket_never_hurt_the_relay(
    stack: Stack, with_setup: bool, batch: list[Frame]
) -> None:
    """(Frames beyond the size limit are covered by the relay's own server tests: they close with 1009.)"""
    replies, code = stack.run(throw_frames(stack, with_setup, batch))
    for reply in replies:
        assert isinstance(reply, dict) and len(reply) == 1 and set(reply) <= REPLY_KEYS, reply
        if "error" in reply:
            assert isinstance(reply["error"]["code"], str) and reply["error"]["message"]
    # closed by the relay only for the protocol's reasons: too many errors or no setup (1008), too big (1009)
    assert code in (None, 1000, 1008, 1009), (code, replies[-3:])
    assert stack.run(settle(stack)) == [], "tasks outlived their connection"
    assert "still here" in stack.run(ask(stack.witness, "still here")), "the other client was disturbed"
    assert stack.relay.client_count == 1


# --- bounded load: every message accounted for ------------------------------------------------------


def _speech(seconds: float) -> bytes:
    rate = MIC_FORMAT.rate
    t = np.arange(int(seconds * rate)) / rate
    return float_to_pcm16(0.4 * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * 220 * t))


BAD_MESSAGES = {
    "bad_json": "{not json",
    "unknown_mime": json.dumps(
        {"realtime_input": {"media_chunks": [{"mime_type": "audio/ogg", "data": "AAAA"}]}}
    ),
    "wrong_type": json.dumps({"client_content": {"text": 42}}),
    "binary_frame": b"\x00\x01",
}


@dataclass
class LoadClient:
    ws: ClientConnection
    sent: Counter[str] = field(default_factory=Counter)  # audio, utterances, frames, bad:<code>
    got: Counter[str] = field(default_factory=Counter)  # turn_complete, audio, error:<code>, ...
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                [(key, value)] = message.items()
                self.got[f"error:{value['code']}" if key == "error" else key] += 1
                self.changed.set()
        except ConnectionClosed:
            pass

    async def wait(self, done: Any) -> None:
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), WAIT)


async def stream(client: LoadClient, until: float, index: int) -> None:
    """Real-time 20 ms audio: utterances of 0.5 s speech + 0.6 s silence, a bad message every 40 frames."""
    block = MIC_FORMAT.bytes_for_ms(20)
    utterance = _speech(0.5) + bytes(MIC_FORMAT.bytes_for_ms(600))
    kinds = list(BAD_MESSAGES)
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while loop.time() < until:
        for offset in range(0, len(utterance), block):
            chunk = base64.b64encode(utterance[offset : offset + block]).decode()
            await client.ws.send(
                json.dumps({"realtime_input": {"media_chunks": [{"mime_type": "audio/pcm", "data": chunk}]}})
            )
            client.sent["audio"] += 1
            client.sent["frames"] += 1
            if client.sent["frames"] % 40 == index % 40:
                kind = kinds[client.sent["bad"] % len(kinds)]
                await client.ws.send(BAD_MESSAGES[kind])
                client.sent["bad"] += 1
                client.sent[f"bad:{kind}"] += 1
                client.sent["frames"] += 1
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - loop.time()))  # the microphone's pace
        client.sent["utterances"] += 1


async def test_bounded_load_every_message_is_accounted_for() -> None:
    clients_n = int(os.environ.get("GLD_RELAY_LOAD_CLIENTS", "8"))
    seconds = float(os.environ.get("GLD_RELAY_LOAD_SECONDS", "3"))
    async with (
        Emulator(EmulatorConfig(pace=0.0)) as emu,
        RelayServer(
            GenaiConnector(Backend("emulator", "k", emu.base_url, emu.client_ssl_context())),
            SessionOptions(),
            RelayConfig(port=0, max_clients=clients_n),
        ) as relay,
    ):
        clients = [LoadClient(await open_client(relay, max_size=None)) for _ in range(clients_n)]
        readers = [asyncio.create_task(c.read()) for c in clients]
        until = asyncio.get_running_loop().time() + seconds
        started = time.perf_counter()
        await asyncio.gather(*(stream(c, until, i) for i, c in enumerate(clients)))
        for client in clients:  # every utterance answered, every bad message rejected with its reason
            await client.wait(
                lambda c=client: (
                    c.got["turn_complete"] >= c.sent["utterances"]
                    and sum(v for k, v in c.got.items() if k.startswith("error:")) >= c.sent["bad"]
                )
            )
        status = {entry["id"]: entry for entry in relay.status()["clients"]}
        assert len(status) == clients_n
        for client, entry in zip(clients, sorted(status.values(), key=lambda e: e["id"]), strict=True):
            assert client.got["turn_complete"] == client.sent["utterances"] > 0
            for kind in BAD_MESSAGES:
                assert client.got[f"error:{kind}"] == client.sent[f"bad:{kind}"]
            assert entry["messages_in"] == 1 + client.sent["frames"]  # setup + everything after it
            assert entry["audio_chunks_in"] == client.sent["audio"]
            assert entry["errors_sent"] == client.sent["bad"]
            assert entry["reconnects"] == 0 and entry["audio_dropped"] == 0
        total_audio_s = sum(c.sent["audio"] for c in clients) * 0.02
        assert emu.stats.audio_in_s == pytest.approx(total_audio_s, abs=0.05)
        assert emu.stats.turns == sum(c.sent["utterances"] for c in clients)
        # the cap: one more browser is refused with a clear reason while all slots are taken
        refused = await connect(relay.ws_url)
        assert (await recv_json(refused))["error"]["code"] == "too_many_clients"
        with pytest.raises(ConnectionClosed):
            await recv_json(refused)
        assert (refused.close_code, refused.close_reason) == (
            1013,
            f"Too many clients (the limit is {clients_n}).",
        )
        assert all(
            entry["rate_limited"] == 0 for entry in status.values()
        )  # 50 msg/s is well within the limit
        for client in clients:
            await client.ws.close()
        await asyncio.gather(*readers)
        await asyncio.wait_for(relay.wait_for_clients(0), WAIT)
        await emu.wait_until(lambda s: s.active_connections == 0)
    elapsed = time.perf_counter() - started  # logged, not asserted: speed is the benchmarks' business
    logging.getLogger(__name__).info(
        "relay load: %d clients, %.1f s, %d frames",
        clients_n,
        elapsed,
        sum(c.sent["frames"] for c in clients),
    )
