"""The relay server over real loopback sockets, with a scripted live connector behind the seam."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from desktop_app.core.commands import UserImage, UserText
from desktop_app.core.errors import AuthError, ConfigError, ConnectionLostError, ServerError
from desktop_app.core.events import (
    ModelAudio,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
)
from desktop_app.core.redaction import Redactor
from desktop_app.live.fake_session import FakeConnector, FakeSession
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectGaveUpError
from desktop_app.relay import RelayConfig, RelayServer, run_relay
from desktop_app.relay.protocol_values import ProtocolLimits

KEY = "AIzaSyRELAYTESTKEY_0123456789abcdefghij"
WAIT = 5.0
TEXT_SETUP = {"setup": {"generation_config": {"response_modalities": ["TEXT"]}}}
AUDIO_SETUP = {"setup": {"generation_config": {"response_modalities": ["AUDIO"]}}}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>relay test</title>")
    (root / "app.js").write_text("export const ok = 1;")
    (tmp_path / "secret.txt").write_text("TOP-SECRET-OUTSIDE")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def connector() -> FakeConnector:
    return FakeConnector()


@asynccontextmanager
async def running(connector: FakeConnector, site: Path, **overrides: Any) -> AsyncIterator[RelayServer]:
    config = RelayConfig(host="127.0.0.1", port=0, web_root=site, **overrides)
    server = RelayServer(connector, SessionOptions(), config, redact=Redactor([KEY]))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def recv_json(ws: ClientConnection) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), WAIT)
    assert isinstance(raw, str)
    result = json.loads(raw)
    assert isinstance(result, dict)
    return result


async def recv_until(
    ws: ClientConnection, predicate: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while True:
        message = await recv_json(ws)
        seen.append(message)
        if predicate(message):
            return seen


async def open_client(
    server: RelayServer, setup: dict[str, Any] = AUDIO_SETUP, **kw: Any
) -> ClientConnection:
    ws = await connect(server.ws_url, **kw)
    await ws.send(json.dumps(setup))
    assert await recv_json(ws) == {"setup_complete": True}
    assert await recv_json(ws) == {"session": {"state": "connected"}}
    return ws


async def http_get(port: int, target: str, host: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    """A raw HTTP/1.1 GET, so the target reaches the server byte for byte (no client normalisation)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), WAIT)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- HTTP side ------------------------------------------------------------------------------------


async def test_static_files_with_content_types_and_headers(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        status, headers, body = await http_get(server.port, "/")
        assert status == 200
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert body == (site / "index.html").read_bytes()
        assert f"ws://127.0.0.1:{server.port}" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        status, headers, body = await http_get(server.port, "/app.js")
        assert (status, headers["content-type"]) == (200, "text/javascript; charset=utf-8")
        assert int(headers["content-length"]) == len(body)


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/../secret.txt", 400),
        ("/%2e%2e/secret.txt", 400),
        ("/%2e%2e%2fsecret.txt", 400),
        ("/..%5csecret.txt", 400),
        ("//etc/passwd", 404),
        ("/escape.txt", 404),
        ("/nope.html", 404),
    ],
)
async def test_static_serving_never_escapes_the_root(
    connector: FakeConnector, site: Path, target: str, status: int
) -> None:
    async with running(connector, site) as server:
        got, _, body = await http_get(server.port, target)
        assert got == status
        assert b"TOP-SECRET" not in body and b"root:" not in body


async def test_only_get_is_served(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 0\r\n\r\n".encode()
        )
        data = await asyncio.wait_for(reader.read(), WAIT)
        writer.close()
        assert data.startswith(b"HTTP/1.1 405 ")
        assert b"\r\nAllow: GET\r\n" in data


async def test_foreign_host_header_is_refused(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        status, _, _ = await http_get(server.port, "/", host="evil.example")
        assert status == 403
        status, _, _ = await http_get(server.port, "/", host="localhost")
        assert status == 200


async def test_status_reports_backend_and_per_client_counters(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        ws = await open_client(server, TEXT_SETUP)
        await ws.send(
            json.dumps(
                {"realtime_input": {"media_chunks": [{"mime_type": "audio/pcm", "data": b64(bytes(640))}]}}
            )
        )
        await ws.send("not json")
        assert (await recv_json(ws))["error"]["code"] == "bad_json"
        status, headers, body = await http_get(server.port, "/status")
        assert (status, headers["content-type"]) == (200, "application/json")
        report = json.loads(body)
        assert report["backend"] == "fake"
        [client] = report["clients"]
        assert client["modality"] == "TEXT"
        assert client["state"] == "connected"
        assert client["messages_in"] == 3
        assert client["audio_chunks_in"] == 1
        assert client["errors_sent"] == 1
        assert client["rate_limited"] == 0 and client["reconnects"] == 0
        assert client["messages_out"] == 3  # setup_complete, connected, error
        assert report["totals"] == {
            "connections": 1,
            "refused_too_many": 0,
            "setup_timeouts": 0,
            "unresponsive": 0,
            "rate_limited": 0,
        }
        await ws.close()


# --- Origin -------------------------------------------------------------------------------------


async def test_foreign_origin_is_refused_with_403(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.ws_url, origin="https://evil.example")  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403
        assert connector.attempts == []


async def test_loopback_and_listed_origins_are_accepted(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site, allow_origins=("http://myhost.lan:8000",)) as server:
        for origin in (f"http://127.0.0.1:{server.port}", "http://localhost:8000", "http://myhost.lan:8000"):
            ws = await open_client(server, origin=origin)
            await ws.close()


# --- relaying -------------------------------------------------------------------------------------


async def test_tutorial_client_round_trip(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        ws = await open_client(server, TEXT_SETUP)
        [session] = await connector.wait_sessions(1)
        pcm, jpeg = bytes(range(200)) * 4, b"\xff\xd8fakejpeg\xff\xd9"
        await ws.send(
            json.dumps(
                {
                    "realtime_input": {
                        "media_chunks": [
                            {"mime_type": "audio/pcm", "data": b64(pcm)},
                            {"mime_type": "image/jpeg", "data": b64(jpeg)},
                        ]
                    }
                }
            )
        )
        await ws.send(
            json.dumps(
                {
                    "realtime_input": {
                        "media_chunks": [
                            {"mime_type": "audio/pcm", "data": b64(pcm)},
                            {"mime_type": "image/jpeg"},
                        ]
                    }
                }
            )
        )
        await connector.changes.wait_for(lambda: len(session.sent) == 3)
        assert session.kinds() == [
            "UserImage",
            "UserAudio",
            "UserAudio",
        ]  # the frame goes before its message's audio
        assert session.sent[0] == UserImage(jpeg, "image/jpeg")
        session.emit(ModelAudio(b"\x00\x01"), Transcript(Role.MODEL, "I heard you."), TurnComplete())
        assert await recv_until(ws, lambda m: "turn_complete" in m) == [
            {"text": "I heard you."},
            {"turn_complete": True},
        ]
        await ws.close()
    assert session.closed


async def test_audio_client_gets_audio_and_extensions(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        ws = await open_client(server, AUDIO_SETUP)
        [session] = await connector.wait_sessions(1)
        session.emit(Transcript(Role.USER, "hello"), ModelAudio(b"\x05\x06"), Transcript(Role.MODEL, "hi"))
        session.emit(TurnComplete())
        assert await recv_until(ws, lambda m: "turn_complete" in m) == [
            {"input_transcription": "hello"},
            {"audio": b64(b"\x05\x06")},
            {"output_transcription": "hi"},
            {"turn_complete": True},
        ]
        await ws.send(json.dumps({"client_content": {"text": "typed"}}))
        await connector.changes.wait_for(lambda: session.sent == [UserText("typed")])
        await ws.close()


async def test_binary_and_malformed_frames_are_answered_and_the_connection_survives(
    connector: FakeConnector, site: Path
) -> None:
    async with running(connector, site) as server:
        ws = await open_client(server)
        [session] = await connector.wait_sessions(1)
        bad: list[str | bytes] = [
            b"\x00\x01binary",
            "{",
            "[]",
            json.dumps({"nonsense": 1}),
            json.dumps({"realtime_input": {"media_chunks": [{"mime_type": "video/mp4", "data": "AAAA"}]}}),
            json.dumps({"realtime_input": {"media_chunks": [{"mime_type": "audio/pcm", "data": "%%%"}]}}),
            json.dumps({"client_content": {"text": 3}}),
        ]
        codes = []
        for frame in bad:
            await ws.send(frame)
            codes.append((await recv_json(ws))["error"]["code"])
        assert codes == [
            "binary_frame",
            "bad_json",
            "not_an_object",
            "unknown_kind",
            "unknown_mime",
            "bad_base64",
            "wrong_type",
        ]
        await ws.send(json.dumps({"client_content": {"text": "still here"}}))
        await connector.changes.wait_for(lambda: session.sent == [UserText("still here")])
        await ws.close()


async def test_oversized_frame_closes_only_that_client_with_1009(
    connector: FakeConnector, site: Path
) -> None:
    async with running(connector, site, max_message_bytes=64 * 1024) as server:
        victim = await open_client(server)
        bystander = await open_client(server)
        _, other = await connector.wait_sessions(2)
        await victim.send("x" * (64 * 1024 + 1))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(victim.recv(), WAIT)
        assert victim.close_code == 1009
        await bystander.send(json.dumps({"client_content": {"text": "unharmed"}}))
        await connector.changes.wait_for(lambda: other.sent == [UserText("unharmed")])
        other.emit(Transcript(Role.MODEL, "ok"))
        assert await recv_json(bystander) == {"output_transcription": "ok"}
        await bystander.close()


async def test_too_many_bad_messages_close_with_1008(connector: FakeConnector, site: Path) -> None:
    limits = ProtocolLimits(max_errors=3)
    async with running(connector, site, limits=limits) as server:
        ws = await open_client(server)
        for _ in range(3):
            await ws.send("bad")
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), WAIT)
        assert ws.close_code == 1008
        assert ws.close_reason == "Closing after 3 invalid messages."


async def test_two_clients_have_separate_sessions(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        text_client = await open_client(server, TEXT_SETUP)
        audio_client = await open_client(server, AUDIO_SETUP)
        first, second = await connector.wait_sessions(2)
        first.emit(Transcript(Role.MODEL, "for the text client"), TurnComplete())
        second.emit(ModelAudio(b"\x01\x00"), TurnComplete())
        assert await recv_until(text_client, lambda m: "turn_complete" in m) == [
            {"text": "for the text client"},
            {"turn_complete": True},
        ]
        assert await recv_until(audio_client, lambda m: "turn_complete" in m) == [
            {"audio": b64(b"\x01\x00")},
            {"turn_complete": True},
        ]
        await text_client.close()
        await connector.changes.wait_for(lambda: first.closed)
        assert not second.closed
        await audio_client.close()


async def test_session_states_reach_the_browser_and_sends_go_on_meanwhile(
    connector: FakeConnector, site: Path
) -> None:
    """What a resilient session reports is passed on; the relay neither reopens nor closes anything."""
    async with running(connector, site) as server:
        ws = await open_client(server)
        [session] = await connector.wait_sessions(1)
        session.emit(SessionState(SessionPhase.RECONNECTING, "ConnectionLostError (1006): attempt 1 of 5"))
        assert await recv_json(ws) == {"session": {"state": "reconnecting"}}
        assert server.status()["clients"][0]["state"] == "reconnecting"
        await ws.send(json.dumps({"client_content": {"text": "during the gap"}}))  # the session buffers it
        await connector.changes.wait_for(lambda: session.sent == [UserText("during the gap")])
        session.emit(SessionState(SessionPhase.RECONNECTING, "attempt 2 of 5"), ModelAudio(b"\x01\x00"))
        assert await recv_json(ws) == {"audio": b64(b"\x01\x00")}  # the repeated state was not sent
        session.emit(SessionState(SessionPhase.LIVE, "resumed the session after 90 ms"))
        assert await recv_json(ws) == {"session": {"state": "connected"}}
        [client] = server.status()["clients"]
        assert (client["state"], client["reconnects"]) == ("connected", 1)
        assert len(connector.attempts) == 1 and not session.closed
        await ws.close()


async def test_a_plain_sessions_drop_is_final_and_closes_1013(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        ws = await open_client(server)
        [session] = await connector.wait_sessions(1)
        session.fail(ConnectionLostError("The connection to the live service dropped.", code=1006))
        error = await recv_json(ws)
        assert error["error"] == {
            "code": "connection_lost",
            "message": "The connection to the live service dropped.",
        }
        assert await recv_json(ws) == {"session": {"state": "closed"}}
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), WAIT)
        assert (ws.close_code, ws.close_reason) == (1013, "The connection to the live service dropped.")
        assert len(connector.attempts) == 1, "the relay does not reconnect by itself"
        assert session.closed


async def test_reconnect_cap_reached_closes_1013_with_the_reason(
    connector: FakeConnector, site: Path
) -> None:
    async with running(connector, site) as server:
        ws = await open_client(server)
        [session] = await connector.wait_sessions(1)
        session.emit(SessionState(SessionPhase.RECONNECTING))
        session.emit(SessionState(SessionPhase.CLOSED, "giving up"))
        session.fail(ReconnectGaveUpError(5, ServerError("Internal error encountered.", code=1011)))
        seen = await recv_until(ws, lambda m: m.get("session") == {"state": "closed"})
        assert seen[0] == {"session": {"state": "reconnecting"}}
        assert seen[1]["error"]["code"] == "reconnect_gave_up"
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), WAIT)
        assert ws.close_code == 1013
        assert (ws.close_reason or "").startswith("The connection to the Live API failed 5 times in a row")
        assert len(ws.close_reason.encode()) <= 123  # type: ignore[union-attr]


async def test_a_send_refused_after_the_session_gave_up_closes_the_same_way(
    connector: FakeConnector, site: Path
) -> None:
    """The failure may surface on a send (the reader) before the event stream reports it."""
    async with running(connector, site) as server:
        ws = await open_client(server)
        [session] = await connector.wait_sessions(1)
        session.fail_sends_with = ReconnectGaveUpError(3, ConnectionLostError("dropped", code=1006))
        await ws.send(json.dumps({"client_content": {"text": "too late"}}))
        error = await recv_json(ws)
        assert error["error"]["code"] == "reconnect_gave_up"
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), WAIT)
        assert ws.close_code == 1013
        assert len(connector.attempts) == 1


async def test_refused_session_reports_redacted_error_and_closes_1011(
    connector: FakeConnector, site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    connector.refusals.append(AuthError(f"API key {KEY} not valid. Please pass a valid API key."))
    async with running(connector, site) as server:
        ws = await connect(server.ws_url)
        await ws.send(json.dumps(AUDIO_SETUP))
        error = await recv_json(ws)
        assert error["error"]["code"] == "auth"
        assert KEY not in error["error"]["message"] and "[redacted]" in error["error"]["message"]
        assert await recv_json(ws) == {"session": {"state": "closed"}}
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), WAIT)
        assert ws.close_code == 1011
        assert KEY not in (ws.close_reason or "")
    assert KEY not in caplog.text


async def test_page_that_stops_reading_is_closed_without_harming_others(
    connector: FakeConnector, site: Path
) -> None:
    async with running(connector, site, send_queue_frames=8, stall_timeout_s=0.3) as server:
        sleeper = await open_client(server, max_queue=1)
        healthy = await open_client(server)
        first, second = await connector.wait_sessions(2)
        chunk = ModelAudio(bytes(256 * 1024))
        for _ in range(120):  # ~60 MB of base64 audio: more than any socket buffer holds
            first.emit(chunk)
        await connector.changes.wait_for(lambda: first.closed, timeout=20)
        second.emit(Transcript(Role.MODEL, "fine"))
        assert await recv_json(healthy) == {"output_transcription": "fine"}
        await healthy.close()
        sleeper.transport.abort()


async def test_stop_closes_clients_with_1001_and_their_sessions(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as server:
        ws = await open_client(server)
        [session] = await connector.wait_sessions(1)
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), WAIT)
    assert ws.close_code == 1001
    assert session.closed


async def test_browser_leaving_while_session_connects_ends_cleanly(site: Path) -> None:
    gate = asyncio.Event()
    entered = asyncio.Event()

    class SlowConnector(FakeConnector):
        @asynccontextmanager
        async def connect(self, options: SessionOptions) -> AsyncIterator[FakeSession]:
            entered.set()
            await gate.wait()  # never set: the backend hangs
            yield FakeSession(options, self.changes)

    async with running(SlowConnector(), site) as server:
        ws = await connect(server.ws_url)
        await ws.send(json.dumps(AUDIO_SETUP))
        await asyncio.wait_for(entered.wait(), WAIT)
        await ws.close()
        await asyncio.wait_for(server.wait_for_clients(0), WAIT)


async def test_setup_timeout_closes_with_1008(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site, setup_timeout_s=1.0) as server:
        ws = await connect(server.ws_url)
        await ws.send("not a setup")  # bad messages do not extend the time
        assert (await recv_json(ws))["error"]["code"] == "bad_json"
        assert (await recv_json(ws))["error"] == {
            "code": "setup_timeout",
            "message": "Setup timeout: no setup message within 1 s.",
        }
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), WAIT)
        assert (ws.close_code, ws.close_reason) == (1008, "Setup timeout: no setup message within 1 s.")
        await asyncio.wait_for(server.wait_for_clients(0), WAIT)
        assert server.status()["totals"]["setup_timeouts"] == 1
        assert connector.attempts == []


async def test_client_limit_refuses_with_1013_and_a_reason(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site, max_clients=1) as server:
        ws = await open_client(server)
        extra = await connect(server.ws_url)
        error = await recv_json(extra)
        assert error["error"]["code"] == "too_many_clients"
        assert "at most 1 browser connections" in error["error"]["message"]
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(extra.recv(), WAIT)
        assert (extra.close_code, extra.close_reason) == (1013, "Too many clients (the limit is 1).")
        assert server.client_count == 1 and len(connector.attempts) == 1
        assert server.status()["totals"]["refused_too_many"] == 1
        await ws.close()
        await asyncio.wait_for(server.wait_for_clients(0), WAIT)
        again = await open_client(server)  # a freed slot is usable again
        await again.close()


async def test_client_limit_holds_when_many_connect_at_once(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site, max_clients=3) as server:
        sockets = await asyncio.gather(*(connect(server.ws_url) for _ in range(8)))
        for ws in sockets:
            with contextlib.suppress(ConnectionClosed):  # the refused may be closed already
                await ws.send(json.dumps(AUDIO_SETUP))
        outcomes = []
        for ws in sockets:
            first = await recv_json(ws)
            outcomes.append("accepted" if first == {"setup_complete": True} else first["error"]["code"])
        assert sorted(outcomes) == ["accepted"] * 3 + ["too_many_clients"] * 5
        assert server.client_count == 3 and len(connector.attempts) == 3
        for ws in sockets:
            await ws.close()


async def test_rate_limit_answers_and_drops_the_excess_and_counts_it(
    connector: FakeConnector, site: Path
) -> None:
    limits = ProtocolLimits(rate_per_s=0.001, rate_burst=4)  # no token comes back during the test
    async with running(connector, site, limits=limits) as server:
        ws = await open_client(server)  # the setup takes one token
        [session] = await connector.wait_sessions(1)
        for index in range(6):
            await ws.send(json.dumps({"client_content": {"text": f"t{index}"}}))
        errors = [await recv_json(ws) for _ in range(3)]
        assert [e["error"]["code"] for e in errors] == ["rate_limited"] * 3
        await connector.changes.wait_for(lambda: len(session.sent) == 3)
        assert session.sent == [UserText("t0"), UserText("t1"), UserText("t2")]
        [client] = server.status()["clients"]
        assert (client["rate_limited"], client["messages_in"], client["errors_sent"]) == (3, 7, 3)
        await ws.close()
        await asyncio.wait_for(server.wait_for_clients(0), WAIT)
        assert server.status()["totals"]["rate_limited"] == 3


@pytest.mark.allow_warnings("desktop_app.relay", "beyond this machine")
async def test_binding_beyond_loopback_warns(
    connector: FakeConnector, site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = RelayConfig(host="0.0.0.0", port=0, web_root=site)
    server = RelayServer(connector, SessionOptions(), config)
    await server.start()
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        assert any(
            "beyond this machine" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
        )
        status, _, _ = await http_get(server.port, "/", host="my-machine.lan")
        assert status == 200  # Host is not enforced off loopback; Origin still is
    finally:
        await server.stop()


async def test_a_taken_port_is_a_readable_config_error(connector: FakeConnector, site: Path) -> None:
    async with running(connector, site) as first:
        second = RelayServer(connector, SessionOptions(), RelayConfig(port=first.port, web_root=site))
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{first.port}.*--relay-port"):
            await second.start()
        await second.stop()  # never started: a no-op


async def test_run_relay_reports_its_url_and_stops_on_cancel(connector: FakeConnector, site: Path) -> None:
    urls: asyncio.Queue[str] = asyncio.Queue()
    task = asyncio.create_task(
        run_relay(
            connector, SessionOptions(), config=RelayConfig(port=0, web_root=site), ready=urls.put_nowait
        )
    )
    url = await asyncio.wait_for(urls.get(), WAIT)
    port = int(url.rsplit(":", 1)[1].strip("/"))
    assert url == f"http://127.0.0.1:{port}/"
    status, _, _ = await http_get(port, "/")
    assert status == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
